/**
 * JSON documents inside an image, parsed at the trust boundary: syntax errors become InputErrors
 * with the member name and the line/column of the error, schema failures name the field.
 */
import type { z } from 'zod';
import { InputError } from '../../model/errors.js';

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNewline = i;
    }
  }
  return { line, column: offset - lastNewline };
}

/**
 * Offset of the first JSON syntax error. V8 only sometimes reports a position ("Unexpected
 * token … is not valid JSON" has none), so fall back to a small scanner for the location.
 */
export function jsonErrorOffset(text: string, message: string): number | undefined {
  const m = /at position (\d+)/.exec(message);
  if (m) return Number(m[1]);
  return scanForError(text);
}

function scanForError(text: string): number | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /[ \t\n\r]/.test(text[i] ?? '')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') string();
    else {
      const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
      if (!m) fail();
      else i += m[0].length;
    }
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail();
      i += ch === 0x5c ? 2 : 1;
    }
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (at) {
    return typeof at === 'number' ? Math.min(at, text.length) : undefined;
  }
}

/** Parse and validate one JSON member; `member` is its name inside the image. */
export function parseJsonMember<S extends z.ZodType>(bytes: Buffer, member: string, display: string, schema: S): z.output<S> {
  const text = bytes.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const offset = jsonErrorOffset(text, msg);
    const where = offset === undefined ? undefined : lineColumn(text, offset);
    throw new InputError(`${display}: ${member} is not valid JSON: ${msg}`, member, where?.line, where?.column, { cause: err });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const pointer = issue ? `/${issue.path.map(String).join('/')}` : '';
    throw new InputError(`${display}: ${member} does not match the expected schema at ${pointer}: ${issue?.message ?? 'invalid'}`, member);
  }
  return parsed.data;
}
