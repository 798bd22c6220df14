// The bundled example's profile and its compiled forms are golden files: any change to what
// Charter derives shows up as a reviewed diff. CHARTER_UPDATE_GOLDEN=1 regenerates them.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { profileTargets, repoRoot } from '../src/test-support/profile.js';
import { EMITTERS } from '../src/emit/index.js';
import { CharterSchema } from '../src/model/charter.js';
import { expectGolden } from '../src/test-support/golden.js';
import { charterToJson, parseCharter } from '../src/profile/serialize.js';
import { containerSyscalls } from '../src/profile/syscalls.js';

const goldenDir = join(repoRoot, 'test/golden/shop');

function golden(name: string, actual: string): void {
  expectGolden(join(goldenDir, name), actual);
}

describe('the bundled example', async () => {
  const charter = await profileTargets([join(repoRoot, 'examples/shop')], {}, 'shop');

  it('profile matches its golden file and validates', () => {
    expect(CharterSchema.safeParse(charter).success).toBe(true);
    expect(charter.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    golden('shop.charter.json', charterToJson(charter));
  });

  it('the golden file reads back to the same profile', () => {
    expect(parseCharter(charterToJson(charter), 'shop.charter.json')).toEqual(charter);
  });

  it.each(EMITTERS.map((e) => e.id))('emit --as %s matches its golden files', (id) => {
    const emitter = EMITTERS.find((e) => e.id === id);
    const out = emitter?.emit(charter, { container: 'api' });
    for (const f of out?.files ?? []) golden(`${id}--${f.name}`, f.content);
  });

  it('every allow-rule carries a source', () => {
    for (const g of charter.syscallGroups ?? []) expect(g.sources.length, `syscall group ${g.id}`).toBeGreaterThan(0);
    for (const c of charter.containers) {
      const syscalls = containerSyscalls(charter, c);
      const rules = [
        ...c.processes,
        ...c.network.listen,
        ...c.network.ingress,
        ...c.network.egress,
        ...c.filesystem.writable,
        ...c.capabilities,
        ...syscalls['container-runtime'],
        ...syscalls['language-runtime'],
        ...syscalls.application,
      ];
      for (const r of rules) expect(r.sources.length, `${c.name} ${JSON.stringify(r).slice(0, 80)}`).toBeGreaterThan(0);
    }
  });
});
