/**
 * JSON documents inside an image, parsed at the trust boundary: syntax errors become InputErrors
 * with the member name and the line/column of the error, schema failures name the field.
 */
import type { z } from 'zod';
import { InputError } from '../../model/errors.js';
import { jsonErrorOffset } from '../../inventory/lang/common.js';
import { findExcessiveJsonNesting } from '../../util/nesting.js';
import { positionAt } from '../../util/text-position.js';

/**
 * Deepest nesting of objects and arrays accepted in an image's JSON documents. Real ones nest a
 * few levels (config → Healthcheck → Test); a document nested millions deep is an attack on the
 * parser's time, refused before it is parsed.
 */
export const MAX_JSON_DEPTH = 64;

/** Parse and validate one JSON member; `member` is its name inside the image. */
export function parseJsonMember<S extends z.ZodType>(bytes: Buffer, member: string, display: string, schema: S): z.output<S> {
  const text = bytes.toString('utf8');
  const deep = findExcessiveJsonNesting(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    throw new InputError(
      `${display}: ${member} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`,
      member,
      deep.line,
      deep.column,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const where = offset === undefined ? undefined : positionAt(text, offset);
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
