/**
 * `charter learn EVENTS --profile P -o NEW`: the engine in learn mode over recorded events. What
 * fits the declared intent becomes a new charter version (each allowance sourced `learned`, with
 * first and last seen and a count; `charter diff P NEW` shows them); what contradicts it is listed
 * for review and never learned.
 */
import { Option, type Command } from 'commander';
import { InputError } from '../../model/errors.js';
import type { Verdict } from '../../model/verdicts.js';
import { openReplay } from '../../pipeline/replay.js';
import { charterToJson } from '../../profile/serialize.js';
import { Learner } from '../../runtime/learn.js';
import { SOURCE_IDS, type SourceId } from '../../runtime/sources/types.js';
import { escapeTerminal } from '../../util/terminal-text.js';
import { writeAtomic } from '../output.js';
import type { CommandContext } from './context.js';

/** `90s`, `10m`, `2h`, `1d` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new InputError(`--quiet-window ${text}: expected a number and a unit (s, m, h, d), e.g. 10m`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

interface LearnFlags {
  profile: string;
  output: string;
  quietWindow?: string;
  source?: SourceId;
  hosts?: string;
  container?: string[];
}

export function registerLearnCommand(program: Command, ctx: CommandContext): void {
  program
    .command('learn')
    .description('learn from recorded events what fits the declared intent: writes a new profile version, lists the rest for review')
    .argument('<events>', 'an event file (any format replay reads), or - for standard input')
    .requiredOption('-p, --profile <profile>', 'the charter/v1 profile learning starts from')
    .requiredOption('-o, --output <file>', 'where to write the learned profile')
    .option('--quiet-window <duration>', 'end learning once nothing new was learned for this long (event time), e.g. 10m')
    .addOption(new Option('--source <source>', "the events' format (detected when absent)").choices([...SOURCE_IDS]))
    .option('--hosts <file>', 'addresses of the containers, /etc/hosts style, to name connection peers')
    .option('-c, --container <id=name...>', 'map a runtime container id or name to a container of the profile')
    .action(async (events: string, flags: LearnFlags) => {
      const learner = new Learner(flags.quietWindow !== undefined ? parseDuration(flags.quietWindow) : undefined);
      const opened = await openReplay({
        profile: flags.profile,
        mode: 'learn',
        ...(flags.source ? { source: flags.source } : {}),
        ...(flags.hosts !== undefined ? { hosts: flags.hosts } : {}),
        ...(flags.container ? { containers: flags.container } : {}),
        warn: (m) => ctx.io.stderr(`warning: ${m}\n`),
      });
      const summary = await opened.run(
        events,
        () => undefined,
        (v: Verdict, e) => learner.observe(v, e),
      );
      await writeAtomic(flags.output, charterToJson(learner.charter(opened.charter)));
      const queue = learner.queue();
      const lines = [
        `${escapeTerminal(events)}: ${summary.events} events, ${summary.allowed} allowed by the profile; learned ${learner.size} allowances that fit the intent; ${queue.length} behaviours for review`,
        ...queue
          .slice(0, 50)
          .map(
            (r) =>
              `  review ${escapeTerminal(r.container)}: ${escapeTerminal(r.event)} — ${r.classification}${r.patterns.length > 0 ? ` (${r.patterns.join(', ')})` : ''}, ${r.count}× from ${r.first}`,
          ),
        ...(queue.length > 50 ? [`  … and ${queue.length - 50} more`] : []),
        `wrote ${escapeTerminal(flags.output)}`,
      ];
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });
}
