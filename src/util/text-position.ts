/** 1-based line and column of a place in a text, as every diagnostic carries it. */

export interface TextPosition {
  line: number;
  column: number;
}

/**
 * The line and column (in UTF-16 code units, as editors count) of `offset` in `text`; an offset
 * past the end is the end. Linear in the offset, no allocation: called once, on refusal.
 */
export function positionAt(text: string, offset: number): TextPosition {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}
