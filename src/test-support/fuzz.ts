/**
 * Shared pieces of the readers' fuzz tests: seeds from the real files in test/corpus and the
 * readers' fixtures, byte-level mutations a hostile or broken file would carry, and the contract
 * every text reader must keep on any input (returns, or throws only a UserError; every diagnostic
 * names the file and a position; the same input gives the same output).
 *
 * Runs are bounded and deterministic: a fixed seed and run count (fuzzParameters, FUZZ_RUNS).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { UserError } from '../model/errors.js';
import type { Diagnostic } from '../model/charter.js';
import { RAW_JS_MESSAGE, fuzzParameters } from './fuzz-bytes.js';

/** Runs per property: enough to hit every mutation kind on every seed file, small enough for a few seconds. */
export const FUZZ_RUNS = 150;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Seed {
  /** Path relative to the repository root. */
  name: string;
  bytes: Uint8Array;
}

/** Files below the given repository-relative directories whose path matches `wanted`, sorted. */
export function seedFiles(dirs: readonly string[], wanted: RegExp): Seed[] {
  const out: Seed[] = [];
  const visit = (abs: string): void => {
    for (const entry of readdirSync(abs).sort()) {
      const path = join(abs, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (wanted.test(entry) && statSync(path).size <= 256 * 1024) out.push({ name: relative(ROOT, path), bytes: readFileSync(path) });
    }
  };
  for (const dir of dirs) visit(join(ROOT, dir));
  return out;
}

const encoder = new TextEncoder();

/** Fragments that break parsers: nesting openers, anchors and aliases, document markers, escapes, heredocs. */
const HOSTILE_TEXT = [
  '[',
  '{',
  ']',
  '}',
  '[[[[[[[[',
  '{{{{{{{{',
  '&a ',
  '*a',
  '<<: *a\n',
  '---\n',
  '...\n',
  '"',
  "'",
  '\\',
  '\\\n',
  ':',
  '- ',
  '  ',
  '\t',
  '${A}',
  '${A:-${B}}',
  '$A$A$A',
  '<<EOF\n',
  'FROM x AS y\n',
  'ARG A=$A$A\n',
  '"id":',
  '"groups":[{',
  '"apps":[',
  'null',
  '1e999',
  '-1',
  '__proto__',
  'constructor',
  '\u00a0',
  '\u0085',
  '\ufeff',
  '\ud83d\ude00',
  '\ufffd',
].map((s) => encoder.encode(s));

/** Bytes no valid text holds, or that YAML and JSON forbid: NUL, ESC, DEL, lone UTF-8 bytes, overlongs. */
const HOSTILE_BYTES = [
  [0x00],
  [0x1b],
  [0x07],
  [0x7f],
  [0x80],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
  [0xfe, 0xff],
].map((b) => Uint8Array.from(b));

type Mutation = (bytes: Uint8Array) => Uint8Array;

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const start = Math.min(at, bytes.length);
  const end = Math.min(start + remove, bytes.length);
  const out = new Uint8Array(bytes.length - (end - start) + insert.length);
  out.set(bytes.subarray(0, start), 0);
  out.set(insert, start);
  out.set(bytes.subarray(end), start + insert.length);
  return out;
}

/** One mutation; positions are fractions of the file so they apply to any seed. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...HOSTILE_TEXT, ...HOSTILE_BYTES)).map(
    ([f, insert]): Mutation =>
      (b) =>
        splice(b, Math.floor(f * b.length), 0, insert),
  ),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 64 })).map(
    ([f, n]): Mutation =>
      (b) =>
        splice(b, Math.floor(f * b.length), n, new Uint8Array()),
  ),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
    ([f, insert]): Mutation =>
      (b) =>
        splice(b, Math.floor(f * b.length), insert.length, insert),
  ),
  // A slice repeated: deep nesting, long lines, many documents, many keys.
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 400 }))
    .map(([f, length, times]): Mutation => (b) => {
      const at = Math.floor(f * b.length);
      const piece = b.subarray(at, at + length);
      const repeated = new Uint8Array(piece.length * times);
      for (let i = 0; i < times; i++) repeated.set(piece, i * piece.length);
      return splice(b, at, 0, repeated);
    }),
  fc.double({ min: 0, max: 1, noNaN: true }).map(
    (f): Mutation =>
      (b) =>
        b.subarray(0, Math.floor(f * b.length)),
  ),
);

/** A seed file with one to four mutations applied. */
export function mutatedSeed(seeds: readonly Seed[]): fc.Arbitrary<{ seed: string; bytes: Uint8Array }> {
  if (seeds.length === 0) throw new Error('no seed files: the corpus or fixtures moved?');
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([seed, mutations]) => ({
    seed: seed.name,
    bytes: mutations.reduce((b, m) => m(b), seed.bytes),
  }));
}

export interface Checked {
  diagnostics: readonly Diagnostic[];
}

/**
 * Runs `read` twice on one input and asserts the contract: it returns (or throws a UserError),
 * each diagnostic names `file` with a 1-based line and column, and both runs agree.
 */
export function assertReaderContract(file: string, read: () => Checked): void {
  let first: Checked;
  try {
    first = read();
  } catch (err) {
    expect(err, `threw ${String(err)}`).toBeInstanceOf(UserError);
    return;
  }
  for (const d of first.diagnostics) {
    expect(d.file, JSON.stringify(d)).toBe(file);
    expect(d.line, JSON.stringify(d)).toBeGreaterThanOrEqual(1);
    expect(d.column, JSON.stringify(d)).toBeGreaterThanOrEqual(1);
    expect(d.message, JSON.stringify(d)).not.toMatch(RAW_JS_MESSAGE);
  }
  expect(JSON.stringify(read())).toBe(JSON.stringify(first));
}

/** fast-check parameters every fuzz test uses. */
export const FUZZ_PARAMETERS = { ...fuzzParameters(FUZZ_RUNS), endOnFailure: true } as const;
