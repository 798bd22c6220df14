/** `charter node <app-dir>`: the Node.js intent report — syscalls with the API calls that need them. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import podmanDefault from '../../knowledge/podman-default-allowed.json' with { type: 'json' };
import { Option, type Command } from 'commander';
import { UserError } from '../../model/errors.js';
import { nodeAppCharter, nodeSyscallSet } from '../../pipeline/node-app.js';
import { renderNodeReport } from '../../nodejs/report.js';
import { toJson } from '../../profile/serialize.js';
import { emitOutput, writeAtomic } from '../output.js';
import { ENOSYS_SYSCALLS, emitSeccomp } from '../../emit/seccomp.js';
import type { CommandContext } from './context.js';

/** Names the container runtime's default profile allows, for the size comparison (shipped with the knowledge base). */
function podmanDefaultSize(): number {
  return podmanDefault.names.length;
}

export function registerNodeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('node')
    .description('analyse a Node.js application: the exact syscalls, processes, ports and peers its code can reach, with the call sites')
    .argument('<app-dir>', 'the application directory (package.json, node_modules)')
    .option('-e, --entry <file...>', 'entry files relative to the app (default: package.json main/bin/start)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--seccomp <file>', 'also write the seccomp profile for the app, usable as is with podman/docker')
    .option('--serving', 'with --seccomp: the tighter serving-phase set (without syscalls only startup code needs)')
    .action(async (dir: string, flags: { entry?: string[]; format: 'text' | 'json'; seccomp?: string; serving?: boolean }) => {
      const root = resolve(dir);
      if (!existsSync(join(root, 'package.json'))) throw new UserError('not a Node.js application: no package.json', dir);
      const set = await nodeSyscallSet(root, { ...(flags.entry ? { entry: flags.entry } : {}) });
      const size = podmanDefaultSize();
      await emitOutput(
        flags.format === 'json'
          ? toJson({
              ...set,
              analysis: { ...set.analysis },
              // What the emitted profile does with the set: the allow list, and the names answered ENOSYS.
              seccomp: {
                allowed: set.all.filter((s) => !ENOSYS_SYSCALLS.some((e) => e === s)),
                enosys: set.all.filter((s) => ENOSYS_SYSCALLS.some((e) => e === s)),
              },
            })
          : renderNodeReport(set, size, ENOSYS_SYSCALLS),
        undefined,
        ctx.io.stdout,
      );
      if (flags.seccomp) {
        const file = emitSeccomp(nodeAppCharter(set, { serving: flags.serving ?? false }), {}).files[0];
        if (file) {
          await writeAtomic(flags.seccomp, file.content);
          ctx.io.stderr(`wrote ${resolve(flags.seccomp)}\n`);
        }
      }
    });
}
