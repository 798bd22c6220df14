/** Where the vulnerability database lives by default (an edge: reads the environment). */
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * `$CHARTER_DATA_DIR/vulns.db`, else `$XDG_DATA_HOME/charter/vulns.db`, else
 * `~/.local/share/charter/vulns.db` (the XDG base directory default). Empty variables count as
 * unset, as the XDG specification says.
 */
export function defaultVulnDbPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env['CHARTER_DATA_DIR']) return path.resolve(env['CHARTER_DATA_DIR'], 'vulns.db');
  if (env['XDG_DATA_HOME']) return path.resolve(env['XDG_DATA_HOME'], 'charter', 'vulns.db');
  return path.join(home, '.local', 'share', 'charter', 'vulns.db');
}
