/**
 * Edge: scanning a directory or a single manifest file. Manifests (Dockerfile, compose,
 * Kubernetes) get the hygiene checks; every file the file analyzers ask for (installed
 * `node_modules/**\/package.json`, lockfiles, Python metadata, credential-looking files) is read
 * and analysed as if it were an image layer, so an application directory has an inventory too.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Finding } from '../hygiene/types.js';
import type { FileAnalyzer } from '../inventory/analyzer.js';
import { preferInstalled } from '../inventory/lang/index.js';
import type { Component } from '../inventory/types.js';
import type { Diagnostic } from '../profile/model.js';
import { decodeUtf8 } from '../readers/shared/text.js';
import { checkManifest } from './manifests.js';

/** Directories never holding deployment intent; node_modules is still walked for the analyzers. */
const SKIP_FOR_MANIFESTS = new Set(['node_modules', 'vendor', '__pycache__', '.venv', 'dist', 'build', 'target']);
const SKIP_ALWAYS = new Set(['.git', '.hg', '.svn']);
export const MAX_DIRECTORY_ENTRIES = 500_000;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export interface DirectoryScan {
  components: Component[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Manifest files checked, relative names. */
  manifests: string[];
}

interface Entry {
  abs: string;
  /** `/`-separated, relative to the root. */
  rel: string;
  size: number;
  mode: number;
  underSkipped: boolean;
}

async function walk(root: string, diagnostics: Diagnostic[]): Promise<Entry[]> {
  const out: Entry[] = [];
  const stack: { dir: string; skipped: boolean }[] = [{ dir: root, skipped: false }];
  let seen = 0;
  while (stack.length > 0) {
    const { dir, skipped } = stack.pop() as { dir: string; skipped: boolean };
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      diagnostics.push({ code: 'scan/unreadable', severity: 'warning', message: err instanceof Error ? err.message : String(err), file: path.relative(root, dir) || '.' });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const e of entries) {
      if (++seen > MAX_DIRECTORY_ENTRIES) {
        diagnostics.push({ code: 'scan/too-many-files', severity: 'warning', message: `more than ${MAX_DIRECTORY_ENTRIES} entries; the rest were not read`, file: '.' });
        return out;
      }
      const abs = path.join(dir, e.name);
      // Symlinks are not followed: a link can point anywhere on the machine.
      if (e.isDirectory()) {
        if (!SKIP_ALWAYS.has(e.name)) stack.push({ dir: abs, skipped: skipped || SKIP_FOR_MANIFESTS.has(e.name) });
      } else if (e.isFile()) {
        const info = await lstat(abs).catch(() => undefined);
        if (!info) continue;
        out.push({ abs, rel: path.relative(root, abs).split(path.sep).join('/'), size: info.size, mode: info.mode, underSkipped: skipped });
      }
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * Scans a directory (or one file). Paths in results are relative to the directory, so findings
 * point at `deploy/app.yaml:12` and components at `/node_modules/lodash/package.json`.
 */
export async function scanDirectory(target: string, analyzers: readonly FileAnalyzer[]): Promise<DirectoryScan> {
  const diagnostics: Diagnostic[] = [];
  const info = await lstat(target);
  const files: Entry[] = info.isDirectory()
    ? await walk(target, diagnostics)
    : [{ abs: target, rel: path.basename(target), size: info.size, mode: info.mode, underSkipped: false }];
  const components: Component[] = [];
  const findings: Finding[] = [];
  const manifests: string[] = [];
  for (const f of files) {
    // Manifests: the same recognition as `charter profile`.
    if (!f.underSkipped && f.size <= MAX_MANIFEST_BYTES && /(^|\/)(Dockerfile|Containerfile)([.-][^/]*)?$|\.(dockerfile|ya?ml|json)$/i.test(f.rel) && !/(^|\/)(package(-lock)?|tsconfig|npm-shrinkwrap)\.json$/.test(f.rel)) {
      const bytes = await readFile(f.abs).catch(() => undefined);
      if (bytes !== undefined) {
        const { text, invalidUtf8 } = decodeUtf8(bytes);
        const r = checkManifest(f.rel, text, invalidUtf8);
        if (r.type) manifests.push(f.rel);
        findings.push(...r.findings);
        diagnostics.push(...r.diagnostics);
      }
    }
    const inImage = `/${f.rel}`;
    const wanted = analyzers.filter((a) => a.required(inImage, { size: f.size, mode: f.mode }));
    if (wanted.length === 0) continue;
    const bytes = await readFile(f.abs).catch(() => undefined);
    if (!bytes) continue;
    for (const a of wanted) {
      if (f.size > a.maxBytes) {
        diagnostics.push({ code: 'scan/file-too-large', severity: 'info', message: `${a.type}: ${f.size} bytes is over its ${a.maxBytes}-byte limit; not analysed`, file: f.rel });
        continue;
      }
      try {
        // No layer: the directory is one "layer" with an empty digest.
        const out = a.analyze(inImage, bytes, '');
        for (const c of out.components ?? []) {
          const { layer: _layer, ...rest } = c;
          components.push(rest);
        }
        for (const x of out.findings ?? []) findings.push({ ...x, locations: x.locations.map(({ layer: _l, ...l }) => ({ ...l, artifact: f.rel })) });
        for (const d of out.diagnostics ?? []) diagnostics.push({ ...d, file: f.rel });
      } catch (err) {
        diagnostics.push({ code: `${a.type}/internal`, severity: 'error', message: err instanceof Error ? err.message : String(err), file: f.rel });
      }
    }
  }
  return { components: preferInstalled(components), findings, diagnostics, manifests };
}
