/**
 * Just enough POSIX shell to read intent out of `RUN` lines and shell-form commands: split a
 * command line into simple commands at `&&`, `||`, `;`, `|`, `&`, drop redirections, assignments
 * and control keywords, and name the programs that run. Anything cleverer (functions, loops,
 * here-documents, nested `sh -c`) is out of scope: those commands are skipped, not guessed at.
 */
import { expandWord, type Lookup, type Token } from './words.js';

/** A word of a simple command after expansion, with its place in the Dockerfile. */
export interface Word {
  value: string;
  /** Variables whose value is unknown (kept as written in `value`). */
  unresolved: string[];
  line: number;
  column: number;
}

/** Splits tokens into simple commands and expands each word (shell quoting: `\` escapes). */
export function simpleCommands(tokens: readonly Token[], lookup: Lookup): Word[][] {
  const commands: Word[][] = [];
  let current: Word[] = [];
  for (const t of tokens) {
    if (t.kind === 'op') {
      if (current.length > 0) commands.push(current);
      current = [];
      continue;
    }
    const e = expandWord(t.raw, lookup, '\\');
    current.push({ value: e.value, unresolved: e.unresolved, line: t.line, column: t.column });
  }
  if (current.length > 0) commands.push(current);
  return commands.map(dropRedirections).filter((c) => c.length > 0);
}

const REDIRECT = /^\d*(?:>>|>&|<&|<<|&>|>\||>|<)/;

function dropRedirections(words: Word[]): Word[] {
  const out: Word[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    const m = REDIRECT.exec(w.value);
    if (!m) {
      out.push(w);
      continue;
    }
    // `> file` names its target in the next word; `>file` and `2>&1` carry it.
    if (m[0].length === w.value.length) i++;
  }
  return out;
}

/** Reserved words that open or close a compound command; the command after them still runs. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '{', '}', '!', 'time']);
/** Compound commands whose words are not a program and its arguments. */
const SKIP_WHOLE = new Set(['for', 'case', 'esac', 'in', 'select', 'function']);
/** Prefixes that run the following words as the command. */
const PREFIXES = new Set(['exec', 'command', 'nohup']);
/** Shell builtins: they run inside the shell, not as a process of their own. */
const BUILTINS = new Set([
  ':',
  '.',
  '[',
  '[[',
  'alias',
  'break',
  'cd',
  'continue',
  'echo',
  'eval',
  'exit',
  'export',
  'false',
  'local',
  'printf',
  'read',
  'readonly',
  'return',
  'set',
  'shift',
  'source',
  'test',
  'trap',
  'true',
  'ulimit',
  'umask',
  'unset',
  'wait',
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The words that make up the command proper: without leading keywords, variable assignments and
 * `exec`-like prefixes. Empty for compound commands and pure assignments.
 */
export function commandWords(words: readonly Word[], extraPrefixes: ReadonlySet<string> = new Set()): Word[] {
  let i = 0;
  while (i < words.length) {
    const v = (words[i] as Word).value;
    if (SKIP_WHOLE.has(v)) return [];
    if (KEYWORDS.has(v) || PREFIXES.has(v) || extraPrefixes.has(v) || ASSIGNMENT.test(v)) {
      i++;
      continue;
    }
    break;
  }
  return words.slice(i);
}

export interface Program {
  /** As written (after expansion); not resolved against PATH. */
  path: string;
  /** Literal arguments, `*` where a word holds a variable whose value is unknown. */
  args: string[];
  line: number;
  column: number;
}

/** Programs that a shell command line starts, in order (builtins and unknown command words left out). */
export function programs(tokens: readonly Token[], lookup: Lookup): Program[] {
  const out: Program[] = [];
  for (const cmd of simpleCommands(tokens, lookup)) {
    const words = commandWords(cmd);
    const head = words[0];
    if (!head || head.unresolved.length > 0 || BUILTINS.has(head.value)) continue;
    out.push({
      path: head.value,
      args: words.slice(1).map((w) => (w.unresolved.length > 0 ? '*' : w.value)),
      line: head.line,
      column: head.column,
    });
  }
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);

/**
 * When argv runs a POSIX shell with `-c` (`["sh", "-c", "node server.js"]`, or the shell form's
 * `/bin/sh -c …`), the index of the script in argv; otherwise undefined.
 */
export function shellScriptIndex(argv: readonly string[]): number | undefined {
  const prog = argv[0];
  if (prog === undefined || !SHELLS.has(prog.slice(prog.lastIndexOf('/') + 1))) return undefined;
  for (let i = 1; i < argv.length - 1; i++) {
    const a = argv[i] as string;
    if (/^-[A-Za-z]*c$/.test(a)) return i + 1;
    if (a === '-o') i++;
    else if (!a.startsWith('-')) return undefined;
  }
  return undefined;
}
