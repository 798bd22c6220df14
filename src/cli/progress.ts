/** A progress bar on stderr when attached to a terminal; silent otherwise (CI logs stay clean). */
import cliProgress from 'cli-progress';
import { escapeTerminal } from '../util/terminal-text.js';

export interface Progress {
  update(label: string, done: number, total: number): void;
  stop(): void;
}

export function createProgress(enabled: boolean): Progress {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {label}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(raw, done, total) {
      // Labels name files from the inputs: shown inert.
      const label = escapeTerminal(raw);
      if (!started) {
        bar.start(Math.max(total, 1), 0, { label });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { label: label.length > 60 ? `…${label.slice(-59)}` : label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
