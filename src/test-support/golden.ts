/**
 * Golden files: generated output (profiles, fragments, emitted files, reports, SBOMs) compared
 * with a reviewed copy in the repository. A missing golden file FAILS the test, so a test can
 * never pass by comparing its output with itself; only CHARTER_UPDATE_GOLDEN=1 writes golden files
 * (then review the diff). Each golden file is written by exactly one test.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { repoRoot } from './profile.js';

/** The one switch that lets tests write golden files. */
export const UPDATE_GOLDEN_FLAG = 'CHARTER_UPDATE_GOLDEN';

export function updatingGolden(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[UPDATE_GOLDEN_FLAG] === '1';
}

const shown = (file: string): string => path.relative(repoRoot, file) || file;

function missing(file: string): Error {
  return new Error(`golden file ${shown(file)} is missing: run the test with ${UPDATE_GOLDEN_FLAG}=1 to write it, then review it`);
}

/** `actual` must equal the golden file `file` (an absolute path). */
export function expectGolden(file: string, actual: string): void {
  if (updatingGolden()) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw missing(file);
  expect(actual, `${shown(file)} differs from its golden file (${UPDATE_GOLDEN_FLAG}=1 rewrites it)`).toBe(readFileSync(file, 'utf8'));
}

/** A folder written as a whole (an emitter's files): the same file names, each with the same content. */
export function expectGoldenDir(dir: string, files: readonly { name: string; content: string }[]): void {
  if (updatingGolden()) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(path.join(dir, f.name), f.content);
    return;
  }
  if (!existsSync(dir)) throw missing(dir);
  expect(files.map((f) => f.name).sort(), `files in ${shown(dir)}`).toEqual(readdirSync(dir).sort());
  for (const f of files) expectGolden(path.join(dir, f.name), f.content);
}

/** A generated section of a hand-written file (a README's list), between two marker lines. */
export function expectGoldenSection(file: string, begin: string, end: string, want: string): void {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b <= a) throw new Error(`${shown(file)} lacks the markers ${JSON.stringify(begin)} … ${JSON.stringify(end)}`);
  const have = text.slice(a, b);
  if (updatingGolden()) {
    if (have !== want) writeFileSync(file, text.slice(0, a) + want + text.slice(b));
    return;
  }
  expect(have, `the generated section of ${shown(file)} is stale (${UPDATE_GOLDEN_FLAG}=1 rewrites it)`).toBe(want);
}
