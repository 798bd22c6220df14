/** Every package installed under the application's node_modules, as `name@version` (for unreached packages). */
import type { AppFs } from './app-fs.js';
import type { Resolver } from './resolve.js';

/** Walks node_modules trees (nested ones included), following each real directory once, at most `maxPackages` packages. */
export async function installedPackages(fs: AppFs, resolver: Resolver, maxPackages: number): Promise<Set<string>> {
  const out = new Set<string>();
  const visited = new Set<string>();
  const walk = async (nm: string): Promise<void> => {
    const names = await fs.readdir(nm);
    if (!names) return;
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const dirs = name.startsWith('@') ? ((await fs.readdir(`${nm}/${name}`)) ?? []).map((n) => `${nm}/${name}/${n}`) : [`${nm}/${name}`];
      for (const d of dirs) {
        if (out.size >= maxPackages) return;
        const real = await fs.realpath(d);
        if (!real.ok || visited.has(real.path)) continue;
        visited.add(real.path);
        if ((await resolver.kind(real.path)) !== 'dir') continue;
        const pj = await resolver.packageJson(real.path);
        if (pj) out.add(`${pj.name ?? d.slice(nm.length + 1)}@${pj.version ?? 'unknown'}`);
        await walk(`${real.path}/node_modules`);
      }
    }
  };
  await walk('node_modules');
  return out;
}
