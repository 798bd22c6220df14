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
  code: string;
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
  baseline: Iterable<string>;
  floor: Iterable<string>;
  entries: Map<string, string[]> | Record<string, string[]>;
  ignore?: Iterable<string>;
}
export interface CheckResult {
  api: string;
  entry: string | undefined;
  beyondFloor: string[];
  misses: string[];
}
export declare function checkTrace(o: CheckInput): CheckResult;
