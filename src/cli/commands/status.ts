/**
 * `charter status`: what a running agent watches, asked over its control socket. The agent answers
 * from memory; this command only renders. Exit 0 with an answer, 2 when no agent listens there.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_CONTROL_SOCKET, agentStatus } from '../../runtime/agent/control.js';
import type { AgentStatus, WatchedContainer } from '../../runtime/agent/types.js';
import { escapeTerminal, textColumns } from '../../util/terminal-text.js';
import type { CommandContext } from './context.js';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function charterOf(c: WatchedContainer): string {
  return c.charter ? `${c.charter.container} (${c.charter.profile})` : '-';
}

/** The status as a person reads it: the agent and its sensor in two lines, then one row a container. */
export function renderAgentStatus(s: AgentStatus): string {
  const sensor = s.sensor.running ? 'running' : 'NOT RUNNING';
  const kinds = Object.entries(s.events)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => `${k} ${n}`);
  const head = [
    `agent started ${s.startedAt}, ${plural(s.alerts, 'alert')}`,
    `sensor ${sensor}, ${plural(s.sensor.restarts, 'restart')}, ${plural(s.sensor.drops, 'event')} dropped`,
    `events judged: ${kinds.length > 0 ? kinds.join(', ') : 'none yet'}`,
    '',
  ].map((l) => escapeTerminal(l));
  if (s.containers.length === 0) return `${[...head, 'no containers watched'].join('\n')}\n`;
  const rows = [
    ['CONTAINER', 'IMAGE', 'CHARTER', 'MODE', 'EVENTS', 'ALERTS', 'BLOCKED', 'LIMITS'],
    ...s.containers.map((c) => [
      c.name,
      c.image,
      charterOf(c),
      c.mode,
      String(c.events),
      String(c.alerts),
      String(c.blocked),
      c.limits.length > 0 ? c.limits.join('; ') : '-',
    ]),
  ];
  return `${[...head, ...textColumns(rows)].join('\n')}\n`;
}

export function registerStatusCommand(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description("what a running agent watches: each container's charter, mode, limits and counts, and its sensor")
    .option('--socket <path>', "the agent's control socket", DEFAULT_CONTROL_SOCKET)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: { socket: string; format: 'text' | 'json' }) => {
      const status = await agentStatus(flags.socket);
      // JSON escapes control characters itself; the table escapes every cell.
      ctx.io.stdout(flags.format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : renderAgentStatus(status));
    });
}
