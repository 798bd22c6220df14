/**
 * Here-documents (`RUN <<EOF … EOF`, BuildKit's Dockerfile syntax 1.4): finding one that is never
 * closed. The parser then takes every line to the end of the file as its body, so the
 * instructions written after it silently vanish; the reader says so instead.
 */

/** `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` at a position where a word starts. */
const MARKER = /^<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/;

/** Instructions whose first line may open here-documents. */
export const HEREDOC_KEYWORDS: ReadonlySet<string> = new Set(['RUN', 'COPY', 'ADD']);

export interface UnclosedHeredoc {
  name: string;
  /** 0-based line (within `raw`) and column of its `<<`. */
  line: number;
  column: number;
}

/**
 * The first here-document opened on the instruction line of `raw` (an instruction's arguments as
 * written, continuation and body lines included) that no later line closes, in the order BuildKit
 * reads them. Markers count where a word starts outside quotes, as the parser counts them.
 */
export function unclosedHeredoc(raw: string, escape: string): UnclosedHeredoc | undefined {
  const lines = raw.split('\n');
  const markers: { name: string; stripTabs: boolean; line: number; column: number }[] = [];
  let quote: string | undefined;
  let body = 0;
  for (const [n, text] of lines.entries()) {
    body = n + 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charAt(i);
      if (c === escape && quote !== "'") {
        i++;
      } else if (quote !== undefined) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '<' && (i === 0 || /\s/.test(text.charAt(i - 1)))) {
        const m = MARKER.exec(text.slice(i));
        if (m) markers.push({ name: m[3] ?? '', stripTabs: m[1] === '-', line: n, column: i });
      }
    }
    // The instruction line goes on while a line ends with the escape character.
    if (!text.replace(/\r$/, '').endsWith(escape)) break;
  }
  for (const marker of markers) {
    let closed = false;
    for (; body < lines.length; body++) {
      const line = (lines[body] ?? '').replace(/\r$/, '');
      if ((marker.stripTabs ? line.replace(/^\t+/, '') : line) === marker.name) {
        closed = true;
        body++;
        break;
      }
    }
    if (!closed) return { name: marker.name, line: marker.line, column: marker.column };
  }
  return undefined;
}
