import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.js';

describe('interpolate', () => {
  const table: [string, string, boolean, string[]][] = [
    ['plain', 'plain', true, []],
    ['$$HOME', '$HOME', true, []],
    ['${TAG:-latest}', 'latest', true, []],
    ['${TAG-latest}', 'latest', true, []],
    ['app:${TAG:-1.0}-${FLAVOR:-slim}', 'app:1.0-slim', true, []],
    ['${A:-${B:-deep}}', 'deep', true, []],
    ['${A:-x${B}y}', 'xy', false, ['B']],
    ['${REGISTRY}/app', '/app', false, ['REGISTRY']],
    ['$USER@$HOST', '@', false, ['USER', 'HOST']],
    ['${PASS:?password required}', '', false, ['PASS']],
    ['${DEBUG:+--debug}', '', false, ['DEBUG']],
    ['', '', true, []],
  ];
  it.each(table)('%j', (input, text, complete, missing) => {
    const r = interpolate(input);
    expect(r).toMatchObject({ text, complete, missing });
    expect(r.error).toBeUndefined();
  });

  const bad: [string, RegExp][] = [
    ['cost $5', /invalid "\$"/],
    ['${UNCLOSED', /unclosed/],
    ['${1BAD}', /invalid variable/],
    ['${A!b}', /invalid variable/],
  ];
  it.each(bad)('flags %j', (input, error) => {
    const r = interpolate(input);
    expect(r.complete).toBe(false);
    expect(r.error).toMatch(error);
  });

  it('bounds nesting depth', () => {
    const deep = '${A:-'.repeat(200) + 'x' + '}'.repeat(200);
    const r = interpolate(deep);
    expect(r.complete).toBe(false);
    expect(r.error).toMatch(/nested too deeply/);
  });
});
