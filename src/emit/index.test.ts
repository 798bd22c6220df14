import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../model/errors.js';
import { EMITTERS, emitterFor, emitterTable, type Emitter } from './index.js';
import { goldenDir } from './fixtures/golden.js';
import { sampleCharter, shuffled } from './fixtures/sample-charter.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(path.join(here, 'README.md'), 'utf8');

describe('emitter registry', () => {
  it('throws on a duplicate id', () => {
    const first = EMITTERS[0] as Emitter;
    expect(() => emitterTable([first, { ...first }])).toThrow(/duplicate emitter id seccomp/);
  });

  it('finds emitters by id', () => {
    expect(emitterFor('network-policy')?.id).toBe('network-policy');
    expect(emitterFor('falco')).toBeUndefined();
  });

  describe.each(EMITTERS.map((e) => [e.id, e] as const))('%s', (id, emitter) => {
    it('has a kebab-case id, a description, a file extension, tests, goldens and a README section', () => {
      expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(emitter.description.length).toBeGreaterThan(10);
      expect(emitter.fileExtension).toMatch(/^\.[a-z.]+$/);
      expect(existsSync(path.join(here, `${id}.ts`)), `${id}.ts`).toBe(true);
      expect(existsSync(path.join(here, `${id}.test.ts`)), `${id}.test.ts`).toBe(true);
      expect(existsSync(goldenDir(id)), `golden files for ${id}`).toBe(true);
      expect(readme).toContain(`## \`${id}\``);
    });

    it('writes files with its extension, deterministically and whatever the input order', () => {
      const a = emitter.emit(sampleCharter(), {});
      expect(a.files.length).toBeGreaterThan(0);
      expect(a.files.some((f) => f.name.endsWith(emitter.fileExtension))).toBe(true);
      for (const f of a.files) {
        expect(f.name).not.toContain('/');
        expect(f.content.endsWith('\n')).toBe(true);
      }
      expect(emitter.emit(sampleCharter(), {})).toEqual(a);
      expect(emitter.emit(shuffled(sampleCharter()), {})).toEqual(a);
    });

    it('emits one container on request and refuses an unknown one', () => {
      const all = emitter
        .emit(sampleCharter(), {})
        .files.map((f) => `${f.name}\n${f.content}`)
        .join('\n');
      const one = emitter
        .emit(sampleCharter(), { container: 'db' })
        .files.map((f) => `${f.name}\n${f.content}`)
        .join('\n');
      expect(all).toContain('batch');
      expect(one).not.toContain('batch');
      expect(() => emitter.emit(sampleCharter(), { container: 'nope' })).toThrow(UserError);
      expect(() => emitter.emit(sampleCharter(), { container: 'nope' })).toThrow(
        /no container "nope" in profile shop; containers: batch, db, web/,
      );
    });

    it('refuses two containers that would share a file name', () => {
      const charter = sampleCharter();
      const [web] = charter.containers;
      if (web === undefined) throw new Error('fixture');
      charter.containers.push({ ...structuredClone(web), name: '/web' });
      expect(() => emitter.emit(charter, {})).toThrow(/containers "\/web" and "web" would both be written as "web"/);
    });
  });
});
