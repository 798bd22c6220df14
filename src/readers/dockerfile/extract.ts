/**
 * Dockerfile → one ContainerFragment: the runtime intent of the stage that `docker build` builds
 * by default (the last `FROM`). Every stage is walked in order, keeping the image configuration
 * Docker would keep (ENV, USER, WORKDIR, EXPOSE, VOLUME, SHELL, ENTRYPOINT, CMD, HEALTHCHECK);
 * a stage that starts `FROM <earlier stage>` inherits that stage's configuration, as Docker does.
 *
 * Reference: https://docs.docker.com/reference/dockerfile/
 */
import { posix } from 'node:path';
import type { Diagnostic, Protocol, Source } from '../../model/charter.js';
import { emptyResult, type ReaderResult } from '../../model/fragments.js';
import { packagesIn } from './packages.js';
import { parseDockerfile, type Instruction } from './parse.js';
import { parseJsonArray } from './schema.js';
import { shellScriptIndex, simpleCommands } from './shell.js';
import { expandWord, tokenize, type Expanded, type Lookup, type Token } from './words.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { toFragment } from './fragment.js';
import { buildLookup, type CommandSpec, type Position, type Stage } from './stage.js';
import { MAX_EXPANDED_LENGTH } from './words.js';

/** EXPOSE ranges are expanded port by port; more than this many is almost certainly a mistake. */
export const MAX_PORTS = 1024;
/** A garbage file must not produce a million diagnostics. */
export const MAX_DIAGNOSTICS = 200;

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);
/** Docker's default for shell-form commands on Linux. */
const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];
const REASON_MAX = 200;

/**
 * Build stages read. Real Dockerfiles have a handful; each stage built `FROM` an earlier one copies
 * its whole image configuration, so thousands of chained stages cost memory quadratically.
 */
export const MAX_STAGES = 128;
/** Provenance kept per exposed port: the same port exposed again and again adds nothing after a few. */
export const MAX_SOURCES_PER_PORT = 32;
/** Entries (ENV, ports, volumes, packages, …) copied from parent stages in all, the same cost bounded directly. */
export const MAX_INHERITED_ENTRIES = 1_000_000;

class Walker {
  readonly diagnostics: Diagnostic[] = [];
  readonly stages: Stage[] = [];
  /** Set when a limit stopped the walk: the final stage is then not known, so no fragment is made. */
  stopped = false;
  private inherited = 0;
  readonly globalArgs = new Map<string, string | undefined>();
  escape = '\\';

  constructor(readonly path: string) {}

  diag(code: DiagnosticCode, severity: Diagnostic['severity'], message: string, at: Position): void {
    this.diagnostics.push({ code, severity, message, file: this.path, line: at.line ?? 1, column: at.column ?? 1 });
  }

  source(ins: Instruction, reason?: string, at?: { line: number; column: number }): Source {
    return {
      kind: 'dockerfile',
      artifact: this.path,
      line: at?.line ?? ins.line,
      column: at?.column ?? ins.column,
      reason: reason ?? describe(ins),
    };
  }

  words(ins: Instruction, operators = false): Token[] {
    return tokenize(ins.raw, ins.rawLine, ins.rawColumn, { escape: this.escape, operators });
  }

  expand(raw: string, lookup: Lookup, ins: Instruction, at?: { line: number; column: number }): Expanded {
    const e = expandWord(raw, lookup, this.escape);
    if (e.tooLong) {
      this.expansionTooLong(ins, at);
    } else if (e.unresolved.length > 0) {
      this.diag(
        'dockerfile/unresolved-variable',
        // `ENV PATH=$PATH:/app/bin` extends the base image's value: routine, not a problem.
        ins.keyword === 'ENV' ? 'info' : 'warning',
        `${ins.keyword}: the value of ${truncate(e.unresolved.join(', '), 80)} is not known here ` +
          '(give the ARG a default); kept as written',
        at ?? ins,
      );
    }
    return e;
  }

  expansionTooLong(ins: Instruction, at?: { line: number; column: number }): void {
    const message = `${ins.keyword}: a variable expands to more than ${MAX_EXPANDED_LENGTH} characters (does it refer to itself?); kept as written, value unknown`;
    this.diag('dockerfile/expansion-too-long', 'warning', message, at ?? ins);
  }

  walk(instructions: readonly Instruction[]): void {
    let stage: Stage | undefined;
    for (const ins of instructions) {
      if (!INSTRUCTIONS.has(ins.keyword)) {
        const message = `unknown instruction ${truncate(ins.keyword, 40)}`;
        this.diag('dockerfile/unknown-instruction', 'error', message, ins);
        continue;
      }
      if (ins.text.trim() === '') {
        this.diag('dockerfile/missing-argument', 'error', `${ins.keyword} needs an argument`, ins);
        if (ins.keyword !== 'FROM') continue;
      }
      if (ins.keyword === 'FROM') {
        if (this.stages.length >= MAX_STAGES) {
          this.stop(`more than ${MAX_STAGES} build stages`, ins);
          return;
        }
        stage = this.from(ins);
        if (this.stopped) return;
        this.stages.push(stage);
        continue;
      }
      if (!stage) {
        if (ins.keyword === 'ARG') this.arg(ins, this.globalArgs, (n) => this.globalArgs.get(n), true);
        else this.diag('dockerfile/instruction-before-from', 'error', `${ins.keyword} before the first FROM`, ins);
        continue;
      }
      this.dispatch(stage, ins);
    }
  }

  stop(why: string, ins: Instruction): void {
    this.stopped = true;
    this.diag('dockerfile/too-many-stages', 'error', `${why}; the file is not read from here on, and no final stage is recorded`, ins);
  }

  dispatch(stage: Stage, ins: Instruction): void {
    const lookup = buildLookup(stage);
    switch (ins.keyword) {
      case 'ARG':
        this.arg(ins, stage.args, lookup, false);
        return;
      case 'ENV':
        this.env(stage, ins, lookup);
        return;
      case 'USER': {
        const e = this.expand(ins.text.trim(), lookup, ins);
        stage.user = { name: e.value, source: this.source(ins, expandedReason(ins, e.value)) };
        return;
      }
      case 'WORKDIR': {
        const e = this.expand(ins.text.trim(), lookup, ins);
        const name = posix.resolve(stage.workingDir?.name ?? '/', e.value);
        stage.workingDir = { name, source: this.source(ins, expandedReason(ins, name)) };
        return;
      }
      case 'EXPOSE':
        this.expose(stage, ins, lookup);
        return;
      case 'VOLUME':
        this.volume(stage, ins, lookup);
        return;
      case 'SHELL': {
        const argv = parseJsonArray(ins.text.trim());
        if (!argv || argv.length === 0) {
          this.diag('dockerfile/bad-shell', 'error', 'SHELL needs a non-empty JSON array, e.g. ["/bin/bash", "-c"]', ins);
          return;
        }
        stage.shell = argv;
        return;
      }
      case 'ENTRYPOINT': {
        const spec = this.command(stage, ins, ins.text, this.words(ins, true));
        if (spec === null) return;
        stage.entrypoint = spec.argv.length > 0 ? spec : undefined;
        // Docker: a new ENTRYPOINT drops the CMD inherited from the base, not one set in this stage.
        if (!stage.cmdSet) stage.cmd = undefined;
        return;
      }
      case 'CMD': {
        const spec = this.command(stage, ins, ins.text, this.words(ins, true));
        if (spec === null) return;
        stage.cmd = spec.argv.length > 0 ? spec : undefined;
        stage.cmdSet = true;
        return;
      }
      case 'HEALTHCHECK':
        this.healthcheck(stage, ins);
        return;
      case 'RUN':
        this.run(stage, ins, lookup);
        return;
      case 'COPY':
      case 'ADD': {
        const from = ins.flags.find((f) => f.name === 'from');
        const reason = `${ins.keyword} --from=${from?.value ?? ''} ${collapse(ins.text)}`;
        if (from) stage.copyFrom.push(this.source(ins, reason));
        return;
      }
      default:
        // LABEL, MAINTAINER, ONBUILD, STOPSIGNAL: nothing the profile holds.
        return;
    }
  }

  from(ins: Instruction): Stage {
    const words = this.words(ins).filter((t) => !t.raw.startsWith('--'));
    const stage: Stage = {
      from: this.source(ins, `final build stage: ${describe(ins)}`),
      env: new Map(),
      args: new Map(),
      shell: [...DEFAULT_SHELL],
      listen: new Map(),
      volumes: new Map(),
      cmdSet: false,
      packages: [],
      runs: [],
      copyFrom: [],
    };
    const image = words[0];
    if (!image) return stage;
    if (words.length > 1) {
      const as = words[1]?.raw.toLowerCase();
      const name = words[2]?.raw;
      if (as === 'as' && name !== undefined && words.length === 3) stage.name = name.toLowerCase();
      else this.diag('dockerfile/bad-from', 'error', 'FROM takes an image and an optional "AS name"', ins);
    }

    const e = expandWord(image.raw, (n) => this.globalArgs.get(n), this.escape);
    const parent = this.stages.findLast((s) => s.name !== undefined && s.name === e.value.toLowerCase());
    if (parent) {
      this.inherited +=
        parent.env.size + parent.listen.size + parent.volumes.size + parent.packages.length + parent.runs.length + parent.copyFrom.length;
      if (this.inherited > MAX_INHERITED_ENTRIES) {
        this.stop(`stages inherit more than ${MAX_INHERITED_ENTRIES} settings from their parents in all`, ins);
        return stage;
      }
      // Everything in the image config carries over; ARGs and "CMD set here" do not.
      const inherited = structuredClone(parent);
      return { ...inherited, name: stage.name, from: stage.from, args: new Map(), cmdSet: false } satisfies Stage;
    }
    if (e.tooLong) {
      this.expansionTooLong(ins, image);
      return stage;
    }
    if (e.unresolved.length > 0) {
      this.diag(
        'dockerfile/unresolved-base',
        'warning',
        `FROM: the value of ${truncate(e.unresolved.join(', '), 80)} is not known ` +
          '(give the global ARG a default); base image not recorded',
        image,
      );
      return stage;
    }
    if (e.value.toLowerCase() === 'scratch') return stage;
    const at = e.value.indexOf('@');
    const digest = at === -1 ? undefined : e.value.slice(at + 1);
    stage.base = {
      ref: e.value,
      ...(digest ? { digest } : {}),
      source: this.source(ins, `base image of the final stage: FROM ${e.value}`, image),
    };
    return stage;
  }

  arg(ins: Instruction, into: Map<string, string | undefined>, lookup: Lookup, global: boolean): void {
    for (const w of this.words(ins)) {
      const eq = w.raw.indexOf('=');
      const name = eq === -1 ? w.raw : w.raw.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        this.diag('dockerfile/bad-arg', 'error', `ARG: "${truncate(name, 60)}" is not a variable name`, w);
        continue;
      }
      if (eq === -1) {
        // `ARG NAME` inside a stage takes the global default, if there is one.
        into.set(name, global ? undefined : this.globalArgs.get(name));
        continue;
      }
      const e = expandWord(w.raw.slice(eq + 1), lookup, this.escape);
      if (e.tooLong) this.expansionTooLong(ins, w);
      into.set(name, e.unresolved.length > 0 ? undefined : e.value);
    }
  }

  env(stage: Stage, ins: Instruction, lookup: Lookup): void {
    const words = this.words(ins);
    const first = words[0];
    if (!first) return;
    const pairs: { name: string; raw: string; at: Token }[] = [];
    if (!first.raw.includes('=')) {
      // Legacy `ENV NAME value with spaces`.
      pairs.push({ name: first.raw, raw: ins.text.trim().slice(first.raw.length).trim(), at: first });
    } else {
      for (const w of words) {
        const eq = w.raw.indexOf('=');
        if (eq <= 0) {
          this.diag('dockerfile/bad-env', 'error', `ENV: "${truncate(w.raw, 60)}" is not NAME=value`, w);
          continue;
        }
        pairs.push({ name: w.raw.slice(0, eq), raw: w.raw.slice(eq + 1), at: w });
      }
    }
    // All values are expanded before any is set: `ENV A=2 B=$A` gives B the earlier A.
    const expanded = pairs.map((p) => ({ ...p, e: this.expand(p.raw, lookup, ins, p.at) }));
    for (const p of expanded) {
      stage.env.set(p.name, {
        value: p.e.value,
        unresolved: p.e.unresolved,
        source: this.source(ins, `ENV ${p.name}=${truncate(p.e.value, REASON_MAX)}`, p.at),
      });
    }
  }

  expose(stage: Stage, ins: Instruction, lookup: Lookup): void {
    let capped = false;
    for (const w of this.words(ins)) {
      const e = this.expand(w.raw, lookup, ins, w);
      if (e.unresolved.length > 0) continue;
      for (const spec of e.value.split(/\s+/).filter(Boolean)) {
        const parsed = parsePortSpec(spec);
        if (typeof parsed === 'string') {
          this.diag('dockerfile/bad-port', 'error', `EXPOSE ${truncate(spec, 60)}: ${parsed}`, w);
          continue;
        }
        const { from, to, protocol } = parsed;
        const range = from === to ? `${from}` : `${from}-${to}`;
        const source = this.source(ins, `EXPOSE ${range}/${protocol}`, w);
        for (let port = from; port <= to; port++) {
          const key = `${port}/${protocol}`;
          const existing = stage.listen.get(key);
          if (existing) {
            if (existing.sources.length < MAX_SOURCES_PER_PORT) existing.sources.push(source);
            continue;
          }
          if (stage.listen.size >= MAX_PORTS) {
            if (!capped) {
              const message = `more than ${MAX_PORTS} exposed ports; the rest are ignored`;
              this.diag('dockerfile/too-many-ports', 'warning', message, w);
            }
            capped = true;
            break;
          }
          stage.listen.set(key, { port, protocol, sources: [source] });
        }
      }
    }
  }

  volume(stage: Stage, ins: Instruction, lookup: Lookup): void {
    const text = ins.text.trim();
    let entries: { raw: string; at: { line: number; column: number } }[];
    if (text.startsWith('[')) {
      const arr = parseJsonArray(text);
      if (!arr) {
        this.diag('dockerfile/bad-exec-form', 'error', 'VOLUME: not a valid JSON array of strings', ins);
        return;
      }
      // JSON strings were already unquoted: escape quotes so expansion leaves them alone.
      entries = arr.map((v) => ({ raw: jsonValueAsWord(v, this.escape), at: ins }));
    } else {
      entries = this.words(ins).map((w) => ({ raw: w.raw, at: w }));
    }
    for (const { raw, at } of entries) {
      const e = this.expand(raw, lookup, ins, at);
      if (e.unresolved.length > 0 || e.value === '') continue;
      if (!e.value.startsWith('/')) {
        const message = `VOLUME ${truncate(e.value, 60)}: a volume path must be absolute`;
        this.diag('dockerfile/relative-volume', 'warning', message, at);
        continue;
      }
      const path = posix.normalize(e.value).replace(/(.)\/+$/, '$1');
      const source = this.source(ins, `VOLUME ${path}`, at);
      const existing = stage.volumes.get(path);
      if (existing) existing.sources.push(source);
      else stage.volumes.set(path, { path, kind: 'volume', sources: [source] });
    }
  }

  /** Exec or shell form; null (with a diagnostic) when it is neither. */
  command(stage: Stage, ins: Instruction, text: string, tokens: Token[]): CommandSpec | null {
    const t = text.trim();
    const source = this.source(ins);
    if (t.startsWith('[')) {
      const argv = parseJsonArray(t);
      if (argv) return { argv, form: 'exec', source };
      // Docker would silently run this through the shell, which is never what was meant.
      this.diag(
        'dockerfile/bad-exec-form',
        'error',
        `${ins.keyword}: looks like exec form but is not a valid JSON array of strings ` +
          '(use double quotes, close the bracket); ignored',
        ins,
      );
      return null;
    }
    return { argv: [...stage.shell, t], form: 'shell', tokens, source };
  }

  healthcheck(stage: Stage, ins: Instruction): void {
    const tokens = this.words(ins, true);
    const sub = tokens[0]?.raw.toUpperCase();
    if (sub === 'NONE' && tokens.length === 1) {
      stage.healthcheck = 'none';
      return;
    }
    const rest = ins.text.trim().replace(/^cmd(?=\s|\[|$)/i, '');
    if (sub === 'CMD' || (sub?.startsWith('CMD[') ?? false)) {
      if (rest.trim() === '') {
        this.diag('dockerfile/bad-healthcheck', 'error', 'HEALTHCHECK CMD needs a command', ins);
        return;
      }
      const spec = this.command(stage, ins, rest, tokens.slice(1));
      if (spec !== null && spec.argv.length > 0) stage.healthcheck = spec;
      return;
    }
    this.diag('dockerfile/bad-healthcheck', 'error', 'HEALTHCHECK takes [options] CMD <command> or NONE', ins);
  }

  run(stage: Stage, ins: Instruction, lookup: Lookup): void {
    const text = ins.text.trim();
    stage.runs.push(runText(ins.raw, this.escape));
    if (text.startsWith('<<')) {
      const message = 'RUN with a here-document: packages installed by it are not read';
      this.diag('dockerfile/heredoc-not-read', 'info', message, ins);
      return;
    }
    let tokens: Token[] | undefined;
    const argv = text.startsWith('[') ? parseJsonArray(text) : undefined;
    if (argv) {
      const script = shellScriptIndex(argv);
      tokens =
        script !== undefined
          ? tokenize(argv[script] ?? '', ins.line, ins.column, { escape: '\\', operators: true })
          : argv.map((v): Token => ({ kind: 'word', raw: jsonValueAsWord(v, '\\'), line: ins.line, column: ins.column }));
    } else {
      tokens = this.words(ins, true);
    }
    for (const p of packagesIn(simpleCommands(tokens, lookup))) {
      const pinned = p.version === undefined ? p.name : `${p.name}=${p.version}`;
      stage.packages.push({
        name: p.name,
        ...(p.version !== undefined ? { version: p.version } : {}),
        source: this.source(ins, `RUN ${p.manager} installs ${pinned}`, p),
      });
    }
  }
}

/** A JSON string's value as a word for `expandWord`: quotes and escapes kept literal, `$` still expands. */
function jsonValueAsWord(value: string, escape: string): string {
  return value.replace(/["'\\`]/g, (c) => (c === escape || c === '"' || c === "'" ? `${escape}${c}` : c));
}

type PortSpec = { from: number; to: number; protocol: Protocol };

function parsePortSpec(spec: string): PortSpec | string {
  const m = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/.exec(spec);
  if (!m) return 'not a port, a port range (8000-8002) or port/protocol (53/udp)';
  const protocol = (m[3] ?? 'tcp').toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp') {
    return `unknown protocol ${m[3] ?? ''} (tcp, udp or sctp)`;
  }
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const p of [from, to]) if (p < 1 || p > 65535) return `port ${p} is outside 1-65535`;
  if (to < from) return `range ${from}-${to} ends before it starts`;
  return { from, to, protocol };
}

/**
 * A RUN command as a builder records it in the image's history: comment lines inside the
 * continuation dropped (Docker removes them before it runs anything), line continuations joined,
 * whitespace collapsed, leading flags left out.
 */
function runText(raw: string, escape: string): string {
  const lines = raw.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.map((l) => (l.trimEnd().endsWith(escape) ? l.trimEnd().slice(0, -escape.length) : l)).join(' ');
  // Flags (`--mount=…`, `--network=…`) are the builder's, not the command's: history records them apart.
  return collapse(joined).replace(/^(?:--\S+\s+)+/, '');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function describe(ins: Instruction): string {
  return truncate(`${ins.keyword} ${collapse(ins.text)}`, REASON_MAX);
}

function expandedReason(ins: Instruction, value: string): string {
  const written = describe(ins);
  return collapse(ins.text) === value ? written : `${written} (= ${truncate(value, REASON_MAX)})`;
}

/** Reads one Dockerfile. Never throws: every problem is a diagnostic. */
export function extract(path: string, text: string, invalidUtf8: readonly InvalidUtf8[] = []): ReaderResult {
  const result = emptyResult();
  const w = new Walker(path);
  const parsed = parseDockerfile(path, text, w.diagnostics, invalidUtf8);
  if (parsed) {
    w.escape = parsed.escape;
    if (parsed.instructions.length === 0) {
      w.diag('dockerfile/empty', 'warning', 'the Dockerfile has no instructions', {});
    } else if (!parsed.instructions.some((i) => i.keyword === 'FROM')) {
      const first = parsed.instructions[0] as Instruction;
      w.diag('dockerfile/no-from', 'error', 'the Dockerfile has no FROM instruction; nothing is built', first);
    } else {
      try {
        w.walk(parsed.instructions);
        const final = w.stopped ? undefined : w.stages.at(-1);
        if (final) result.containers.push(toFragment(w, final));
      } catch (err) {
        // A bug here must cost one file, not the whole run (the registry reads many files).
        const message = `the Dockerfile reader failed: ${errorMessage(err)}`;
        w.diag('dockerfile/internal-error', 'error', message, {});
      }
    }
  }
  result.diagnostics = capDiagnostics(path, w.diagnostics);
  return result;
}

function capDiagnostics(path: string, diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.line ?? 0) - (b.d.line ?? 0) || (a.d.column ?? 0) - (b.d.column ?? 0) || a.i - b.i)
    .map((x) => x.d);
  if (sorted.length <= MAX_DIAGNOSTICS) return sorted;
  const kept = sorted.slice(0, MAX_DIAGNOSTICS);
  // Placed where the first problem not shown is, so a user knows where to look next.
  const next = sorted[MAX_DIAGNOSTICS];
  kept.push({
    code: 'dockerfile/too-many-diagnostics',
    severity: 'error',
    message: `${sorted.length - MAX_DIAGNOSTICS} more problems not shown`,
    file: path,
    line: next?.line ?? 1,
    column: next?.column ?? 1,
  });
  return kept;
}
