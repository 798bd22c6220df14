/**
 * The one module that touches `dockerfile-ast`: it turns the parser's objects into plain
 * instructions with 1-based positions, so the rest of the reader (and its tests) never depend on
 * the library's classes. Also the guard against inputs that are not Dockerfiles at all.
 */
import { DockerfileParser, ModifiableInstruction } from 'dockerfile-ast';
import type { Diagnostic } from '../../model/charter.js';
import { errorMessage } from '../../model/errors.js';

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

/**
 * Parses a Dockerfile. Returns undefined (with a diagnostic) for input that is not text or is too
 * large; never throws.
 */
export function parseDockerfile(
  path: string,
  input: string,
  diagnostics: Diagnostic[],
): ParsedDockerfile | undefined {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  if (looksBinary(text)) {
    diagnostics.push({
      code: 'dockerfile/binary',
      severity: 'error',
      message: 'file is not text (it holds NUL or control bytes); not read as a Dockerfile',
      file: path,
      line: 1,
      column: 1,
    });
    return undefined;
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
      flags:
        ins instanceof ModifiableInstruction
          ? ins.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() }))
          : [],
    });
  }
  return { escape: dockerfile.getEscapeCharacter(), instructions };
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
