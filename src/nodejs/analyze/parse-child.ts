/**
 * Parses text that may overflow the parser's native stack (see MAX_IN_PROCESS_NESTING in
 * parse.ts) in a child process: a crash there costs this one file, not the whole run. The child
 * is a small script run by the same Node; it reads the file name, source kind and text on stdin
 * and writes a header line (errors or module syntax) followed by the parser's own JSON of the
 * syntax tree, which this process turns into objects (V8's JSON.parse is not recursive, so a deep
 * tree cannot overflow it; module-facts.ts catches the stack exhaustion of the extraction walk).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { errorMessage } from '../../model/errors.js';
import type { Nesting } from './nesting.js';

/**
 * A child that runs longer is stopped and the file reported as not parsed. Parsing the largest
 * file the analysis parses (20 MB) takes a few seconds; a crash, milliseconds.
 */
export const PARSE_CHILD_TIMEOUT_MS = 60_000;

/**
 * The most a child may write (the syntax tree as JSON): V8's longest string is 512 MiB, and the
 * in-process parser's JSON of the same file would be as large.
 */
export const PARSE_CHILD_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** Attempts to start the child again when the system has no process or memory to spare for a moment. */
export const PARSE_CHILD_SPAWN_RETRIES = 2;
const PARSE_CHILD_RETRY_WAIT_MS = 200;

export type ChildParseOutcome = { ok: true; program: unknown; hasModuleSyntax: boolean } | { ok: false; message: string; offset: number };

/** The child's code: the parser's native binding, fed from stdin (no file is written). */
const childSource = (bindingsUrl: string): string => `
const { parseSync } = await import(${JSON.stringify(bindingsUrl)});
process.stdin.setEncoding('utf8');
let input = '';
for await (const chunk of process.stdin) input += chunk;
const newline = input.indexOf('\\n');
const { filename, kind } = JSON.parse(input.slice(0, newline));
const source = input.slice(newline + 1);
const attempt = (sourceType) => {
  const r = parseSync(filename, source, { sourceType, lang: 'js', preserveParens: false });
  const errors = r.errors.filter((e) => e.severity === 'Error');
  if (errors.length > 0) return { header: { ok: false, message: errors[0].message, offset: errors[0].labels[0]?.start ?? 0 } };
  return { header: { ok: true, hasModuleSyntax: r.module.hasModuleSyntax }, program: r.program };
};
let out = attempt(kind);
if (!out.header.ok && kind === 'unambiguous') {
  const second = attempt('commonjs');
  if (second.header.ok) out = second;
}
process.stdout.write(JSON.stringify(out.header) + '\\n');
if (out.program !== undefined) process.stdout.write(out.program);
`;

let cachedChildSource: string | undefined;
const getChildSource = (): string =>
  (cachedChildSource ??= childSource(pathToFileURL(createRequire(import.meta.url).resolve('oxc-parser/src-js/bindings')).href));

const Header = z.union([
  z.object({ ok: z.literal(true), hasModuleSyntax: z.boolean() }),
  z.object({ ok: z.literal(false), message: z.string(), offset: z.number() }),
]);
/** The parser's JSON: the tree, and paths to literals whose values JSON cannot hold (BigInt, RegExp). */
const ProgramJson = z.object({ node: z.unknown(), fixes: z.array(z.array(z.union([z.string(), z.number()]))) });

export function parseInChild(filename: string, source: string, kind: string, nesting: Nesting): ChildParseOutcome {
  const deep = nesting.depth > 0 ? `nested ${nesting.depth} deep` : 'not measurable before parsing';
  const input = `${JSON.stringify({ filename, kind })}\n${source}`;
  let r: ReturnType<typeof spawnSync>;
  for (let attempt = 0; ; attempt++) {
    try {
      r = spawnSync(process.execPath, ['--input-type=module', '-e', getChildSource()], {
        input,
        maxBuffer: PARSE_CHILD_MAX_OUTPUT_BYTES,
        timeout: PARSE_CHILD_TIMEOUT_MS,
        windowsHide: true,
      });
    } catch (err) {
      return {
        ok: false,
        message: `${deep}, and the separate parser process could not be started: ${errorMessage(err)}`,
        offset: nesting.offset,
      };
    }
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    if (!(code === 'EAGAIN' || code === 'ENOMEM') || attempt >= PARSE_CHILD_SPAWN_RETRIES) break;
    // A machine out of processes or memory for a moment: wait a little, synchronously (parseJs is).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PARSE_CHILD_RETRY_WAIT_MS);
  }
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const why =
      code === 'ETIMEDOUT'
        ? `did not finish within ${PARSE_CHILD_TIMEOUT_MS / 1000} s`
        : code === 'ENOBUFS'
          ? `wrote a syntax tree larger than ${PARSE_CHILD_MAX_OUTPUT_BYTES / 1024 / 1024} MiB`
          : `failed: ${errorMessage(r.error)}`;
    return { ok: false, message: `${deep}; the parser ${why}`, offset: nesting.offset };
  }
  if (r.status !== 0) {
    const how = r.signal ? `crashed (${r.signal})` : `exited with status ${r.status}`;
    return { ok: false, message: `${deep}, more than the parser survives: it ${how} in a separate process`, offset: nesting.offset };
  }
  const out = r.stdout.toString('utf8');
  const newline = out.indexOf('\n');
  try {
    const header = Header.parse(JSON.parse(out.slice(0, newline < 0 ? out.length : newline)));
    if (!header.ok) return header;
    const { node, fixes } = ProgramJson.parse(JSON.parse(out.slice(newline + 1)));
    for (const path of fixes) applyFix(node, path);
    return { ok: true, program: node, hasModuleSyntax: header.hasModuleSyntax };
  } catch (err) {
    return { ok: false, message: `${deep}; the separate parser's output was unreadable: ${errorMessage(err)}`, offset: nesting.offset };
  }
}

/** Sets the value of a BigInt or RegExp literal, as oxc-parser does for its in-process result. */
function applyFix(program: unknown, path: readonly (string | number)[]): void {
  let n: unknown = program;
  for (const key of path) n = n !== null && typeof n === 'object' ? (n as Record<string | number, unknown>)[key] : undefined;
  if (n === null || typeof n !== 'object') return;
  const lit = n as { value?: unknown; bigint?: unknown; regex?: { pattern?: unknown; flags?: unknown } };
  if (typeof lit.bigint === 'string') {
    try {
      lit.value = BigInt(lit.bigint);
    } catch {
      // Not a BigInt the running Node reads: the value stays null, as oxc-parser leaves it.
    }
  } else if (typeof lit.regex?.pattern === 'string' && typeof lit.regex.flags === 'string') {
    try {
      lit.value = new RegExp(lit.regex.pattern, lit.regex.flags);
    } catch {
      // Invalid, or syntax this Node does not support: null, as oxc-parser leaves it.
    }
  }
}
