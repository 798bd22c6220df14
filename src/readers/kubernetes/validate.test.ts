import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { parseLenient } from './validate.js';

const Schema = z.looseObject({
  name: z.string(),
  tags: z.array(z.string()).optional(),
  probe: z
    .looseObject({
      httpGet: z.looseObject({ port: z.number(), path: z.string().optional() }).optional(),
      exec: z.looseObject({ command: z.array(z.string()) }).optional(),
    })
    .optional(),
  flag: z.boolean().optional(),
});

describe('parseLenient', () => {
  it.each([
    {
      label: 'valid input is returned as is',
      input: { name: 'a', flag: true, extra: 1 },
      data: { name: 'a', flag: true, extra: 1 },
      removed: [],
    },
    {
      label: 'a field of the wrong type is dropped',
      input: { name: 'a', flag: 'yes' },
      data: { name: 'a' },
      removed: [['flag']],
    },
    {
      label: 'a bad item of a scalar list drops the list',
      input: { name: 'a', tags: ['x', 3] },
      data: { name: 'a' },
      removed: [['tags']],
    },
    {
      label: 'a missing required nested field drops its owner only',
      input: { name: 'a', probe: { httpGet: { path: '/x' }, exec: { command: ['true'] } } },
      data: { name: 'a', probe: { exec: { command: ['true'] } } },
      removed: [['probe', 'httpGet']],
    },
    {
      label: 'two issues under one removed owner do not drop the value',
      input: { name: 'a', probe: { httpGet: { path: 5 } } },
      data: { name: 'a', probe: {} },
      removed: [
        ['probe', 'httpGet'],
        ['probe', 'httpGet'],
      ],
    },
    {
      label: 'a missing required top-level field drops everything',
      input: { flag: true },
      data: undefined,
      removed: [[]],
    },
    {
      label: 'a non-object is dropped',
      input: 'just a string',
      data: undefined,
      removed: [[]],
    },
  ])('$label', ({ input, data, removed }) => {
    const result = parseLenient(Schema, input);
    expect(result.data).toEqual(data);
    expect(result.issues.map((i) => i.removed)).toEqual(removed);
  });

  it('does not modify its input', () => {
    const input = { name: 'a', flag: 'yes' };
    parseLenient(Schema, input);
    expect(input).toEqual({ name: 'a', flag: 'yes' });
  });
});
