/**
 * Helpers shared by the language analyzers: decoding, JSON that is foreign input (positions in
 * messages, no prototype surprises), and the name/version sanity checks that keep hostile
 * manifests from turning into nonsense components.
 */
import type { AnalyzerOutput } from '../../model/analyzer.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';
import { positionAt } from '../../util/text-position.js';

export type Diagnostic = NonNullable<AnalyzerOutput['diagnostics']>[number];

/** UTF-8 text of a file, without a byte-order mark; invalid sequences become U+FFFD, never a throw. */
export function textOf(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; diagnostic: Diagnostic };

/**
 * `JSON.parse` with the failure turned into a diagnostic `path:line:column: …`. JSON.parse itself
 * is safe against `__proto__` keys (they become own data properties); callers read objects only
 * through {@link own}, so such keys never reach Object.prototype either.
 */
export function parseJson(path: string, text: string, code: DiagnosticCode): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const msg = errorMessage(err);
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const where = offset === undefined ? undefined : positionAt(text, offset);
    return {
      ok: false,
      diagnostic: {
        code,
        severity: 'warning',
        message: `${path}${where ? `:${where.line}:${where.column}` : ''}: not valid JSON (${msg.slice(0, 200)})`,
      },
    };
  }
}

/**
 * Offset of the first JSON syntax error, for messages: V8 names a position only for some errors
 * (not for "Unexpected token"). Only run after JSON.parse failed; iterative, so nesting is free.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const ws = /[ \t\r\n]*/y;
  // eslint-disable-next-line no-control-regex -- JSON forbids raw control characters inside strings: the scan must see them.
  const str = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const lit = /true|false|null/y;
  const stack: ('{' | '[')[] = [];
  let i = 0;
  const skip = (): void => {
    ws.lastIndex = i;
    ws.exec(text);
    i = ws.lastIndex;
  };
  const token = (re: RegExp): boolean => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  // state: expecting a value; after a value: expecting `,` or a closer.
  let wantValue = true;
  for (;;) {
    skip();
    if (wantValue) {
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        skip();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          wantValue = false;
          continue;
        }
        if (c === '{') {
          if (!token(str)) return i;
          skip();
          if (text[i] !== ':') return i;
          i++;
        }
        continue;
      }
      if (!(token(str) || token(num) || token(lit))) return i;
      wantValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < text.length ? i : undefined;
    const c = text[i];
    if (c === ',') {
      i++;
      if (top === '{') {
        skip();
        if (!token(str)) return i;
        skip();
        if (text[i] !== ':') return i;
        i++;
      }
      wantValue = true;
      continue;
    }
    if ((top === '{' && c === '}') || (top === '[' && c === ']')) {
      stack.pop();
      i++;
      continue;
    }
    return i;
  }
}

/** An own property, so `__proto__`/`constructor` keys in foreign JSON never resolve to built-ins. */
export function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

export function ownString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = own(obj, key);
  return typeof v === 'string' ? v : undefined;
}

/** Keys that must never become component names or map keys we index with. */
export const POISON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A version string worth recording: non-empty, bounded, printable, no whitespace. Real versions
 * (semver, PEP 440, Debian) all fit; a multi-kilobyte or control-character "version" is hostile.
 */
export function plausibleVersion(v: string): boolean {
  return v.length > 0 && v.length <= 128 && /^[\x21-\x7e]+$/.test(v);
}

/** Shorten a foreign value for a message. */
export function quote(v: unknown, max = 80): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

/** Largest number of licenses kept per component: a manifest with thousands is not a license list. */
export const MAX_LICENSES = 16;
/** Longest license string kept: longer ones are license texts pasted into a field, not identifiers. */
export const MAX_LICENSE_LENGTH = 128;

export function cleanLicense(v: string): string | undefined {
  const s = v.trim();
  if (s === '' || s.length > MAX_LICENSE_LENGTH || /[\r\n]/.test(s)) return undefined;
  if (/^(unknown|none|n\/a|unlicensed\?)$/i.test(s)) return undefined;
  return s;
}

/** The st_mode type bits, when the caller gave them: 0 means "not told", treated as a regular file. */
export function isRegularOrUnknown(mode: number): boolean {
  const type = mode & 0o170000;
  return type === 0 || type === 0o100000;
}
