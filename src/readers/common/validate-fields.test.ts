import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateFields } from './validate-fields.js';

const Schema = z.looseObject({ id: z.string(), ports: z.array(z.number()).optional(), name: z.string().optional() });

describe('validateFields', () => {
  it('passes valid objects through, unknown keys kept', () => {
    expect(validateFields(Schema, { id: 'a', extra: 1 })).toEqual({ data: { id: 'a', extra: 1 }, issues: [] });
  });
  it('drops bad optional fields and reports each once', () => {
    const r = validateFields(Schema, { id: 'a', ports: 'x', name: 3 });
    expect(r.data).toEqual({ id: 'a' });
    expect(r.issues.map((i) => i.path)).toEqual([['ports'], ['name']]);
  });
  it('reports nested paths', () => {
    const r = validateFields(Schema, { id: 'a', ports: [1, 'two'] });
    expect(r.issues).toEqual([{ path: ['ports', 1], message: 'expected number' }]);
  });
  it('gives up on a bad or missing required field, reporting it once', () => {
    expect(validateFields(Schema, { id: 5 })).toEqual({ issues: [{ path: ['id'], message: 'expected string' }] });
    expect(validateFields(Schema, {}).data).toBeUndefined();
    expect(validateFields(Schema, 'nope')).toEqual({ issues: [{ path: [], message: 'expected object' }] });
  });
});
