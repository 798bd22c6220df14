/**
 * `charter agent --profile P [--profile P2…] --mode monitor|protect --alerts FILE [--state-dir DIR]`:
 * the host daemon, in the foreground. It prints a line containing `ready` once every running
 * container is attached, one line per alert record while it runs, and stops cleanly on SIGTERM or
 * SIGINT (the sensor detached, pending alerts written, exit 0). Bad profiles and a missing podman
 * are refused before `ready` (exit 2); a store that fails while running ends it (exit 3).
 */
import { Option, type Command } from 'commander';
import type { Mode } from '../../model/verdicts.js';
import { DEFAULT_STATE_DIR, runAgent, type AgentService } from '../../runtime/agent/agent.js';
import { DEFAULT_CONTROL_SOCKET, startControlServer } from '../../runtime/agent/control.js';
import { DEFAULT_METRICS_ADDRESS, parseListenAddress, startMetricsServer } from '../../runtime/agent/metrics-server.js';
import { loadResponsePolicy } from '../../runtime/agent/respond.js';
import type { AlertRecord } from '../../runtime/agent/types.js';
import { escapeTerminal } from '../../util/terminal-text.js';
import type { CommandContext } from './context.js';
import { UserError } from '../../model/errors.js';
import { deriveCharterFromImage } from '../../pipeline/derive-from-image.js';

interface AgentFlags {
  profile?: string[];
  derive?: boolean;
  mode: 'monitor' | 'protect';
  alerts: string;
  stateDir?: string;
  label?: string[];
  /** A path, or false for `--no-socket`. */
  socket: string | false;
  metrics?: string;
  responsePolicy?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** One record for the operator's terminal: the store and the alerts file hold the JSON. */
export function renderRecord(r: AlertRecord): string {
  const who = r.container !== undefined ? ` ${r.container}${r.verdict ? ` [${r.verdict.container}]` : ''}` : '';
  const what = r.verdict
    ? `${r.verdict.event} — ${r.verdict.deviation?.classification ?? 'allowed'}, ${r.verdict.action}${r.message !== undefined ? `; ${r.message}` : ''}`
    : (r.message ?? '');
  return `${escapeTerminal(`alert ${r.seq} ${r.type}${who}: ${what}`)}\n`;
}

export function registerAgentCommand(program: Command, ctx: CommandContext): void {
  program
    .command('agent')
    .description('watch the running containers against their charters (kernel sensor, podman), write alerts; runs until SIGTERM or SIGINT')
    .option('-p, --profile <profile>', 'a charter/v1 profile (repeat for several applications)', collect)
    .option(
      '--derive',
      'derive a charter from the image of a container no profile describes (from the image alone: its entrypoint, ports, user, packages); monitored until then',
    )
    .addOption(new Option('--mode <mode>', 'the mode containers start in').choices(['monitor', 'protect']).default('monitor'))
    .requiredOption('--alerts <file>', 'append alert records here, one JSON line each')
    .option('--state-dir <dir>', `where the agent keeps its store and heartbeat (default ${DEFAULT_STATE_DIR})`)
    .option('--label <key=value>', 'watch only containers with this label (repeatable)', collect)
    .option('--socket <path>', `the control socket of \`charter status\` and \`charter mode\` (default ${DEFAULT_CONTROL_SOCKET})`)
    .option('--no-socket', 'serve no control socket')
    .option('--metrics <address>', `serve Prometheus metrics on this loopback address (e.g. ${DEFAULT_METRICS_ADDRESS})`)
    .option('--response-policy <file>', 'raise the response ladder in protect mode (docs/agent.md, "Response policy")')
    .action(async (flags: AgentFlags) => {
      if ((flags.profile ?? []).length === 0 && flags.derive !== true)
        throw new UserError('charter agent needs --profile FILE (repeatable) or --derive (charters derived from the images)');
      const profiles = flags.profile ?? [];
      // The policy is read before anything runs: a bad one is refused like a bad profile.
      const responsePolicy = flags.responsePolicy !== undefined ? await loadResponsePolicy(flags.responsePolicy) : undefined;
      const services: AgentService[] = [];
      const socket = flags.socket === false ? undefined : typeof flags.socket === 'string' ? flags.socket : DEFAULT_CONTROL_SOCKET;
      if (socket !== undefined) services.push((control) => startControlServer(socket, control));
      const metrics = flags.metrics;
      if (metrics !== undefined) parseListenAddress(metrics); // a bad address is refused before anything runs
      if (metrics !== undefined) services.push((control) => startMetricsServer(metrics, () => control.status()));
      // Signals are taken from the start: one during start-up stops the agent as soon as it is up.
      let signalled: (name: string) => void = () => undefined;
      const stopRequest = new Promise<string>((resolve) => (signalled = resolve));
      const onSignal = (name: NodeJS.Signals): void => signalled(name);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        const mode: Mode = flags.mode;
        const agent = await runAgent(
          {
            profiles,
            ...(flags.derive === true ? { derive: (rc) => deriveCharterFromImage(rc.imageId ?? rc.image, rc.name) } : {}),
            mode,
            alertsFile: flags.alerts,
            ...(flags.stateDir !== undefined ? { stateDir: flags.stateDir } : {}),
            ...(flags.label !== undefined ? { labels: flags.label } : {}),
            ...(responsePolicy !== undefined ? { responsePolicy } : {}),
            services,
          },
          {
            info: (line) => ctx.io.stdout(`${escapeTerminal(line)}\n`),
            warn: (line) => ctx.io.stderr(`warning: ${line}\n`),
            onRecords: (rs) => ctx.io.stdout(rs.map(renderRecord).join('')),
          },
        );
        const s = agent.started;
        ctx.io.stdout(
          `charter agent: ready, watching ${s.containers} containers with ${profiles.length} profile${profiles.length === 1 ? '' : 's'}${flags.derive === true ? ' (and charters derived from images)' : ''} in ${mode} mode; alerts to ${escapeTerminal(flags.alerts)}\n`,
        );
        try {
          const signal = await Promise.race([stopRequest, agent.failed]);
          ctx.io.stdout(`charter agent: ${signal}, stopping\n`);
        } finally {
          await agent.stop();
        }
        ctx.io.stdout('charter agent: stopped\n');
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    });
}
