import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../model/errors.js';
import { profileTargets, repoRoot } from '../test-support/profile.js';
import type { Charter } from '../model/charter.js';
import { parseCharter, toJson, toYaml } from './serialize.js';

let shop: Charter;
beforeAll(async () => {
  shop = await profileTargets([path.join(repoRoot, 'examples/shop')], {}, 'shop');
});

function failure(text: string): UserError {
  try {
    parseCharter(text, 'p.json');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a failure');
}

describe('parseCharter', () => {
  it('reads back what it writes, as JSON (fast path) and as YAML, to the same value', () => {
    expect(parseCharter(toJson(shop), 'p.json')).toEqual(shop);
    expect(parseCharter(toYaml(shop), 'p.yaml')).toEqual(shop);
  });

  it('refuses a duplicate key in JSON, with its position', () => {
    const text = toJson(shop).replace('"apiVersion": "charter/v1",', '"apiVersion": "charter/v1",\n  "apiVersion": "charter/v1",');
    const err = failure(text);
    expect(err.message).toMatch(/not a valid profile: Map keys must be unique/);
    expect(err.line).toBe(3);
  });

  it.each([
    ['JSON', `{"apiVersion":${'['.repeat(100_000)}`, 1],
    ['YAML', `apiVersion: charter/v1\nkind: ${'['.repeat(100_000)}`, 2],
  ])('refuses %s nested 100,000 deep with a position, without overflowing the stack', (_what, text, line) => {
    const err = failure(text);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('not a valid profile: nested more than 256 levels deep');
    expect(err.line).toBe(line);
  });

  it('reads a large JSON profile (80 containers) back to the same value', () => {
    const big: Charter = {
      ...shop,
      containers: Array.from({ length: 80 }, (_, i) => ({
        ...(shop.containers[i % shop.containers.length] as Charter['containers'][number]),
        name: `c${String(i).padStart(2, '0')}`,
      })),
    };
    const text = toJson(big);
    expect(parseCharter(text, 'big.json')).toEqual(big);
  });
});
