/**
 * The agent's durable record of what it saw: every alert is committed to SQLite first (WAL,
 * synchronous FULL: committed means on disk), then appended to the alerts file as one JSON line.
 * The file is what people and shippers read; the store is the truth it is rebuilt from.
 *
 * Killed at any moment, the agent loses and repeats nothing: on open, the alerts file's last
 * complete line says the highest seq it holds (a torn last line, written in part when the agent
 * died, is cut off), and every stored alert after it is appended. Seqs only grow: when the file
 * is ahead of the store (a state directory wiped), numbering continues after the file's.
 *
 * One agent per state directory: the database is held in SQLite's exclusive locking mode, which
 * the kernel releases when the process dies, so a second agent is refused and a killed one never
 * leaves a stale lock.
 */
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError, UserError, errorMessage } from '../../model/errors.js';
import { isRecord } from '../../util/records.js';
import type { AlertRecord } from './types.js';

/** An alert before it is committed: the store gives it its seq. */
export type AlertDraft = Omit<AlertRecord, 'seq'>;

/**
 * Longest alerts-file line searched for when reconciling. An alert holds one verdict (event
 * strings are bounded by the event model), far below; a last line longer than this is not ours.
 */
export const MAX_ALERT_LINE = 16 << 20;
/** Bytes read at a time when looking for the last line from the end. */
const TAIL_CHUNK = 64 << 10;
/** Lines written per `write` when catching the file up with the store. */
const CATCH_UP_BATCH = 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (seq INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface SpoolOptions {
  /** The agent's state directory; created when missing. */
  readonly stateDir: string;
  /** The alerts file (JSON lines); created when missing. */
  readonly alertsFile: string;
}

/** What opening found and did, for the agent to say. */
export interface Reconciled {
  /** Highest seq in the store and in the file before catching up. */
  readonly storeSeq: number;
  readonly fileSeq: number;
  /** Stored alerts appended to the file because it lacked them. */
  readonly appended: number;
  /** Bytes of a torn last line cut off. */
  readonly cut: number;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly fd: number;
  private lastSeq: number;
  /** Highest seq the file holds and its size then: a failed append is cut back to it. */
  private fileSeq: number;
  private fileSize: number;
  readonly reconciled: Reconciled;
  /** The last append's failure (a full disk), until an append succeeds again; the alerts stay in the store. */
  fileError: string | undefined;

  private readonly insert: Database.Statement<[number, string]>;
  private readonly after: Database.Statement<[number], { seq: number; json: string }>;
  private readonly setMeta: Database.Statement<[string, string]>;
  private readonly getMeta: Database.Statement<[string], { value: string }>;

  private constructor(opts: SpoolOptions) {
    const dbPath = join(opts.stateDir, 'agent.sqlite');
    try {
      mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
      this.db = new Database(dbPath, { timeout: 1000 });
    } catch (err) {
      throw new UserError(`cannot open the agent's state: ${errorMessage(err)}`, opts.stateDir, undefined, undefined, { cause: err });
    }
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
      // Take the exclusive lock now, not at the first alert: a second agent is refused at start.
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.db.close();
      const busy = /locked|busy/i.test(errorMessage(err));
      throw new UserError(
        busy ? 'another agent holds this state directory' : `cannot use the agent's state: ${errorMessage(err)}`,
        dbPath,
        undefined,
        undefined,
        { cause: err },
      );
    }
    this.insert = this.db.prepare('INSERT INTO alerts (seq, json) VALUES (?, ?)');
    this.after = this.db.prepare('SELECT seq, json FROM alerts WHERE seq > ? ORDER BY seq');
    this.setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.getMeta = this.db.prepare('SELECT value FROM meta WHERE key = ?');
    const storeSeq = (this.db.prepare('SELECT max(seq) AS m FROM alerts').get() as { m: number | null }).m ?? 0;

    try {
      // O_APPEND: every write lands at the end, whatever was read before. O_NONBLOCK: a FIFO named
      // as the alerts file is refused below instead of blocking the open.
      this.fd = openSync(opts.alertsFile, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o640);
    } catch (err) {
      this.db.close();
      throw new UserError(`cannot open the alerts file: ${errorMessage(err)}`, opts.alertsFile, undefined, undefined, { cause: err });
    }
    try {
      if (!fstatSync(this.fd).isFile()) throw new InputError('the alerts file is not a regular file', opts.alertsFile);
      const tail = lastLine(this.fd, opts.alertsFile);
      if (tail.cut > 0) ftruncateSync(this.fd, tail.end);
      this.fileSeq = tail.seq;
      this.fileSize = tail.end;
      this.lastSeq = Math.max(storeSeq, tail.seq);
      const appended = this.catchUp();
      if (this.fileError !== undefined) throw new UserError(`cannot write the alerts file: ${this.fileError}`, opts.alertsFile);
      this.reconciled = { storeSeq, fileSeq: tail.seq, appended, cut: tail.cut };
    } catch (err) {
      closeSync(this.fd);
      this.db.close();
      throw err;
    }
  }

  static open(opts: SpoolOptions): Spool {
    return new Spool(opts);
  }

  /** The highest seq committed. */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Commits the drafts in order in one transaction, then appends them to the file. Returns them
   * with their seqs. A failed append leaves them in the store (`fileError` says why); the next
   * commit or open appends them.
   */
  commit(drafts: readonly AlertDraft[]): AlertRecord[] {
    if (drafts.length === 0) return [];
    const records: AlertRecord[] = [];
    const tx = this.db.transaction(() => {
      let seq = this.lastSeq;
      for (const d of drafts) {
        const r: AlertRecord = { seq: ++seq, ...d };
        this.insert.run(r.seq, JSON.stringify(r));
        records.push(r);
      }
    });
    tx();
    this.lastSeq = records[records.length - 1]!.seq;
    if (this.fileSeq === records[0]!.seq - 1) this.append(records.map((r) => `${JSON.stringify(r)}\n`).join(''), this.lastSeq);
    else this.catchUp();
    return records;
  }

  /** Appends every stored alert the file lacks; returns how many. */
  private catchUp(): number {
    let n = 0;
    let batch: string[] = [];
    let batchSeq = this.fileSeq;
    for (const row of this.after.iterate(this.fileSeq)) {
      batch.push(`${row.json}\n`);
      batchSeq = row.seq;
      if (batch.length >= CATCH_UP_BATCH) {
        if (!this.append(batch.join(''), batchSeq)) return n;
        n += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0 && this.append(batch.join(''), batchSeq)) n += batch.length;
    return n;
  }

  /** Appends whole lines; on failure cuts the file back to its last whole line. */
  private append(text: string, seq: number): boolean {
    const bytes = Buffer.from(text, 'utf8');
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
      this.fileSize += bytes.length;
      this.fileSeq = seq;
      this.fileError = undefined;
      return true;
    } catch (err) {
      this.fileError = errorMessage(err);
      try {
        ftruncateSync(this.fd, this.fileSize);
      } catch {
        // The next open cuts a torn line anyway.
      }
      return false;
    }
  }

  /** Records that the agent was watching at `at` (RFC 3339). */
  heartbeat(at: string): void {
    this.setMeta.run('heartbeat', at);
  }

  /** The last heartbeat of this state directory's agent, before this run's first. */
  lastHeartbeat(): string | undefined {
    return this.getMeta.get('heartbeat')?.value;
  }

  /** Every stored alert in order (tests, and `charter status` history later). */
  *records(after = 0): Generator<AlertRecord> {
    for (const row of this.after.iterate(after)) yield JSON.parse(row.json) as AlertRecord;
  }

  close(): void {
    try {
      closeSync(this.fd);
    } finally {
      this.db.close();
    }
  }
}

/**
 * The alerts file's last complete line, read backwards from the end: its seq and where it ends.
 * Bytes after the last newline are a line the agent was writing when it died (`cut`).
 */
function lastLine(fd: number, file: string): { seq: number; end: number; cut: number } {
  const size = fstatSync(fd).size;
  // Where the last newline is, and then where the line before it starts.
  const end = newlineBefore(fd, size, file);
  if (end < 0) return { seq: 0, end: 0, cut: size };
  const start = newlineBefore(fd, end, file) + 1;
  if (end - start > MAX_ALERT_LINE)
    throw new InputError(`the last line is longer than ${MAX_ALERT_LINE} bytes: not an alerts file of charter agent`, file);
  const buf = Buffer.alloc(end - start);
  readSync(fd, buf, 0, buf.length, start);
  let r: unknown;
  try {
    r = JSON.parse(buf.toString('utf8'));
  } catch {
    r = undefined;
  }
  const seq = isRecord(r) ? r['seq'] : undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    const line = countLines(fd, end);
    throw new InputError('the last line is not an alert record with a seq: not an alerts file of charter agent', file, line);
  }
  return { seq, end: end + 1, cut: size - end - 1 };
}

/** Offset of the last `\n` before `before`, or -1; never searches further back than one line may be long. */
function newlineBefore(fd: number, before: number, file: string): number {
  const buf = Buffer.alloc(TAIL_CHUNK);
  let pos = before;
  while (pos > 0) {
    if (before - pos > MAX_ALERT_LINE + 1)
      throw new InputError(`the last line is longer than ${MAX_ALERT_LINE} bytes: not an alerts file of charter agent`, file);
    const n = Math.min(TAIL_CHUNK, pos);
    pos -= n;
    readSync(fd, buf, 0, n, pos);
    const at = buf.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) return pos + at;
  }
  return -1;
}

/** The 1-based number of the line ending at `end`, for the error (read in chunks; only on a bad file). */
function countLines(fd: number, end: number): number {
  const buf = Buffer.alloc(TAIL_CHUNK);
  let lines = 1;
  for (let pos = 0; pos < end; pos += TAIL_CHUNK) {
    const n = readSync(fd, buf, 0, Math.min(TAIL_CHUNK, end - pos), pos);
    for (let i = 0; i < n; i++) if (buf[i] === 0x0a) lines++;
  }
  return lines;
}
