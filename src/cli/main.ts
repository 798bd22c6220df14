/**
 * The `charter` command line. Commands are thin: parse options, call one library function, render,
 * return an exit code. Exit codes are chosen here and only here:
 *   0 ok · 1 a gate said no (diff widened privileges, explain found nothing, scan failed its policy,
 *   replay would block an event)
 *   · 2 bad input (also what the user must fix before `charter agent` can run: no podman, no sensor)
 *   · 3 internal error (also a tool that failed, or the agent's store failing while it runs)
 */
import { Command, CommanderError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { PolicyFailure, UserError, errorMessage } from '../model/errors.js';
import { GENERATOR, VERSION } from '../version.js';
import { profileTargets } from '../pipeline/profile.js';
import { parseImagePairing } from '../pipeline/targets.js';
import { readInputText } from '../io/read-input.js';
import {
  MAX_PROFILE_BYTES,
  MAX_YAML_PROFILE_BYTES,
  PROFILE_FORMATS,
  charterToJson,
  charterToYaml,
  parseCharter,
  toJson,
  type ProfileFormat,
} from '../profile/serialize.js';
import { renderCharterText, renderDiagnostics, renderDiff, renderExplain } from './render.js';
import { emitOutput, ensureOutputDirectory, writeAtomic } from './output.js';
import { createProgress } from './progress.js';
import { escapeTerminal } from '../util/terminal-text.js';
import { explain, explainContainer, queryProblem } from '../profile/explain.js';
import { diffCharters, summarise } from '../profile/diff.js';
import { EMITTERS } from '../emit/index.js';
import { fileSafeName } from '../emit/internal.js';
import type { Charter } from '../model/charter.js';
import { registerScanCommand } from './commands/scan.js';
import { registerDbCommand } from './commands/db.js';
import { registerNodeCommand } from './commands/node.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerLearnCommand } from './commands/learn.js';
import { registerStatusCommand } from './commands/status.js';
import { registerModeCommand } from './commands/mode.js';
import { registerAgentCommand } from './commands/agent.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

async function readProfile(path: string): Promise<Charter> {
  return parseCharter(await readInputText(path, { maxBytes: MAX_PROFILE_BYTES, what: 'profile' }), path);
}

function render(ch: Charter, format: ProfileFormat): string {
  if (format === 'yaml') return charterToYaml(ch);
  if (format === 'text') return renderCharterText(ch);
  return charterToJson(ch);
}

/** The options of `charter profile` as commander gives them. */
interface ProfileCliOptions {
  file?: string[];
  format: ProfileFormat;
  output?: string;
  name?: string;
  cache: boolean;
  imageFor?: string[];
}

export async function main(argv: readonly string[], rawIo: Io = defaultIo): Promise<number> {
  // Everything on stderr is a message for a person: values from inputs in it (file and member
  // names, image metadata) cannot drive the terminal. Stdout carries machine formats too, so its
  // text renderers escape for themselves.
  const io: Io = { ...rawIo, stderr: (s) => rawIo.stderr(escapeTerminal(s, { keepNewlines: true })) };
  let exitCode = 0;
  let debug = argv.includes('--debug');
  const program = new Command('charter')
    .description(
      "Derive a container's security profile (its charter) from the artifacts that declare it, explain it, diff it and compile it to enforcement.",
    )
    .version(VERSION)
    .option('--debug', 'print stack traces of internal errors')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('profile')
    .description(
      'derive a charter from a directory, manifest files and images (oci-archive:PATH, docker-archive:PATH, oci:DIR, podman:NAME)',
    )
    .argument('[targets...]', 'directories, files and image references')
    .option('-f, --file <manifest...>', 'manifest files to read (Kubernetes, compose, Marathon, Dockerfile)')
    .addOption(new Option('--format <format>', 'output format').choices(PROFILE_FORMATS).default('json'))
    .option('-o, --output <file>', 'write the profile to a file instead of stdout')
    .option('--name <name>', "application name (default: the first target's name)")
    .option('--no-cache', 'read every image layer instead of reusing per-layer results (cache: $CHARTER_CACHE_DIR or ~/.cache/charter)')
    .option(
      '--image-for <dockerfile=image...>',
      'the image built from a Dockerfile, profiled as one container with it (e.g. web/Dockerfile=oci-archive:web.tar); read like a target',
    )
    .action(async (targets: string[], opts: ProfileCliOptions) => {
      if (targets.length === 0 && !opts.file?.length)
        throw new UserError('nothing to profile: give a directory, a file or an image reference');
      const imageFor = (opts.imageFor ?? []).map(parseImagePairing);
      const progress = createProgress(io.isTTY);
      const charter = await profileTargets(targets, {
        generator: GENERATOR,
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.file ? { files: opts.file } : {}),
        ...(opts.cache === false ? { noCache: true } : {}),
        ...(imageFor.length > 0 ? { imageFor } : {}),
        onProgress: (label, done, total) => progress.update(label, done, total),
      }).finally(() => progress.stop());
      // Target errors first: they are reported even when the output cannot be written.
      const errors = charter.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        io.stderr(`${renderDiagnostics(errors)}\n`);
        exitCode = 2;
      }
      const text = render(charter, opts.format);
      await emitOutput(text, opts.output, io.stdout);
      if (opts.format === 'yaml' && text.length > MAX_YAML_PROFILE_BYTES) {
        io.stderr(
          `warning: this YAML profile is larger than ${MAX_YAML_PROFILE_BYTES} bytes, which charter does not read back (its parse tree would need more than 1 GiB): write it with --format json\n`,
        );
      }
    });

  program
    .command('explain')
    .description(
      'why is something allowed? e.g. `syscall:bind`, `exec:/bin/sh`, `egress:db:5432`, `cap:NET_BIND_SERVICE`, `port:8080`, `path:/data`',
    )
    .argument('<profile>', 'a charter/v1 profile (JSON or YAML)')
    .argument('[query]', 'what to explain; all rules when absent')
    .option('-c, --container <name>', 'only this container')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (profile: string, query: string | undefined, opts: { container?: string; format: 'text' | 'json' }) => {
      const problem = query === undefined ? undefined : queryProblem(query);
      if (problem) throw new UserError(`bad query ${JSON.stringify(query)}: ${problem}`);
      const charter = await readProfile(profile);
      if (opts.container && !charter.containers.some((c) => c.name === opts.container)) {
        throw new UserError(`no container named ${opts.container} (have: ${charter.containers.map((c) => c.name).join(', ')})`, profile);
      }
      let found = 0;
      if (opts.format === 'json') {
        const result = explain(charter, query, opts.container);
        io.stdout(toJson(result));
        found = result.matches.length;
      } else {
        // Container by container: every rule of a 5,000-container charter is hundreds of MB of text.
        for (const c of charter.containers) {
          if (opts.container !== undefined && c.name !== opts.container) continue;
          const part = explainContainer(charter, c, query);
          if (part.matches.length > 0) io.stdout(renderExplain(part));
          found += part.matches.length;
        }
        if (found === 0) io.stdout(renderExplain({ query: query ?? '', matches: [] }));
      }
      if (found === 0) exitCode = 1;
    });

  program
    .command('diff')
    .description('semantic difference of two profiles; exits 1 when the new one adds privileges')
    .argument('<old>', 'the profile in force')
    .argument('<new>', 'the candidate profile')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (oldPath: string, newPath: string, opts: { format: 'text' | 'json' }) => {
      const [a, b] = await Promise.all([readProfile(oldPath), readProfile(newPath)]);
      const d = diffCharters(a, b);
      const summary = summarise(d);
      io.stdout(opts.format === 'json' ? toJson({ ...d, summary }) : renderDiff(d, summary));
      if (d.widened) throw new PolicyFailure(summary, 1);
    });

  program
    .command('emit')
    .description(`compile a profile to enforcement: ${EMITTERS.map((e) => e.id).join(', ')}`)
    .argument('<profile>', 'a charter/v1 profile')
    .addOption(new Option('--as <emitter>', 'what to emit').choices(EMITTERS.map((e) => e.id)).makeOptionMandatory())
    .option('-c, --container <name>', 'only this container')
    .option('-o, --output <dir>', 'write the files into this directory instead of stdout')
    .option(
      '--strict',
      'enforce declared egress even where the profile says the intent is unknown (network-policy, falco-rules, tetragon, kubearmor)',
    )
    .option(
      '--seccomp-log',
      'seccomp: have the kernel log every refusal (SECCOMP_FILTER_FLAG_LOG), which charter agent reports; needs runc 1.2 or later, or crun',
    )
    .action(async (profile: string, opts: { as: string; container?: string; output?: string; strict?: boolean; seccompLog?: boolean }) => {
      const charter = await readProfile(profile);
      if (opts.container && !charter.containers.some((c) => c.name === opts.container)) {
        throw new UserError(`no container named ${opts.container} (have: ${charter.containers.map((c) => c.name).join(', ')})`, profile);
      }
      const emitter = EMITTERS.find((e) => e.id === opts.as);
      if (!emitter) throw new UserError(`unknown emitter ${opts.as}`);
      // Emitters write several files: -o names a directory, refused before any work if it cannot be one.
      if (opts.output) await ensureOutputDirectory(opts.output);
      const outDir = opts.output ? resolve(opts.output) : undefined;
      const out = emitter.emit(charter, {
        ...(opts.container ? { container: opts.container } : {}),
        ...(opts.strict === true ? { strict: true } : {}),
        ...(opts.seccompLog === true ? { seccompLog: true } : {}),
        // Flags that name the seccomp file point where `emit --as seccomp -o DIR` writes it.
        ...(outDir ? { seccompPath: (c: string) => join(outDir, `${fileSafeName(c)}.seccomp.json`) } : {}),
      });
      for (const w of out.warnings) io.stderr(`${w.severity}: ${w.file}: ${w.message} [${w.code}]\n`);
      if (opts.output) {
        for (const f of out.files) {
          if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.'))
            throw new Error(`emitter produced an unsafe file name ${f.name}`);
          await writeAtomic(resolve(opts.output, f.name), f.content);
          io.stderr(`wrote ${resolve(opts.output, f.name)}\n`);
        }
      } else {
        for (const f of out.files) io.stdout(out.files.length > 1 ? `# ${f.name}\n${f.content}` : f.content);
      }
    });

  // Commands in src/cli/commands/ register themselves; exit codes stay decided here.
  const ctx = { io, setExitCode: (code: number) => void (exitCode = code) };
  registerScanCommand(program, ctx);
  registerDbCommand(program, ctx);
  registerNodeCommand(program, ctx);
  registerReplayCommand(program, ctx);
  registerLearnCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerModeCommand(program, ctx);
  registerAgentCommand(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    debug = Boolean(program.opts<{ debug?: boolean }>().debug) || debug;
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; usage mistakes are bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof PolicyFailure) return err.exitCode;
    if (err instanceof UserError) {
      io.stderr(`charter: ${err.describe()}\n`);
      return 2;
    }
    io.stderr(`charter: internal error: ${errorMessage(err)}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return 3;
  }
}
