/**
 * The one module that touches `dockerfile-ast`: it turns the parser's objects into plain
 * instructions with 1-based positions, so the rest of the reader (and its tests) never depend on
 * the library's classes. Also the guard against inputs that are not Dockerfiles at all.
 */
import { DockerfileParser, ModifiableInstruction } from 'dockerfile-ast';
import type { Diagnostic } from '../../model/charter.js';
import { errorMessage } from '../../model/errors.js';
import { describeCharacter, describeInvalidUtf8 } from '../common/text.js';
import { positionAt } from '../../util/text-position.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { HEREDOC_KEYWORDS, unclosedHeredoc } from './heredoc.js';

export interface Instruction {
  /** Upper-cased keyword (`RUN`), whatever case it was written in. */
  keyword: string;
  /** 1-based position of the keyword. */
  line: number;
  column: number;
  /** Arguments after flags, continuations removed (what Docker sees). Empty when there are none. */
  text: string;
  /** Arguments after flags as written (continuations and comment lines kept), for the tokenizer. */
  raw: string;
  /** 1-based position of `raw[0]`. */
  rawLine: number;
  rawColumn: number;
  /** `--name=value` flags (RUN --mount, COPY --from, HEALTHCHECK --interval, FROM --platform). */
  flags: { name: string; value: string | null }[];
}

export interface ParsedDockerfile {
  escape: string;
  instructions: Instruction[];
}

/** Longer lines are blanked before parsing: no real Dockerfile has them and the parser is slow on them. */
export const MAX_LINE_LENGTH = 64 * 1024;
/** Larger files (after blanking long lines) are not parsed. */
export const MAX_FILE_SIZE = 1024 * 1024;

/** Control characters Docker reads without complaint but no hand-written Dockerfile holds (tab, LF, CR and FF excepted). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0001-\u0008\u000b\u000e-\u001f\u007f]/g;

/**
 * Parses a Dockerfile. Returns undefined (with a diagnostic) for input that is not text or is too
 * large; never throws. `invalidUtf8`: see ReaderInput.
 *
 * What is refused and what is read with a warning: a NUL anywhere, or a head that is mostly
 * control bytes, means the file is not text (refused). Other control characters and invalid UTF-8
 * are what Docker itself builds without complaint, so the file is read and the first one is
 * reported at its position. A here-document never closed is an error on its instruction.
 */
export function parseDockerfile(
  path: string,
  input: string,
  diagnostics: Diagnostic[],
  invalidUtf8: readonly InvalidUtf8[] = [],
): ParsedDockerfile | undefined {
  const bom = input.startsWith('\uFEFF') ? 1 : 0;
  const text = input.slice(bom);
  const at = (offset: number): { file: string; line: number; column: number } => ({ file: path, ...positionAt(text, offset) });
  const nul = text.indexOf('\u0000');
  if (nul !== -1 || looksBinary(text)) {
    const message = 'file is not text (it holds NUL or control bytes); not read as a Dockerfile';
    diagnostics.push({ code: 'dockerfile/binary', severity: 'error', message, ...at(nul === -1 ? 0 : nul) });
    return undefined;
  }
  const controls = [...text.slice(0, MAX_FILE_SIZE).matchAll(CONTROL)];
  const firstControl = controls[0];
  if (firstControl !== undefined) {
    const more = controls.length > 1 ? ` (and ${controls.length - 1} more)` : '';
    const message = `control character ${describeCharacter(firstControl[0])}${more}: read as written, but no hand-written Dockerfile holds one`;
    diagnostics.push({ code: 'dockerfile/control-character', severity: 'warning', message, ...at(firstControl.index) });
  }
  const firstBad = invalidUtf8[0];
  if (firstBad !== undefined) {
    const more = invalidUtf8.length > 1 ? ` (and ${invalidUtf8.length - 1} more)` : '';
    const message = `${describeInvalidUtf8(firstBad)}${more}: each bad sequence is read as U+FFFD`;
    diagnostics.push({ code: 'dockerfile/invalid-utf8', severity: 'warning', message, ...at(Math.max(0, firstBad.offset - bom)) });
  }
  const shortened = blankLongLines(path, text, diagnostics);
  if (shortened.length > MAX_FILE_SIZE) {
    diagnostics.push({
      code: 'dockerfile/too-large',
      severity: 'error',
      message: `file is longer than ${MAX_FILE_SIZE} characters; not read as a Dockerfile`,
      file: path,
      line: 1,
      column: 1,
    });
    return undefined;
  }

  let dockerfile;
  try {
    dockerfile = DockerfileParser.parse(shortened);
  } catch (err) {
    // The parser is permissive and not known to throw; if it ever does, the file is reported, not fatal.
    diagnostics.push({
      code: 'dockerfile/parse-error',
      severity: 'error',
      message: `the Dockerfile could not be parsed: ${errorMessage(err)}`,
      file: path,
      line: 1,
      column: 1,
    });
    return undefined;
  }

  const instructions: Instruction[] = [];
  for (const ins of dockerfile.getInstructions()) {
    const at = ins.getInstructionRange().start;
    const argsRange = ins.getArgumentsRange();
    instructions.push({
      keyword: ins.getKeyword().toUpperCase(),
      line: at.line + 1,
      column: at.character + 1,
      text: ins.getArgumentsContent() ?? '',
      raw: ins.getRawArgumentsContent() ?? '',
      rawLine: (argsRange?.start.line ?? at.line) + 1,
      rawColumn: (argsRange?.start.character ?? at.character) + 1,
      flags: ins instanceof ModifiableInstruction ? ins.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() })) : [],
    });
  }
  const escape = dockerfile.getEscapeCharacter();
  checkEnd(path, shortened, instructions.at(-1), escape, diagnostics);
  return { escape, instructions };
}

/** What only the last instruction can do wrong: open a here-document it never closes, or end on a continuation. */
function checkEnd(path: string, text: string, last: Instruction | undefined, escape: string, diagnostics: Diagnostic[]): void {
  if (last === undefined) return;
  const unclosed = HEREDOC_KEYWORDS.has(last.keyword) ? unclosedHeredoc(last.raw, escape) : undefined;
  if (unclosed !== undefined) {
    diagnostics.push({
      code: 'dockerfile/unterminated-heredoc',
      severity: 'error',
      message: `${last.keyword}: here-document <<${unclosed.name} is never closed by a "${unclosed.name}" line; everything after it was taken as its body`,
      file: path,
      line: last.rawLine + unclosed.line,
      column: unclosed.line === 0 ? last.rawColumn + unclosed.column : unclosed.column + 1,
    });
    return;
  }
  // The parser drops a trailing escape at the end of the file; the text still has it.
  if (last.raw.includes('<<')) return;
  const lines = text.replace(/\s+$/, '').split('\n');
  const end = (lines.at(-1) ?? '').replace(/[ \t]+$/, '');
  if (end.endsWith(escape) && !end.trimStart().startsWith('#')) {
    diagnostics.push({
      code: 'dockerfile/continuation-at-end',
      severity: 'warning',
      message: `${last.keyword}: the file ends on a line continued with "${escape}"; is it cut short?`,
      file: path,
      line: lines.length,
      column: end.length,
    });
  }
}

function looksBinary(text: string): boolean {
  const head = text.slice(0, 8192);
  if (head.includes('\u0000')) return true;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const code = head.charCodeAt(i);
    if (code < 32 && code !== 9 && code !== 10 && code !== 13 && code !== 12) control++;
  }
  return head.length > 0 && control / head.length > 0.05;
}

function blankLongLines(path: string, text: string, diagnostics: Diagnostic[]): string {
  if (text.length <= MAX_LINE_LENGTH) return text;
  const lines = text.split('\n');
  let changed = false;
  lines.forEach((l, i) => {
    if (l.length <= MAX_LINE_LENGTH) return;
    changed = true;
    lines[i] = '';
    diagnostics.push({
      code: 'dockerfile/line-too-long',
      severity: 'error',
      message: `line is ${l.length} characters long (limit ${MAX_LINE_LENGTH}); it was skipped`,
      file: path,
      line: i + 1,
      column: 1,
    });
  });
  return changed ? lines.join('\n') : text;
}
