/**
 * `charter mode <container> <learn|monitor|protect>`: switches one watched container's mode in a
 * running agent. Exit 0 with the new state printed; 2 for an unknown container (the agent's own
 * message) or when no agent listens on the socket.
 */
import { Argument, type Command } from 'commander';
import { MODES, type Mode } from '../../model/verdicts.js';
import { DEFAULT_CONTROL_SOCKET, setAgentMode } from '../../runtime/agent/control.js';
import type { WatchedContainer } from '../../runtime/agent/types.js';
import { terminalLines } from '../../util/terminal-text.js';
import type { CommandContext } from './context.js';

/** The container's state after the switch; limits say where the mode is gentler than asked. */
export function renderModeChange(c: WatchedContainer): string {
  return terminalLines([`${c.name} (${c.id.slice(0, 12)}): ${c.mode}`, ...c.limits.map((l) => `  limited: ${l}`)]);
}

export function registerModeCommand(program: Command, ctx: CommandContext): void {
  program
    .command('mode')
    .description("switch a watched container's mode in the running agent (learn, monitor, protect)")
    .argument('<container>', 'the container: its id, short id or name')
    .addArgument(new Argument('<mode>', 'the new mode').choices(MODES))
    .option('--socket <path>', "the agent's control socket", DEFAULT_CONTROL_SOCKET)
    .action(async (container: string, mode: Mode, flags: { socket: string }) => {
      ctx.io.stdout(renderModeChange(await setAgentMode(flags.socket, container, mode)));
    });
}
