/**
 * `charter replay EVENTS --profile P`: a dry run of the runtime engine over recorded events (Charter's
 * own lines, its kernel sensor's, Falco, Tetragon or Tracee JSON). Exit 0 when nothing would be blocked, 1 when
 * something would, 2 on bad input.
 */
import { Option, type Command } from 'commander';
import { PolicyFailure } from '../../model/errors.js';
import { MODES, type Mode, type Verdict } from '../../model/verdicts.js';
import { openReplay } from '../../pipeline/replay.js';
import { toSarif } from '../../output/sarif.js';
import { DeviationFindings } from '../../runtime/findings.js';
import { renderSummaryText, renderVerdictText } from '../../runtime/render.js';
import { SOURCE_IDS, type SourceId } from '../../runtime/sources/types.js';
import { GENERATOR, VERSION } from '../../version.js';
import { writeAtomic } from '../output.js';
import type { CommandContext } from './context.js';

interface ReplayFlags {
  profile: string;
  format: 'text' | 'json' | 'sarif';
  all?: boolean;
  source?: SourceId;
  mode?: Mode;
  hosts?: string;
  container?: string[];
  output?: string;
}

export function registerReplayCommand(program: Command, ctx: CommandContext): void {
  program
    .command('replay')
    .description(
      'dry-run the runtime engine over recorded events: what would be allowed, alerted or blocked; exits 1 when something would be blocked',
    )
    .argument(
      '<events>',
      "an event file, one JSON record a line (Charter's own, its kernel sensor's, Falco, Tetragon or Tracee), or - for standard input",
    )
    .requiredOption('-p, --profile <profile>', 'the charter/v1 profile to judge against')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--all', 'also list allowed events with the rule that allows each')
    .addOption(new Option('--source <source>', "the events' format (detected from the first records when absent)").choices([...SOURCE_IDS]))
    .addOption(new Option('--mode <mode>', 'the mode every container is judged in (default protect)').choices([...MODES]))
    .option('--hosts <file>', 'addresses of the containers, /etc/hosts style (ADDRESS NAME…), to name connection peers')
    .option('-c, --container <id=name...>', 'map a runtime container id or name to a container of the profile')
    .option('-o, --output <file>', 'write the report to this file (sarif, json) instead of standard output')
    .action(async (events: string, flags: ReplayFlags) => {
      const out: string[] = [];
      const write = flags.output !== undefined ? (s: string) => void out.push(s) : ctx.io.stdout;
      const opened = await openReplay({
        profile: flags.profile,
        ...(flags.source ? { source: flags.source } : {}),
        ...(flags.mode ? { mode: flags.mode } : {}),
        ...(flags.hosts !== undefined ? { hosts: flags.hosts } : {}),
        ...(flags.container ? { containers: flags.container } : {}),
        ...(flags.all ? { all: true } : {}),
        warn: (m) => ctx.io.stderr(`warning: ${m}\n`),
      });
      const findings = flags.format === 'sarif' ? new DeviationFindings(opened.charter) : undefined;
      const emit = (v: Verdict): void => {
        if (flags.format === 'json') write(`${JSON.stringify(v)}\n`);
        else if (flags.format === 'text') write(renderVerdictText(v));
        else findings!.add(v);
      };
      const summary = await opened.run(events, emit);
      if (findings) {
        write(
          toSarif(
            { target: events, components: [], findings: findings.list(), diagnostics: [] },
            { toolName: 'charter', toolVersion: VERSION },
          ),
        );
        if (findings.dropped > 0)
          ctx.io.stderr(`warning: ${findings.dropped} deviations beyond the first 10,000 distinct ones are counted, not listed\n`);
      }
      const text = renderSummaryText(summary, events);
      if (flags.format === 'text' && flags.output === undefined) ctx.io.stdout(text);
      else ctx.io.stderr(text);
      if (flags.output !== undefined) await writeAtomic(flags.output, out.join(''));
      if (summary.wouldBlock > 0) throw new PolicyFailure(`${summary.wouldBlock} events would be blocked (${GENERATOR})`, 1);
    });
}
