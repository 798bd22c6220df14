/**
 * Falco's `proc.cmdline` and Tetragon's `arguments` are argv joined with spaces (Tetragon quotes
 * arguments that hold a space). Splitting them back is lossy for arguments with spaces Falco did not
 * quote; the engine only uses argv for explanation and argument shapes, never for identity.
 */
import { splitShellWords } from '../../util/shell-words.js';

/** At most this many words: an argv longer than Linux's own limit is not an argv. */
const MAX_WORDS = 4096;

export function splitJoinedArgv(joined: string): string[] {
  const r = splitShellWords(joined, 'exec');
  const words = r.ok ? r.words : joined.split(' ').filter((w) => w !== '');
  return words.slice(0, MAX_WORDS).map((w) => (w.length > 65_536 ? w.slice(0, 65_536) : w));
}
