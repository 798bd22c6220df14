/**
 * Text for a terminal, made inert: values that come from images and manifests (user names,
 * entrypoints, labels, file names) may hold escape sequences that recolour, retitle or rewrite the
 * screen, or bidi overrides that reorder what is shown (CVE-2021-42574). Every text renderer
 * passes its lines through `escapeTerminal` at the edge; JSON and YAML outputs escape on their own.
 *
 * Escaped, as visible `\xHH` / `\uHHHH` text: C0 controls (tab and newline too, unless newlines
 * are the text's own structure), DEL, C1 controls, and the Unicode bidi controls (embeddings,
 * overrides, isolates and marks). Printable text, backslashes included, is kept as is, so
 * escaping twice changes nothing.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_OR_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface EscapeOptions {
  /** Keep `\n` (the text is several lines on purpose); default: a single line, `\n` escaped. */
  keepNewlines?: boolean;
}

/** `s` with every terminal control character replaced by its visible escape. */
export function escapeTerminal(s: string, opts: EscapeOptions = {}): string {
  return s.replace(opts.keepNewlines ? UNSAFE : UNSAFE_OR_NEWLINE, visible);
}

/** Lines rendered for a terminal: each escaped as one line, then joined (a trailing newline added). */
export function terminalLines(lines: readonly string[]): string {
  return `${lines.map((l) => escapeTerminal(l)).join('\n')}\n`;
}

/** Rows padded to their widest cell, two spaces apart. Cells are escaped before measuring, so the padding fits what the terminal shows. */
export function textColumns(raw: readonly (readonly string[])[]): string[] {
  const rows = raw.map((r) => r.map((c) => escapeTerminal(c)));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
