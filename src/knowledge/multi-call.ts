/**
 * Multi-call binaries: one executable file that is many programs, the program chosen by the name
 * it runs as (`argv[0]`'s basename, or its first argument when run under its own name:
 * `busybox httpd`). Installed as symbolic links, hard links or copies, every name runs the same
 * bytes: allowing the file by path or content alone would allow every applet it holds, shells and
 * network tools included. Knowledge is data: each entry cites the project's own description of how
 * it dispatches.
 */
export interface MultiCallBinary {
  /** The file's own name, as installed by its package. */
  name: string;
  source: string;
}

export const MULTI_CALL_BINARIES: readonly MultiCallBinary[] = [
  // "BusyBox is a multi-call binary … invoked as the name of the applet, or as `busybox APPLET`."
  { name: 'busybox', source: 'https://busybox.net/downloads/BusyBox.html' },
  // "toybox [command] … Most toybox commands are also available as symlinks to the toybox binary."
  { name: 'toybox', source: 'https://landley.net/toybox/help.html' },
  // GNU coreutils built with --enable-single-binary: one `coreutils` file, run as `ls` etc. or `coreutils --coreutils-prog=ls`.
  { name: 'coreutils', source: 'https://www.gnu.org/software/coreutils/manual/html_node/Multi_002dcall-invocation.html' },
];

const NAMES: ReadonlySet<string> = new Set(MULTI_CALL_BINARIES.map((b) => b.name));

/** True when `name` (a basename) is the installed name of a multi-call binary. */
export function isMultiCallName(name: string): boolean {
  return NAMES.has(name);
}
