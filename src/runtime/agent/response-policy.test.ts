import { describe, expect, it } from 'vitest';
import { parseResponsePolicy } from './response-policy.js';

const head = 'apiVersion: charter/v1\nkind: ResponsePolicy\n';

describe('response policy file', () => {
  it('reads every kind of rule, global and per container, each with its place', () => {
    const text = `${head}patterns:\n  reverse-shell: kill\nclassifications:\n  drift: kill\nkinds:\n  privilege: stop\nany: deny\ncontainers:\n  payments:\n    classifications: { attack: pause }\n    any: block-peer\n`;
    const { policy, diagnostics } = parseResponsePolicy(text, 'response.yaml');
    expect(diagnostics).toEqual([]);
    expect(policy?.rules).toEqual([
      { match: { on: 'any' }, step: 'deny', file: 'response.yaml', line: 9, column: 1 },
      { match: { on: 'pattern', id: 'reverse-shell' }, step: 'kill', file: 'response.yaml', line: 4, column: 3 },
      { match: { on: 'classification', value: 'drift' }, step: 'kill', file: 'response.yaml', line: 6, column: 3 },
      { match: { on: 'kind', value: 'privilege' }, step: 'stop', file: 'response.yaml', line: 8, column: 3 },
      { container: 'payments', match: { on: 'any' }, step: 'block-peer', file: 'response.yaml', line: 13, column: 5 },
      {
        container: 'payments',
        match: { on: 'classification', value: 'attack' },
        step: 'pause',
        file: 'response.yaml',
        line: 12,
        column: 24,
      },
    ]);
  });

  it('reads JSON too', () => {
    const { policy } = parseResponsePolicy(
      '{"apiVersion":"charter/v1","kind":"ResponsePolicy","patterns":{"fileless-memfd":"kill"}}',
      'r.json',
    );
    expect(policy?.rules).toEqual([{ match: { on: 'pattern', id: 'fileless-memfd' }, step: 'kill', file: 'r.json', line: 1, column: 64 }]);
  });

  it('a file with no rules is the default policy', () => {
    expect(parseResponsePolicy(head, 'r.yaml').policy).toEqual({ rules: [] });
  });

  it('reports every problem at once, each with file, line and column and a stable code', () => {
    const text = `${head}patterns:\n  reverse-shel: kill\n  reverse-shell: nuke\nclassifications:\n  drfit: kill\nkinds:\n  exex: kill\ncontainer:\n  api: { any: kill }\ncontainers:\n  api:\n    anything: kill\n`;
    const { policy, diagnostics } = parseResponsePolicy(text, 'bad.yaml');
    expect(policy).toBeUndefined();
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message.split(':')[0]}`)).toEqual([
      '4:3 response-policy/unknown-pattern unknown pattern "reverse-shel" at /patterns',
      '5:18 response-policy/bad-step bad step "nuke"',
      '7:3 response-policy/unknown-key unknown classification "drfit" at /classifications',
      '9:3 response-policy/unknown-key unknown event kind "exex" at /kinds',
      '10:1 response-policy/unknown-key unknown key "container"',
      '14:5 response-policy/unknown-key unknown key "anything" at /containers/api',
    ]);
    expect(diagnostics.every((d) => d.file === 'bad.yaml' && d.severity === 'error')).toBe(true);
  });

  it('an unknown pattern id is an error at its key (a typo must not leave a container at its default)', () => {
    const { policy, diagnostics } = parseResponsePolicy(`${head}patterns:\n  reverse-shel: kill\n`, 'p.yaml');
    expect(policy).toBeUndefined();
    expect(diagnostics).toMatchObject([
      {
        code: 'response-policy/unknown-pattern',
        line: 4,
        column: 3,
        message: expect.stringMatching(/^unknown pattern "reverse-shel"/) as unknown,
      },
    ]);
  });

  it.each([
    ['empty', '', 'response-policy/empty', 1, 1],
    ['a YAML syntax error', `${head}patterns: [\n`, 'response-policy/syntax', 4, 1],
    ['a duplicate key', `${head}any: kill\nany: stop\n`, 'response-policy/syntax', 4, 1],
    ['the wrong kind', 'apiVersion: charter/v1\nkind: Policy\n', 'response-policy/invalid', 2, 7],
    ['no apiVersion', 'kind: ResponsePolicy\n', 'response-policy/invalid', 1, 1],
    ['a list', '- 1\n', 'response-policy/invalid', 1, 1],
    ['a pattern id too long to be one', `${head}patterns:\n  ${'p'.repeat(200)}: kill\n`, 'response-policy/invalid', 4, 3],
    ['a step that is not text', `${head}any: [kill]\n`, 'response-policy/bad-step', 3, 6],
    ['deep nesting', `${head}x: ${'['.repeat(300)}${']'.repeat(300)}\n`, 'response-policy/too-deep', 3, 260],
    ['too large', `${head}#${'x'.repeat(300_000)}\n`, 'response-policy/too-large', 1, 1],
    [
      'an alias bomb',
      `${head}a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`,
      'response-policy/syntax',
      1,
      1,
    ],
  ])('%s → %s at %i:%i', (_n, text, code, line, column) => {
    const { policy, diagnostics } = parseResponsePolicy(text, 'x.yaml');
    expect(policy).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ code, line, column });
  });
});
