/**
 * What the text readers share about the text itself, before any format is parsed: decoding bytes
 * as UTF-8 without losing where a bad sequence was, finding characters a format forbids, and
 * turning an offset into the 1-based line and column every diagnostic carries.
 */
import type { Diagnostic } from '../../model/charter.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import type { InvalidUtf8, ReaderInput } from '../../model/fragments.js';
import { positionAt, type TextPosition } from '../../util/text-position.js';

/**
 * Bad sequences listed per file. A binary file holds millions; each listed costs memory, and past
 * a few the answer ("this is not text") does not change.
 */
export const MAX_INVALID_UTF8 = 1000;

export interface DecodedText {
  text: string;
  /** Every bad sequence, in order; empty for valid UTF-8 (the common case costs one decode). */
  invalidUtf8: InvalidUtf8[];
}

const STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a file as UTF-8 (RFC 3629). Valid files decode as usual; in an invalid one each maximal
 * bad sequence becomes one U+FFFD and is listed, so a reader can say where it is instead of
 * silently reading a replacement character.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  try {
    return { text: STRICT.decode(bytes), invalidUtf8: [] };
  } catch {
    // Invalid somewhere: walk the bytes to find each bad sequence.
  }
  const parts: string[] = [];
  const invalidUtf8: InvalidUtf8[] = [];
  let textLength = 0;
  let validFrom = 0;
  let i = 0;
  const flushValid = (end: number): void => {
    if (end <= validFrom) return;
    const part = STRICT.decode(bytes.subarray(validFrom, end));
    parts.push(part);
    textLength += part.length;
  };
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    flushValid(i);
    if (invalidUtf8.length < MAX_INVALID_UTF8) invalidUtf8.push({ offset: textLength, byte: i, value: bytes[i] ?? 0 });
    else (invalidUtf8.at(-1) as InvalidUtf8).andAfter = true;
    parts.push('\uFFFD');
    textLength += 1;
    i += Math.max(1, validPrefixLength(bytes, i));
    validFrom = i;
  }
  flushValid(bytes.length);
  return { text: parts.join(''), invalidUtf8 };
}

/** Length of the well-formed UTF-8 sequence at `i`, or 0 when it is not one (RFC 3629 §4). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const [length, lo, hi] = leadRange(b0);
  if (length === 0) return 0;
  const b1 = bytes[i + 1];
  if (b1 === undefined || b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k];
    if (b === undefined || b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}

/** For a lead byte: the sequence length and the allowed range of the second byte (0 length: not a lead byte). */
function leadRange(b0: number): [number, number, number] {
  if (b0 >= 0xc2 && b0 <= 0xdf) return [2, 0x80, 0xbf];
  if (b0 === 0xe0) return [3, 0xa0, 0xbf];
  if (b0 === 0xed) return [3, 0x80, 0x9f]; // no UTF-16 surrogates
  if (b0 >= 0xe1 && b0 <= 0xef) return [3, 0x80, 0xbf];
  if (b0 === 0xf0) return [4, 0x90, 0xbf];
  if (b0 >= 0xf1 && b0 <= 0xf3) return [4, 0x80, 0xbf];
  if (b0 === 0xf4) return [4, 0x80, 0x8f]; // nothing above U+10FFFF
  return [0, 0, 0];
}

/** How many bytes of a broken sequence at `i` still fit its lead byte (the "maximal subpart"). */
function validPrefixLength(bytes: Uint8Array, i: number): number {
  const [length, lo, hi] = leadRange(bytes[i] ?? 0);
  if (length === 0) return 1;
  let n = 1;
  const b1 = bytes[i + 1];
  if (b1 === undefined || b1 < lo || b1 > hi) return n;
  n++;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k];
    if (b === undefined || b < 0x80 || b > 0xbf) return n;
    n++;
  }
  return n;
}

/**
 * The first bad sequence in `text[from, to)`, found by binary search; past a list cut at
 * MAX_INVALID_UTF8 (`andAfter`), any range after the last one listed counts as bad from its start.
 */
export function invalidUtf8In(invalid: readonly InvalidUtf8[], from: number, to: number): InvalidUtf8 | undefined {
  let lo = 0;
  let hi = invalid.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((invalid[mid] as InvalidUtf8).offset < from) lo = mid + 1;
    else hi = mid;
  }
  const found = invalid[lo];
  if (found !== undefined && found.offset < to) return found;
  const last = invalid.at(-1);
  if (last?.andAfter && last.offset < from) return { ...last, offset: from };
  return undefined;
}

/** `invalid UTF-8 (byte 0xC3 at byte offset 17)`, the same wording from every reader. */
export function describeInvalidUtf8(bad: InvalidUtf8): string {
  const more = bad.andAfter ? `, and more than ${MAX_INVALID_UTF8} bad sequences in the file` : '';
  return `invalid UTF-8 (byte 0x${bad.value.toString(16).toUpperCase().padStart(2, '0')} at byte offset ${bad.byte}${more})`;
}

/**
 * Characters YAML 1.2 does not allow anywhere in a stream (§5.1: only tab, LF, CR and printable
 * characters): the other C0 controls (NUL, ESC, …), DEL, and the C1 controls except NEL.
 */
// eslint-disable-next-line no-control-regex
const YAML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

/** Offset of the first character YAML forbids in `text[start, end)`, or -1. */
export function findYamlForbidden(text: string, start = 0, end = text.length): number {
  const found = YAML_FORBIDDEN.exec(start === 0 && end === text.length ? text : text.slice(start, end));
  return found ? found.index + start : -1;
}

/** `U+001B (ESC)`: a control character named so a user can find it. */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CONTROL_NAMES[code];
  return name ? `${hex} (${name})` : hex;
}

const CONTROL_NAMES: Record<number, string> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 11: 'VT', 12: 'FF', 27: 'ESC', 127: 'DEL' };

/** Where a text goes past a length limit: the position of its first character beyond it. */
export function limitPosition(text: string, limit: number): TextPosition {
  return positionAt(text, Math.min(limit, text.length));
}

/** The error for a file over its reader's size limit (`what`: "compose file"), at the place the limit is crossed. */
export function tooLargeDiagnostic(input: ReaderInput, code: DiagnosticCode, what: string, limit: number): Diagnostic {
  return {
    code,
    severity: 'error',
    message: `${what} not read: larger than ${limit} bytes`,
    file: input.path,
    ...limitPosition(input.text, limit),
  };
}

/** The input for a file read as bytes: decoded, with any invalid UTF-8 kept for the reader to report. */
export function readerInput(path: string, bytes: Uint8Array): ReaderInput {
  const { text, invalidUtf8 } = decodeUtf8(bytes);
  return invalidUtf8.length > 0 ? { path, text, invalidUtf8 } : { path, text };
}
