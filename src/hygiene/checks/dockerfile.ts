/**
 * Dockerfile checks (CHARTER-DF-…): conditions over the parsed instructions, each finding at the
 * line and column of the word it is about. Parsing goes through the Dockerfile reader's wrapper,
 * so positions match what `charter profile` reports.
 */
import type { Diagnostic } from '../../model/charter.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { parseDockerfile, type Instruction } from '../../readers/dockerfile/parse.js';
import { parseJsonArray } from '../../readers/dockerfile/schema.js';
import { expandWord, tokenize, type Token } from '../../readers/dockerfile/words.js';
import { parseImageRef } from '../../util/image-ref.js';
import { finding, location } from '../../knowledge/hygiene-catalogue.js';
import type { Finding } from '../../model/findings.js';
import { checkData, looksLikeSecretValue } from './data.js';

/** Every check id this module can report (the catalogue meta-test compares it with knowledge/hygiene-catalogue.json). */
export const DOCKERFILE_CHECK_IDS = [
  'CHARTER-DF-001',
  'CHARTER-DF-002',
  'CHARTER-DF-003',
  'CHARTER-DF-004',
  'CHARTER-DF-005',
  'CHARTER-DF-006',
  'CHARTER-DF-007',
  'CHARTER-DF-008',
  'CHARTER-DF-009',
  'CHARTER-DF-010',
  'CHARTER-DF-011',
  'CHARTER-DF-012',
  'CHARTER-DF-013',
  'CHARTER-DF-014',
  'CHARTER-DF-015',
] as const;

export interface CheckResult {
  findings: Finding[];
  diagnostics: Diagnostic[];
}

interface Stage {
  from: Instruction;
  /** Index of the earlier stage this one builds on (`FROM builder`), if any. */
  base?: number;
  name?: string;
  instructions: Instruction[];
}

/** A word of a RUN line with its position; `op` tokens separate commands. */
interface Cmd {
  words: { value: string; line: number; column: number }[];
  /** The operator that ends this command (`|` makes it the left side of a pipe). */
  op?: string;
}

const unknown = (): undefined => undefined;

export function checkDockerfile(path: string, text: string, invalidUtf8: readonly InvalidUtf8[] = []): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = parseDockerfile(path, text, diagnostics, invalidUtf8);
  if (!parsed) return { findings: [], diagnostics };
  const findings: Finding[] = [];
  const at = (line: number, column: number) => location({ artifact: path, line, column });

  // Global ARGs (before the first FROM) with defaults: only they expand in FROM.
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of parsed.instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.text.trim().split(/\s+/);
      const image = words[0] ?? '';
      const name = words.length >= 3 && words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined;
      const base = stages.findIndex((s) => s.name !== undefined && s.name === image.toLowerCase());
      stages.push({ from: ins, instructions: [], ...(name ? { name } : {}), ...(base >= 0 ? { base } : {}) });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (ins.keyword === 'ARG') for (const [k, v] of argDefaults(ins, parsed.escape)) if (v !== undefined) globalArgs.set(k, v);
      continue;
    }
    stage.instructions.push(ins);
  }
  const final = stages.at(-1);
  if (!final) return { findings, diagnostics };

  // The final stage and the stages it builds on, oldest first: what the built image inherits.
  const chain: Stage[] = [];
  for (let s: Stage | undefined = final; s; s = s.base !== undefined ? stages[s.base] : undefined) {
    chain.unshift(s);
    if (chain.length > stages.length) break;
  }
  const finalChain = new Set(chain);

  // FROM: base images (DF-006/007), every stage, since a builder stage also feeds the image.
  for (const stage of stages) {
    if (stage.base !== undefined) continue;
    const tokens = tokenize(stage.from.raw, stage.from.rawLine, stage.from.rawColumn, { escape: parsed.escape, operators: false });
    const imageTok = tokens.find((t) => !t.raw.startsWith('--'));
    if (!imageTok) continue;
    const expanded = expandWord(imageTok.raw, (n) => globalArgs.get(n), parsed.escape);
    const ref = expanded.value;
    if (expanded.unresolved.length > 0 || ref.includes('$') || ref.toLowerCase() === 'scratch') continue;
    const parsedRef = parseImageRef(ref);
    if (parsedRef.digest) continue;
    if (!parsedRef.tag || parsedRef.tag === 'latest') {
      findings.push(
        finding('CHARTER-DF-006', [at(imageTok.line, imageTok.column)], {
          title: `Base image ${ref} ${parsedRef.tag ? 'uses the latest tag' : 'has no tag'}`,
        }),
      );
    } else {
      findings.push(
        finding('CHARTER-DF-007', [at(imageTok.line, imageTok.column)], { title: `Base image ${ref} is not pinned by digest` }),
      );
    }
  }

  // USER (DF-001/002) and HEALTHCHECK (DF-008) as the final image sees them.
  let user: Instruction | undefined;
  let health: Instruction | undefined;
  for (const stage of chain) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'USER') user = ins;
      if (ins.keyword === 'HEALTHCHECK') health = ins;
    }
  }
  if (!user) {
    findings.push(finding('CHARTER-DF-001', [at(final.from.line, final.from.column)]));
  } else {
    const value = expandWord(user.text.trim(), unknown, parsed.escape);
    const name = value.value.split(':')[0] ?? '';
    if (value.unresolved.length === 0 && (name === 'root' || /^0+$/.test(name))) {
      findings.push(
        finding('CHARTER-DF-002', [at(user.line, user.column)], { title: `The final stage runs as root (USER ${value.value})` }),
      );
    }
  }
  if (!health || /^none\b/i.test(health.text.trim())) {
    const where = health ?? final.from;
    findings.push(finding('CHARTER-DF-008', [at(where.line, where.column)]));
  }

  for (const stage of stages) {
    const inFinal = finalChain.has(stage);
    let pipNoCacheEnv = false;
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'RUN':
          findings.push(...checkRun(ins, parsed.escape, inFinal, pipNoCacheEnv, at));
          break;
        case 'ADD':
          findings.push(...checkAdd(ins, parsed.escape, at));
          break;
        case 'ENV': {
          const pairs = envPairs(ins, parsed.escape);
          if (pairs.some((p) => p.name === 'PIP_NO_CACHE_DIR' && !/^(?:0|false|no|off)$/i.test(p.value))) pipNoCacheEnv = true;
          findings.push(...secretsIn('ENV', pairs, at));
          break;
        }
        case 'ARG':
          findings.push(
            ...secretsIn(
              'ARG',
              argTokens(ins, parsed.escape).map((a) => ({ ...a, value: a.value ?? '' })),
              at,
              true,
            ),
          );
          break;
      }
    }
  }
  return { findings, diagnostics };
}

type At = (line: number, column: number) => ReturnType<typeof location>;

function argDefaults(ins: Instruction, escape: string): [string, string | undefined][] {
  return argTokens(ins, escape).map((a) => [a.name, a.value]);
}

function argTokens(ins: Instruction, escape: string): { name: string; value?: string; line: number; column: number; hasValue: boolean }[] {
  const out: { name: string; value?: string; line: number; column: number; hasValue: boolean }[] = [];
  for (const t of tokenize(ins.raw, ins.rawLine, ins.rawColumn, { escape, operators: false })) {
    const eq = t.raw.indexOf('=');
    const name = eq >= 0 ? t.raw.slice(0, eq) : t.raw;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    if (eq < 0) out.push({ name, line: t.line, column: t.column, hasValue: false });
    else out.push({ name, value: expandWord(t.raw.slice(eq + 1), unknown, escape).value, line: t.line, column: t.column, hasValue: true });
  }
  return out;
}

function envPairs(ins: Instruction, escape: string): { name: string; value: string; line: number; column: number; hasValue: boolean }[] {
  const tokens = tokenize(ins.raw, ins.rawLine, ins.rawColumn, { escape, operators: false });
  const first = tokens[0];
  if (!first) return [];
  if (!first.raw.includes('=')) {
    // Legacy `ENV NAME value with spaces`.
    const value = tokens
      .slice(1)
      .map((t) => expandWord(t.raw, unknown, escape).value)
      .join(' ');
    return [{ name: first.raw, value, line: first.line, column: first.column, hasValue: true }];
  }
  return argTokens(ins, escape).map((a) => ({ ...a, value: a.value ?? '' }));
}

function secretsIn(
  keyword: 'ENV' | 'ARG',
  pairs: { name: string; value: string; line: number; column: number; hasValue: boolean }[],
  at: At,
  isArg = false,
): Finding[] {
  const { secretName } = checkData();
  const out: Finding[] = [];
  for (const p of pairs) {
    if (!secretName.test(p.name)) continue;
    if (p.hasValue && looksLikeSecretValue(p.value)) {
      // The value itself is never put into the finding: only its name and length.
      out.push(
        finding('CHARTER-DF-014', [at(p.line, p.column)], {
          title: `Secret in ${keyword}: ${p.name}`,
          description: `${keyword} ${p.name} has a literal value (${p.value.length} characters, not shown). ${isArg ? 'ARG defaults are recorded in the image history.' : 'ENV values are stored in the image configuration.'}`,
        }),
      );
    } else if (isArg && !p.hasValue) {
      out.push(
        finding('CHARTER-DF-014', [at(p.line, p.column)], {
          title: `Secret passed as build argument: ${p.name}`,
          severity: 'low',
          description: `ARG ${p.name} has no default, but a value passed with --build-arg is recorded in the image history. Use RUN --mount=type=secret instead.`,
        }),
      );
    }
  }
  return out;
}

function commandsOf(ins: Instruction, escape: string): Cmd[] | undefined {
  const text = ins.text.trim();
  if (text.startsWith('<<')) return undefined;
  if (text.startsWith('[')) {
    const argv = parseJsonArray(text);
    if (!argv) return undefined;
    return [{ words: argv.map((value) => ({ value, line: ins.rawLine, column: ins.rawColumn })) }];
  }
  const tokens: Token[] = tokenize(ins.raw, ins.rawLine, ins.rawColumn, { escape, operators: true });
  const cmds: Cmd[] = [];
  let cur: Cmd = { words: [] };
  for (const t of tokens) {
    if (t.kind === 'op') {
      cur.op = t.raw;
      cmds.push(cur);
      cur = { words: [] };
      continue;
    }
    cur.words.push({ value: expandWord(t.raw, unknown, '\\').value, line: t.line, column: t.column });
  }
  cmds.push(cur);
  return cmds.filter((c) => c.words.length > 0 || c.op === '|');
}

/** The command proper: without `VAR=x` assignments and `sudo`/`env`/`exec` prefixes (and their options). */
function program(cmd: Cmd): { name: string; args: string[]; head: Cmd['words'][number]; sudo: boolean } | undefined {
  let i = 0;
  let sudo = false;
  while (i < cmd.words.length) {
    const v = cmd.words[i]!.value;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) i++;
    else if (v === 'sudo' || v === 'env' || v === 'exec' || v === 'command' || v === 'nohup') {
      if (v === 'sudo') sudo = true;
      i++;
      while (i < cmd.words.length && cmd.words[i]!.value.startsWith('-')) i++;
    } else break;
  }
  const head = cmd.words[i];
  if (!head) return undefined;
  const name = head.value.slice(head.value.lastIndexOf('/') + 1);
  return { name, args: cmd.words.slice(i + 1).map((w) => w.value), head, sudo };
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);
const FETCHERS = new Set(['curl', 'wget']);

function hasCacheMount(ins: Instruction, target: RegExp): boolean {
  return ins.flags.some((f) => f.name === 'mount' && f.value !== null && /type=cache/.test(f.value) && target.test(f.value));
}

function checkRun(ins: Instruction, escape: string, inFinal: boolean, pipNoCacheEnv: boolean, at: At): Finding[] {
  const cmds = commandsOf(ins, escape);
  if (!cmds) return [];
  const out: Finding[] = [];
  const progs = cmds.map(program);
  const where = (w: { line: number; column: number }) => [at(w.line, w.column)];
  const removes = (re: RegExp) => progs.some((p) => p?.name === 'rm' && p.args.some((a) => re.test(a)));

  let aptInstall: (typeof progs)[number];
  let aptUpdate: (typeof progs)[number];
  let apkUpdate: (typeof progs)[number];
  let apkAdd = false;
  for (const [i, p] of progs.entries()) {
    if (!p) continue;
    if (p.sudo) out.push(finding('CHARTER-DF-015', where(cmds[i]!.words[0]!)));

    // curl … | sh: a fetcher on the left of a pipe whose right side is a shell.
    if (FETCHERS.has(p.name) && cmds[i]!.op === '|') {
      const next = progs[i + 1];
      const runsShell = next && (SHELLS.has(next.name) || next.name === 'python' || next.name === 'python3' || next.name === 'perl');
      if (runsShell) {
        out.push(finding('CHARTER-DF-003', where(p.head), { title: `Remote script piped into ${next.name}` }));
      }
    }

    const sub = p.args.find((a) => !a.startsWith('-'));
    const isApt = p.name === 'apt-get' || p.name === 'apt' || p.name === 'aptitude';
    if (isApt && sub === 'install') aptInstall ??= p;
    if (isApt && sub === 'update') aptUpdate ??= p;
    if (isApt && (sub === 'upgrade' || sub === 'dist-upgrade' || sub === 'full-upgrade')) {
      out.push(finding('CHARTER-DF-013', where(p.head), { title: `Distribution upgrade in the build (${p.name} ${sub})` }));
    }
    if (p.name === 'apk' && sub === 'update') apkUpdate ??= p;
    if (p.name === 'apk' && sub === 'upgrade')
      out.push(finding('CHARTER-DF-013', where(p.head), { title: 'Distribution upgrade in the build (apk upgrade)' }));
    if (
      (p.name === 'yum' || p.name === 'dnf' || p.name === 'microdnf') &&
      (sub === 'upgrade' || (sub === 'update' && p.args.filter((a) => !a.startsWith('-')).length === 1))
    ) {
      out.push(finding('CHARTER-DF-013', where(p.head), { title: `Distribution upgrade in the build (${p.name} ${sub})` }));
    }
    if (p.name === 'apk' && sub === 'add') {
      apkAdd = true;
      const clean = p.args.includes('--no-cache') || hasCacheMount(ins, /\/var\/cache\/apk/) || removes(/^\/var\/cache\/apk/);
      if (inFinal && !clean) out.push(finding('CHARTER-DF-010', where(p.head)));
    }
    const isPip =
      /^pip[0-9.]*$/.test(p.name) || (/^python[0-9.]*$/.test(p.name) && p.args[0] === '-m' && /^pip[0-9.]*$/.test(p.args[1] ?? ''));
    if (isPip && p.args.includes('install')) {
      const clean =
        pipNoCacheEnv ||
        p.args.includes('--no-cache-dir') ||
        hasCacheMount(ins, /\.cache\/pip|\.cache\b/) ||
        removes(/\.cache\/pip|^\/root\/\.cache/);
      if (inFinal && !clean) out.push(finding('CHARTER-DF-011', where(p.head)));
    }
  }
  if (aptInstall && inFinal) {
    const clean = removes(/^\/var\/lib\/apt\/lists/) || hasCacheMount(ins, /\/var\/lib\/apt/);
    if (!clean) out.push(finding('CHARTER-DF-009', where(aptInstall.head)));
  }
  if (aptUpdate && !aptInstall) out.push(finding('CHARTER-DF-012', where(aptUpdate.head), { title: 'apt-get update alone in a RUN line' }));
  if (apkUpdate && !apkAdd) out.push(finding('CHARTER-DF-012', where(apkUpdate.head), { title: 'apk update alone in a RUN line' }));
  return out;
}

const ARCHIVE = /\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

function checkAdd(ins: Instruction, escape: string, at: At): Finding[] {
  const text = ins.text.trim();
  let sources: { value: string; line: number; column: number }[];
  if (text.startsWith('[')) {
    const argv = parseJsonArray(text) ?? [];
    sources = argv.slice(0, -1).map((value) => ({ value, line: ins.rawLine, column: ins.rawColumn }));
  } else {
    const tokens = tokenize(ins.raw, ins.rawLine, ins.rawColumn, { escape, operators: false }).filter((t) => !t.raw.startsWith('<<'));
    sources = tokens.slice(0, -1).map((t) => ({ value: expandWord(t.raw, unknown, escape).value, line: t.line, column: t.column }));
  }
  if (ins.flags.some((f) => f.name === 'from')) return [];
  const out: Finding[] = [];
  const checksum = ins.flags.some((f) => f.name === 'checksum');
  for (const s of sources) {
    if (/^(?:https?|ftp):\/\//i.test(s.value) || /^git@|\.git(?:#.*)?$/.test(s.value)) {
      if (!checksum) out.push(finding('CHARTER-DF-004', [at(s.line, s.column)], { title: `ADD downloads ${redactUrl(s.value)}` }));
    } else {
      out.push(
        finding('CHARTER-DF-005', [at(s.line, s.column)], {
          title: ARCHIVE.test(s.value) ? `ADD unpacks the archive ${s.value}` : `ADD used where COPY would do (${s.value})`,
        }),
      );
    }
  }
  return out;
}

/** URLs may carry credentials (`https://user:token@host/…`): never print them. */
function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1***@');
}
