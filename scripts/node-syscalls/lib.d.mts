/** Types of lib.mjs (the strace side of the Node.js API → syscall map). */
export declare const ENOSYS_INJECTED: string[];

export declare function parseStrace(text: string): Map<string, number>;

export interface PeerServers {
  /** HTTP_PORT, H2_PORT, TCP_PORT, UDP_PORT for the snippets. */
  env: Record<string, string>;
  close(): Promise<void>;
}
export declare function startPeers(): Promise<PeerServers>;

export interface TraceOptions {
  node?: string;
  /** Run as `node -e code` (the default when `args` is absent). */
  code?: string;
  /** Run as `node ...args` instead, e.g. a file written with `files`. */
  args?: string[];
  /** Files (relative path → text) written into the scratch directory before tracing. */
  files?: Record<string, string>;
  /** Where the program's stdout goes: /dev/null (default), a pipe, a regular file or a pseudo-terminal. */
  stdout?: 'ignore' | 'pipe' | 'file' | 'tty';
  /** Sent to the program once it has printed its pid as its first stdout line. */
  signal?: NodeJS.Signals;
  client?: 'http' | 'h2' | 'tcp' | 'udp';
  env?: Record<string, string>;
  ioUring?: 'enosys' | 'off' | 'on';
  timeoutMs?: number;
  strace?: string;
}
export interface TraceResult {
  names: Map<string, number>;
  code: number | null;
  stderr: string;
  timedOut: boolean;
  served: boolean | undefined;
}
export declare function traceSnippet(opts: TraceOptions): Promise<TraceResult>;

export declare function candidateIds(apiId: string): string[];

export interface CheckInput {
  api: string;
  observed: Iterable<string>;
  baseline?: Iterable<string>;
  floor: Iterable<string>;
  entries: Map<string, string[]> | Record<string, string[]>;
  /** Allowed anyway (runc-bootstrap): not a miss, but still reported in `lacking`. */
  also?: Iterable<string>;
  ignore?: Iterable<string>;
}
export interface CheckResult {
  api: string;
  entry: string | undefined;
  beyondFloor: string[];
  /** Beyond the floor and not in the answering entry. */
  lacking: string[];
  /** `lacking` less what `also` allows: what the profile would deny. */
  misses: string[];
}
export declare function checkTrace(o: CheckInput): CheckResult;

export interface FloorProgram {
  name: string;
  code?: string;
  args?: string[];
  files?: Record<string, string>;
  stdout?: 'ignore' | 'pipe' | 'file' | 'tty';
  signal?: NodeJS.Signals;
}
/** The programs whose traces make the node-floor group. */
export declare const FLOOR_PROGRAMS: readonly FloorProgram[];
