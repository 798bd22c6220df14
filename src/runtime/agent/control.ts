/**
 * The agent's control socket: how `charter status` and `charter mode` talk to a running agent.
 *
 * A Unix socket, not TCP: who may connect is decided by the file system (the socket is 0600 in a
 * 0700 directory, so root only by default), with no port to guard and nothing reachable from the
 * network. One JSON object a line each way, so `socat - UNIX-CONNECT:/run/charter/agent.sock` is a
 * debugging client and every request has exactly one answer, in order:
 *
 *   {"op":"status"}                                       → {"ok":true,"status":AgentStatus}
 *   {"op":"mode","container":"api","mode":"protect"}      → {"ok":true,"container":WatchedContainer}
 *   anything wrong                                        → {"ok":false,"error":"…"}
 *
 * The server never trusts a client: lines are bounded (64 KiB), so is the number of connections
 * and how long an idle one is kept; a client that does not read its answers stops being read;
 * malformed JSON, unknown ops and a failing agent are answered with an error, never a crash. The
 * client (`askAgent`) trusts the answer no more: it is bounded, timed and validated too.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { chmod, link, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { UserError, errorMessage } from '../../model/errors.js';
import { MODES, type Mode } from '../../model/verdicts.js';
import type { AgentControl, AgentStatus, WatchedContainer } from './types.js';

/** Where the agent listens unless told otherwise: /run is a tmpfs, so a stale socket does not survive a reboot. */
export const DEFAULT_CONTROL_SOCKET = '/run/charter/agent.sock';

/**
 * Longest request line. A request is a few dozen bytes (an op, a container name, a mode); 64 KiB is
 * generous for any name and small enough that a hostile client costs nothing.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Longest answer the client accepts. A status line is about 300 bytes a container; 64 MiB holds
 * a status of 200,000 containers, and bounds what a process squatting on the socket can make us hold.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Connections served at once: a person runs a command or two, a monitor polls; more is a flood. */
export const MAX_CONNECTIONS = 64;

/** An idle connection (nothing read, nothing written) is closed after this long, so a stuck client frees its slot. */
export const IDLE_TIMEOUT_MS = 30_000;

/** How long `askAgent` waits for the agent's answer by default: the agent answers from memory. */
export const DEFAULT_ASK_TIMEOUT_MS = 5_000;

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

// ── The protocol ────────────────────────────────────────────────────────────────────────────────

const ModeSchema = z.enum(MODES);

const StatusRequestSchema = z.object({ op: z.literal('status') }).strict();
const ModeRequestSchema = z
  .object({
    op: z.literal('mode'),
    /** A runtime id, short id or name: the agent matches it (`AgentControl.setMode`). */
    container: z.string().min(1).max(1024),
    mode: ModeSchema,
  })
  .strict();

export const ControlRequestSchema = z.discriminatedUnion('op', [StatusRequestSchema, ModeRequestSchema]);
export type ControlRequest = z.infer<typeof ControlRequestSchema>;
const OPS = ['status', 'mode'] as const;

/** What the client accepts of a container; strict so that an answer from something else is not mistaken for one. */
export const WatchedContainerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    image: z.string(),
    charter: z.object({ container: z.string(), profile: z.string(), by: z.string() }).strict().optional(),
    mode: ModeSchema,
    limits: z.array(z.string()),
    events: z.number().int().nonnegative(),
    alerts: z.number().int().nonnegative(),
    blocked: z.number().int().nonnegative(),
  })
  .strict();

export const AgentStatusSchema = z
  .object({
    startedAt: z.string(),
    containers: z.array(WatchedContainerSchema),
    sensor: z.object({ running: z.boolean(), restarts: z.number().int().nonnegative(), drops: z.number().int().nonnegative() }).strict(),
    alerts: z.number().int().nonnegative(),
    events: z.record(z.string(), z.number().int().nonnegative()),
  })
  .strict();

export const ControlResponseSchema = z.union([
  z.object({ ok: z.literal(true), status: AgentStatusSchema }).strict(),
  z.object({ ok: z.literal(true), container: WatchedContainerSchema }).strict(),
  z.object({ ok: z.literal(false), error: z.string() }).strict(),
]);
/**
 * The answers, typed with the agent's own shapes (types.ts); the schemas above mirror them. (zod's
 * inferred types say `charter?: … | undefined`, which the project's exactOptionalPropertyTypes
 * keeps apart from an absent key; zod never writes an absent key as undefined.)
 */
export type ControlResponse =
  | { readonly ok: true; readonly status: AgentStatus }
  | { readonly ok: true; readonly container: WatchedContainer }
  | { readonly ok: false; readonly error: string };

/**
 * One request line → its answer. Exported for tests and for any other transport; never throws
 * (the agent's own failures become `{ok:false}` with its message).
 */
export async function answer(line: string, control: AgentControl): Promise<ControlResponse> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `not JSON: ${errorMessage(e)}` };
  }
  const op = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>)['op'] : undefined;
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    const shown = typeof op === 'string' ? JSON.stringify(op.slice(0, 64)) : 'missing';
    return { ok: false, error: `unknown op ${shown}: expected one of ${OPS.join(', ')}` };
  }
  const parsed = ControlRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    return { ok: false, error: `bad ${op} request: ${where}${issue?.message ?? 'invalid'}` };
  }
  const req = parsed.data;
  try {
    if (req.op === 'status') return { ok: true, status: control.status() };
    return { ok: true, container: await control.setMode(req.container, req.mode) };
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
}

// ── The server ──────────────────────────────────────────────────────────────────────────────────

export interface ControlServerOptions {
  readonly maxConnections?: number;
  readonly idleTimeoutMs?: number;
}

export interface ControlServer {
  readonly path: string;
  /** Stops listening, drops open connections and removes the socket file (only if it is still ours). */
  close(): Promise<void>;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Is something accepting connections on `path`? (ECONNREFUSED: a socket file nobody listens on, i.e. stale.) */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path });
    const done = (live: boolean): void => {
      s.destroy();
      resolve(live);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(true)); // a listener too busy to accept is still a listener
  });
}

/**
 * The socket's directory: created 0700 when missing. An existing one is kept as it is (it may be
 * /tmp or another shared directory that is not ours to chmod), but refused when another user could
 * replace the socket in it: writable by group or others without the sticky bit, or owned by someone
 * other than us or root.
 */
async function prepareDirectory(dir: string): Promise<void> {
  let existed = true;
  try {
    await stat(dir);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw new UserError(`cannot use the control socket's directory: ${errorMessage(e)}`, dir);
    existed = false;
  }
  if (!existed) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700); // the umask may have taken bits away; set exactly what is meant
    return;
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw new UserError('the control socket directory is not a directory', dir);
  const uid = process.getuid?.() ?? 0;
  if (info.uid !== uid && info.uid !== 0)
    throw new UserError(`the control socket directory belongs to uid ${info.uid}, who could replace the socket`, dir);
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0)
    throw new UserError('the control socket directory is writable by other users (and not sticky): they could replace the socket', dir);
}

/**
 * Makes room for the socket: nothing there, or a stale socket (removed). A live socket means
 * another agent runs: refused, never taken over. Anything that is not a socket is left alone.
 */
async function clearStale(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return;
    throw new UserError(`cannot use the control socket path: ${errorMessage(e)}`, path);
  }
  if (!info.isSocket()) throw new UserError('the control socket path exists and is not a socket: not removing it', path);
  if (await isLive(path)) throw new UserError('another agent is already listening on this control socket', path);
  await unlink(path).catch((e: unknown) => {
    if (errnoOf(e) !== 'ENOENT') throw e;
  });
}

/**
 * Starts the control server on `path`; resolves once it accepts connections.
 *
 * The socket is bound under a temporary name in the same directory, made 0600, then hard-linked
 * to `path`: it is never reachable with wider permissions (binding uses the umask), and link()
 * fails when the name exists, so two agents starting at once cannot both take it.
 *
 * @example
 *   const server = await startControlServer('/run/charter/agent.sock', agent);
 *   // … on shutdown
 *   await server.close();
 */
export async function startControlServer(path: string, control: AgentControl, opts: ControlServerOptions = {}): Promise<ControlServer> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path).slice(0, 16)}.${process.pid}.tmp`);
  for (const p of [path, temp])
    if (Buffer.byteLength(p) > MAX_SOCKET_PATH_BYTES)
      throw new UserError(`control socket path too long: a Unix socket path has at most ${MAX_SOCKET_PATH_BYTES} bytes`, path);
  await prepareDirectory(dir);
  await clearStale(path);
  await unlink(temp).catch(() => undefined); // left by a crashed agent of the same pid

  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: false, pauseOnConnect: false }, (socket) => serve(socket, control, sockets, opts));
  server.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
  // Never let a server error (EMFILE on accept) end the process: the agent keeps watching.
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(new UserError(`cannot listen on the control socket: ${e.message}`, path));
    server.once('error', onError);
    server.listen({ path: temp }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  try {
    await chmod(temp, 0o600);
    await link(temp, path);
  } catch (e) {
    await closeServer(server, sockets);
    await unlink(temp).catch(() => undefined);
    if (errnoOf(e) === 'EEXIST') throw new UserError('another agent took this control socket while this one started', path);
    throw new UserError(`cannot create the control socket: ${errorMessage(e)}`, path);
  }
  await unlink(temp);
  const ours = (await lstat(path)).ino;

  return {
    path,
    async close(): Promise<void> {
      await closeServer(server, sockets);
      // Only our own socket: a later agent may have replaced a socket we saw go stale.
      const now = await lstat(path).catch(() => undefined);
      if (now?.isSocket() === true && now.ino === ours) await unlink(path).catch(() => undefined);
    },
  };
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * One connection: lines in, answers out, one at a time. Reading pauses while a chunk's requests
 * are answered and while the client is not reading its answers, so memory per connection is one
 * chunk, one partial line (≤ 64 KiB) and one answer being written.
 */
function serve(socket: Socket, control: AgentControl, sockets: Set<Socket>, opts: ControlServerOptions): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  socket.setTimeout(opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS, () => socket.destroy());
  let partial: Buffer[] = [];
  let partialBytes = 0;

  const send = async (r: ControlResponse): Promise<void> => {
    if (socket.destroyed) return;
    if (!socket.write(`${JSON.stringify(r)}\n`))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
  };

  const onChunk = async (chunk: Buffer): Promise<void> => {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (partialBytes + piece.length > MAX_REQUEST_BYTES) return tooLong();
      const line = Buffer.concat([...partial, piece]).toString('utf8');
      partial = [];
      partialBytes = 0;
      if (line.trim() === '') continue;
      await send(await answer(line, control));
      if (socket.destroyed) return;
    }
    const rest = chunk.subarray(start);
    if (partialBytes + rest.length > MAX_REQUEST_BYTES) return tooLong();
    if (rest.length > 0) {
      partial.push(Buffer.from(rest)); // a copy: the chunk's memory is not kept alive by a slice
      partialBytes += rest.length;
    }
  };

  // A line that never ends cannot be resynchronised: say why, then hang up.
  const tooLong = async (): Promise<void> => {
    partial = [];
    partialBytes = 0;
    await send({ ok: false, error: `request line longer than ${MAX_REQUEST_BYTES} bytes` });
    socket.once('finish', () => socket.destroy());
    socket.end();
  };

  socket.on('data', (chunk: Buffer) => {
    socket.pause();
    onChunk(chunk).then(
      () => {
        if (!socket.destroyed && !socket.writableEnded) socket.resume();
      },
      () => socket.destroy(),
    );
  });
}

// ── The client ──────────────────────────────────────────────────────────────────────────────────

export interface AskOptions {
  readonly timeoutMs?: number;
}

/**
 * Sends one request to the agent on `socketPath` and returns its validated answer (which may be
 * `{ok:false}`: the agent's own refusal, for the caller to show). Throws UserError, naming the
 * socket, when no agent listens there, it cannot be reached, it does not answer in time, or what
 * answers does not speak the protocol.
 */
export function askAgent(socketPath: string, request: ControlRequest, opts: AskOptions = {}): Promise<ControlResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    const socket = createConnection({ path: socketPath });
    const fail = (err: Error): void => settle(() => reject(err));
    function settle(then: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      then();
    }
    const timer = setTimeout(
      () => fail(new UserError(`the agent listening on ${socketPath} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (e) => fail(connectError(socketPath, e)));
    socket.on('end', () => fail(new UserError(`the agent on ${socketPath} closed the connection without answering`)));
    socket.on('data', (chunk: Buffer) => {
      const nl = chunk.indexOf(0x0a);
      const piece = nl === -1 ? chunk : chunk.subarray(0, nl);
      bytes += piece.length;
      if (bytes > MAX_RESPONSE_BYTES)
        return fail(new UserError(`the answer from ${socketPath} is larger than ${MAX_RESPONSE_BYTES} bytes: not an agent?`));
      chunks.push(piece);
      if (nl === -1) return;
      const answer = parseAnswer(socketPath, Buffer.concat(chunks).toString('utf8'));
      if (answer instanceof Error) fail(answer);
      else settle(() => resolve(answer));
    });
  });
}

/** The first answer line, validated: whatever listens there is not trusted to be an agent. */
function parseAnswer(socketPath: string, line: string): ControlResponse | UserError {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return new UserError(`what listens on ${socketPath} does not speak the agent's protocol (its answer is not JSON)`);
  }
  const parsed = ControlResponseSchema.safeParse(raw);
  return parsed.success
    ? (parsed.data as ControlResponse)
    : new UserError(`what listens on ${socketPath} does not speak the agent's protocol`);
}

function connectError(path: string, e: Error): UserError {
  switch (errnoOf(e)) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new UserError(`no agent is listening on ${path}`);
    case 'EACCES':
    case 'EPERM':
      return new UserError(`permission denied on ${path}: the control socket is for root (the agent's user) only`);
    case 'ENOTSOCK':
      return new UserError(`${path} is not a socket`);
    default:
      return new UserError(`cannot reach the agent on ${path}: ${e.message}`);
  }
}

/** `charter status`: the agent's status, or a UserError (no agent, or its refusal). */
export async function agentStatus(socketPath: string, opts: AskOptions = {}): Promise<AgentStatus> {
  const r = await askAgent(socketPath, { op: 'status' }, opts);
  if (!r.ok) throw new UserError(`the agent on ${socketPath} refused: ${r.error}`);
  if (!('status' in r)) throw new UserError(`the agent on ${socketPath} answered a status request with something else`);
  return r.status;
}

/** `charter mode`: the container's new state, or a UserError carrying the agent's message (an unknown container). */
export async function setAgentMode(socketPath: string, container: string, mode: Mode, opts: AskOptions = {}): Promise<WatchedContainer> {
  const r = await askAgent(socketPath, { op: 'mode', container, mode }, opts);
  if (!r.ok) throw new UserError(r.error);
  if (!('container' in r)) throw new UserError(`the agent on ${socketPath} answered a mode request with something else`);
  return r.container;
}
