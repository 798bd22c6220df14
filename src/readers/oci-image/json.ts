/**
 * JSON documents inside an image, parsed at the trust boundary: syntax errors become InputErrors
 * with the member name and the line/column of the error, schema failures name the field.
 */
import type { z } from 'zod';
import { InputError } from '../../model/errors.js';
import { jsonErrorOffset } from '../../inventory/lang/common.js';

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
 * Deepest nesting of objects and arrays accepted in an image's JSON documents. Real ones nest a
 * few levels (config → Healthcheck → Test); a document nested millions deep is an attack on the
 * parser's time, refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** Offset of the bracket that nests deeper than `maxDepth`, or undefined; one pass, strings skipped. */
export function jsonTooDeepAt(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** Parse and validate one JSON member; `member` is its name inside the image. */
export function parseJsonMember<S extends z.ZodType>(bytes: Buffer, member: string, display: string, schema: S): z.output<S> {
  const text = bytes.toString('utf8');
  const deep = jsonTooDeepAt(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    const where = lineColumn(text, deep);
    throw new InputError(`${display}: ${member} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`, member, where.line, where.column);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
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
