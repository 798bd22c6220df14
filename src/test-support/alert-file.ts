/**
 * The agent's alerts file as tests read it: its JSON lines, and a wait for the records a test
 * expects (the agent appends them a few milliseconds after the kernel's event).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { AlertRecord } from '../runtime/agent/types.js';

/** Every record of the alerts file so far (none when it does not exist yet). */
export function alertRecords(file: string): AlertRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AlertRecord);
}

/** The records once `want` accepts them, waiting up to ten seconds; fails with the file's tail. */
export async function untilAlerts(file: string, want: (rs: AlertRecord[]) => boolean, what: string): Promise<AlertRecord[]> {
  for (let i = 0; i < 200; i++) {
    const rs = alertRecords(file);
    if (want(rs)) return rs;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${what} in ${file}:\n${existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : '(no file)'}`);
}
