/** `charter db import` and `charter db status`: the local OSV vulnerability database. */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UserError } from '../../model/errors.js';
import { openSqliteVulnStore } from '../../store/vulns/sqlite/index.js';
import { defaultVulnDbPath } from '../../store/vulns/paths.js';
import type { StoreStatus } from '../../store/vulns/types.js';
import { dbStatus, importOsv } from '../../vulns/import.js';
import { createProgress } from '../progress.js';
import { terminalLines } from '../../util/terminal-text.js';
import type { CommandContext } from './context.js';

export function renderStatus(path: string, s: StoreStatus): string {
  const lines = [
    `database: ${path}`,
    `advisories: ${s.advisories} (${s.withdrawn} withdrawn)`,
    `last import: ${s.lastImport ?? 'never'}`,
    `newest record: ${s.newestModified ?? '-'}`,
    ...(s.perEcosystem.length > 0 ? ['per ecosystem:', ...s.perEcosystem.map((e) => `  ${e.ecosystem.padEnd(24)} ${e.advisories}`)] : []),
  ];
  return terminalLines(lines);
}

export function registerDbCommand(program: Command, ctx: CommandContext): void {
  const db = program.command('db').description('the local vulnerability database (OSV records)');

  db.command('import')
    .description('import OSV records from directories, .json files and .zip archives (atomic, incremental)')
    .argument('<paths...>', 'OSV record directories, files or zip archives')
    .option('--db <path>', 'database file (default: $CHARTER_DATA_DIR/vulns.db, else $XDG_DATA_HOME/charter/vulns.db)')
    .action(async (paths: string[], flags: { db?: string }) => {
      const { io } = ctx;
      const file = flags.db ?? defaultVulnDbPath();
      for (const p of paths) if (!existsSync(p)) throw new UserError('no such file or directory', p);
      const store = openSqliteVulnStore(file);
      const progress = createProgress(io.isTTY);
      try {
        const r = await importOsv(store, paths, {
          progressEvery: 200,
          onProgress: (p) => {
            const n = p.imported + p.updated + p.skipped + p.invalid;
            progress.update(`${n} records, ${p.file}`, n, n + 1);
          },
        }).finally(() => progress.stop());
        for (const bad of r.invalid.slice(0, 50))
          io.stderr(
            `warning: ${[bad.file, bad.line, bad.column].filter((x) => x !== undefined).join(':')}: ${bad.reason} [db/invalid-record]\n`,
          );
        if (r.invalidCount > 50) io.stderr(`warning: … and ${r.invalidCount - 50} more invalid records\n`);
        io.stdout(`imported ${r.imported}, updated ${r.updated}, unchanged ${r.skipped}, invalid ${r.invalidCount} → ${file}\n`);
      } finally {
        await store.close();
      }
    });

  db.command('status')
    .description('what the database holds: advisories per ecosystem, last import, newest record')
    .option('--db <path>', 'database file')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: { db?: string; format: 'text' | 'json' }) => {
      const file = flags.db ?? defaultVulnDbPath();
      if (!existsSync(file)) throw new UserError('no vulnerability database here: run charter db import', file);
      const store = openSqliteVulnStore(file, { mustExist: true });
      try {
        const s = await dbStatus(store);
        ctx.io.stdout(flags.format === 'json' ? `${JSON.stringify({ database: file, ...s }, null, 2)}\n` : renderStatus(file, s));
      } finally {
        await store.close();
      }
    });
}
