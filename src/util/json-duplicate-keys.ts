/**
 * Whether JSON text has an object with the same key twice. `JSON.parse` keeps the last silently;
 * in a profile that is a review hazard (a reader sees the first, the tool uses the last), so the
 * fast JSON path refuses such a document and leaves it to the positional parser to report.
 * Call on text `JSON.parse` accepted: the scan relies on the text being well-formed.
 */
const DQUOTE = 34;
const BACKSLASH = 92;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;
const OPEN_SQ = 91;
const CLOSE_SQ = 93;
const COMMA = 44;

export function hasDuplicateKeys(text: string): boolean {
  // One entry per open container: the keys seen so far in an object, undefined for an array.
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DQUOTE) {
      let end = text.indexOf('"', i + 1);
      let escaped = false;
      while (end > 0 && text.charCodeAt(end - 1) === BACKSLASH) {
        let k = end - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        escaped = true;
        end = text.indexOf('"', end + 1);
      }
      if (end < 0) return false;
      if (expectKey) {
        const raw = text.slice(i + 1, end);
        const key = escaped || raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        const keys = stack[stack.length - 1];
        if (keys) {
          if (keys.has(key)) return true;
          keys.add(key);
        }
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_CURLY) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === OPEN_SQ) {
      stack.push(undefined);
      expectKey = false;
    } else if (c === CLOSE_CURLY || c === CLOSE_SQ) {
      stack.pop();
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = stack[stack.length - 1] !== undefined;
    }
  }
  return false;
}
