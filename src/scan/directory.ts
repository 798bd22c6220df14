/**
 * Scanning a directory (or one file), on the same pipeline as `charter profile`
 * (src/pipeline): the one walker with its limits, manifests recognised by the reader registry
 * only. Manifests (Dockerfile, compose, Kubernetes) get the hygiene checks; every file the file
 * analyzers ask for (installed `node_modules/**\/package.json`, lockfiles, Python metadata,
 * credential-looking files) is read and analysed as if it were an image layer, so an application
 * directory has an inventory too.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UserError, errorMessage } from '../model/errors.js';
import type { Finding } from '../model/findings.js';
import type { FileAnalyzer } from '../model/analyzer.js';
import { preferInstalled } from '../inventory/lang/index.js';
import type { Component } from '../model/components.js';
import { WALK_LIMITS, type WalkLimits } from '../pipeline/limits.js';
import { readRegularFile } from '../pipeline/read-file.js';
import { recogniseFile, recogniseFiles, unreadable, type Recognised } from '../pipeline/recognise.js';
import { walkTree, type WalkedFile } from '../pipeline/walk.js';
import type { Diagnostic } from '../model/charter.js';
import { decodeUtf8 } from '../readers/common/text.js';
import { checkManifest } from './manifests.js';

export interface DirectoryScan {
  components: Component[];
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Files a reader recognised, relative names (the same set `charter profile` reads). */
  manifests: string[];
}

export interface DirectoryScanOptions {
  /** Walk limits (default: src/pipeline/limits.ts); tests lower them. */
  limits?: Partial<WalkLimits>;
}

/** The target's files and manifests: the whole tree for a directory, the file itself otherwise. */
async function filesOf(
  target: string,
  limits: WalkLimits,
  diagnostics: Diagnostic[],
): Promise<{ files: WalkedFile[]; manifests: Recognised[] }> {
  const info = await lstat(target);
  if (info.isDirectory()) {
    const walk = await walkTree(target, { dependencies: true, limits });
    diagnostics.push(...walk.diagnostics);
    return { files: walk.files, manifests: await recogniseFiles(walk.files, diagnostics) };
  }
  // A FIFO, socket or device named as the target is refused before anything opens it.
  if (!info.isFile()) throw new UserError('not a regular file or directory', path.basename(target));
  const file: WalkedFile = { abs: target, rel: path.basename(target), size: info.size, mode: info.mode, dependency: false };
  try {
    const reader = await recogniseFile(file.abs, file.rel);
    return { files: [file], manifests: reader ? [{ file, reader }] : [] };
  } catch (err) {
    diagnostics.push(unreadable(err, file.rel));
    return { files: [], manifests: [] };
  }
}

/**
 * Scans a directory (or one file). Paths in results are relative to the directory, so findings
 * point at `deploy/app.yaml:12` and components at `/node_modules/lodash/package.json`.
 */
export async function scanDirectory(
  target: string,
  analyzers: readonly FileAnalyzer[],
  opts: DirectoryScanOptions = {},
): Promise<DirectoryScan> {
  const limits = { ...WALK_LIMITS, ...opts.limits };
  const diagnostics: Diagnostic[] = [];
  const { files, manifests } = await filesOf(target, limits, diagnostics);
  const components: Component[] = [];
  const findings: Finding[] = [];
  // A file that could not be opened is named once, not again for each analyzer that wants it.
  const unread = new Set(diagnostics.filter((d) => d.code === 'walk/unreadable').map((d) => d.file));
  for (const { file: f, reader } of manifests) {
    // Only the types with hygiene checks are read here (a package.json is for the analyzers).
    if (reader.input !== 'text') continue;
    if (f.size > limits.maxManifestBytes) {
      diagnostics.push({
        code: 'scan/file-too-large',
        severity: 'info',
        message: `${f.size} bytes is over the ${limits.maxManifestBytes}-byte limit for a manifest; not checked`,
        file: f.rel,
      });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(f.abs, f.rel, limits.maxManifestBytes);
    } catch (err) {
      diagnostics.push(unreadable(err, f.rel));
      unread.add(f.rel);
      continue;
    }
    // Bytes, not a string: the checks report invalid UTF-8 where it is instead of reading U+FFFD.
    const { text, invalidUtf8 } = decodeUtf8(bytes);
    const r = checkManifest(reader.type, f.rel, text, invalidUtf8);
    findings.push(...r.findings);
    diagnostics.push(...r.diagnostics);
  }
  for (const f of files) {
    if (unread.has(f.rel)) continue;
    const inImage = `/${f.rel}`;
    const wanted = analyzers.filter((a) => a.required(inImage, { size: f.size, mode: f.mode }));
    if (wanted.length === 0) continue;
    const fits = wanted.filter((a) => {
      if (f.size <= a.maxBytes) return true;
      diagnostics.push({
        code: 'scan/file-too-large',
        severity: 'info',
        message: `${a.type}: ${f.size} bytes is over its ${a.maxBytes}-byte limit; not analysed`,
        file: f.rel,
      });
      return false;
    });
    if (fits.length === 0) continue;
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(f.abs, f.rel, limits.maxFileBytes);
    } catch (err) {
      diagnostics.push(unreadable(err, f.rel));
      continue;
    }
    for (const a of fits) {
      try {
        // No layer: the directory is one "layer" with an empty digest.
        const out = a.analyze(inImage, bytes, '');
        for (const c of out.components ?? []) {
          const { layer: _layer, ...rest } = c;
          components.push(rest);
        }
        for (const x of out.findings ?? [])
          findings.push({ ...x, locations: x.locations.map(({ layer: _l, ...l }) => ({ ...l, artifact: f.rel })) });
        for (const d of out.diagnostics ?? []) diagnostics.push({ ...d, file: f.rel });
      } catch (err) {
        diagnostics.push({ code: `${a.type}/internal`, severity: 'error', message: errorMessage(err), file: f.rel });
      }
    }
  }
  return { components: preferInstalled(components), findings, diagnostics, manifests: manifests.map((m) => m.file.rel) };
}
