/**
 * The secrets analyzer: a FileAnalyzer run over every image layer (and application directory).
 * `required` decides from the path and size alone which files are worth reading; `analyze` is pure.
 * Because layers are analysed one by one, a key added in one layer and deleted in the next is still
 * reported, with the digest of the layer that holds it.
 */
import type { AnalyzerOutput, FileAnalyzer, FileInfo } from '../../model/analyzer.js';
import { bundledRules, type CompiledRules } from './rules.js';
import { scanText } from './scan.js';

/** Larger files are not read: secrets live in small config and key files. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/**
 * Whether a path is worth reading for secrets. Virtual and third-party trees (node_modules,
 * site-packages: their test fixtures are full of sample keys) and system directories are skipped;
 * everything else that is not obviously binary by its extension is read.
 */
export function wantsPath(path: string, rules: CompiledRules = bundledRules()): boolean {
  const p = path.startsWith('/') ? path : `/${path}`;
  if (rules.skipSegments.some((s) => p.includes(s))) return false;
  if (rules.skipPrefixes.some((s) => p.startsWith(s))) return false;
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot > 0 && rules.skipExtensions.has(base.slice(dot).toLowerCase())) return false;
  if (/\.so(?:\.\d+)+$/.test(base)) return false;
  return true;
}

/** Files whose name alone says they hold credentials (.env, .npmrc, id_rsa, *.pem …). */
export function isCredentialFile(path: string, rules: CompiledRules = bundledRules()): boolean {
  return rules.alwaysScan.test(path);
}

function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export const secretsAnalyzer: FileAnalyzer = {
  type: 'secrets',
  version: '1',
  maxBytes: MAX_SECRET_FILE_BYTES,
  required(path: string, info: FileInfo): boolean {
    const type = info.mode & S_IFMT;
    if (type !== S_IFREG && type !== 0) return false;
    if (info.size === 0 || !wantsPath(path)) return false;
    // An oversized credential file is still "required", so the caller reports it as skipped.
    return info.size <= MAX_SECRET_FILE_BYTES || isCredentialFile(path);
  },
  analyze(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
    if (content.length > MAX_SECRET_FILE_BYTES || looksBinary(content)) return {};
    const { findings, diagnostics } = scanText(path, decoder.decode(content), bundledRules(), layer);
    const out: AnalyzerOutput = {};
    if (findings.length > 0) out.findings = findings;
    if (diagnostics.length > 0) out.diagnostics = diagnostics;
    return out;
  },
};
