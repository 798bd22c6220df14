/** What every command gets from main: its output streams and a way to set the exit code. */
export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

export interface CommandContext {
  io: CommandIo;
  /** Exit code for a run that completed (gates that say no throw PolicyFailure instead). */
  setExitCode: (code: number) => void;
}
