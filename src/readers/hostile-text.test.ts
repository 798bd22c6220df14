/**
 * Hostile and malformed text, generated here, through every text reader: what is refused, what is
 * read with a warning, and that each answer has a position.
 */
import { describe, expect, it } from 'vitest';
import { composeReader } from './compose/index.js';
import { MAX_EXPANDED_LENGTH } from './dockerfile/words.js';
import { MAX_STAGES } from './dockerfile/extract.js';
import { dockerfileReader } from './dockerfile/index.js';
import { kubernetesReader } from './kubernetes/index.js';
import { MAX_DEPENDENCIES_PER_APP, MAX_DEPENDENCIES_PER_FILE } from './marathon/extract.js';
import { marathonReader } from './marathon/index.js';
import { MAX_YAML_DEPTH, MAX_YAML_DOCUMENTS } from './common/yaml.js';
import type { FileReader, ReaderResult } from '../model/fragments.js';
import { readerInput } from './common/text.js';

const enc = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
const readBytes = (reader: FileReader, path: string, bytes: Uint8Array): ReaderResult => reader.read(readerInput(path, bytes));
const codes = (r: ReaderResult): string[] => r.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`);

const pod = (name: string, extra = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c${extra}\n    image: busybox\n`;

describe('kubernetes: refused documents, the rest read', () => {
  it.each([
    ['NUL', '\u0000', 'kubernetes/yaml-control-character'],
    ['ESC', '\u001b', 'kubernetes/yaml-control-character'],
    ['BEL', '\u0007', 'kubernetes/yaml-control-character'],
  ])('a %s in a document refuses that document at its position', (_name, char, code) => {
    const r = kubernetesReader.read({ path: 'a.yaml', text: `${pod('one')}---\n${pod('two', char)}---\n${pod('three')}` });
    expect(r.containers.map((c) => c.key.workload?.name)).toEqual(['one', 'three']);
    expect(codes(r)).toEqual([`${code}@16:12`]);
  });

  it('invalid UTF-8 refuses its document, at the line and column of the first bad byte', () => {
    const r = readBytes(kubernetesReader, 'a.yaml', enc(pod('one'), '---\n', pod('two').replace('busybox', 'busy'), [0xe2, 0x28], '\n'));
    expect(r.containers.map((c) => c.key.workload?.name)).toEqual(['one']);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'kubernetes/yaml-invalid-utf8', severity: 'error', line: 18, column: 1 }),
    ]);
    expect(r.diagnostics[0]?.message).toContain('byte 0xE2 at byte offset');
  });

  it(`nesting deeper than ${MAX_YAML_DEPTH} levels is refused with a position, not a stack overflow`, () => {
    const deep = `${pod('deep')}  x: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`;
    const r = kubernetesReader.read({ path: 'a.yaml', text: `${deep}---\n${pod('after')}` });
    expect(r.containers.map((c) => c.key.workload?.name)).toEqual(['after']);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['kubernetes/yaml-too-deep']);
    expect(r.diagnostics[0]).toMatchObject({ line: 9 });
    expect(r.diagnostics[0]?.message).not.toMatch(/call stack/);
  });

  it(`a stream of more than ${MAX_YAML_DOCUMENTS} documents is cut where the limit is`, () => {
    const r = kubernetesReader.read({ path: 'a.yaml', text: `${pod('first')}${'---\na: 1\n'.repeat(MAX_YAML_DOCUMENTS + 5)}` });
    const cut = r.diagnostics.filter((d) => d.code === 'kubernetes/yaml-too-many-documents');
    expect(cut).toEqual([expect.objectContaining({ line: 9 + 2 * (MAX_YAML_DOCUMENTS - 1), column: 1 })]);
    expect(r.containers).toHaveLength(1);
  }, 30_000);
});

describe('compose', () => {
  it('a control character refuses the file’s document at its position', () => {
    const r = composeReader.read({ path: 'compose.yaml', text: 'services:\n  web:\n    image: nginx\u001b\n' });
    expect(r.containers).toEqual([]);
    expect(codes(r)).toEqual(['compose/yaml-control-character@3:17']);
  });

  it('invalid UTF-8 is reported at its position', () => {
    const r = readBytes(composeReader, 'compose.yaml', enc('services:\n  web:\n    image: ng', [0xff], 'inx\n'));
    expect(codes(r)).toEqual(['compose/yaml-invalid-utf8@3:14']);
  });

  it('deep nesting is refused with a position', () => {
    const r = composeReader.read({
      path: 'compose.yaml',
      text: `services:\n  web:\n    image: x\n    x: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['compose/yaml-too-deep']);
    expect(r.diagnostics[0]).toMatchObject({ line: 4 });
  });
});

describe('dockerfile', () => {
  it('a NUL anywhere refuses the file at its position', () => {
    const r = dockerfileReader.read({ path: 'Dockerfile', text: `FROM debian\n${'# pad\n'.repeat(3000)}USER ro\u0000ot\n` });
    expect(r.containers).toEqual([]);
    expect(codes(r)).toEqual(['dockerfile/binary@3002:8']);
  });

  it('an ESC is read, with a warning at its position', () => {
    const r = dockerfileReader.read({ path: 'Dockerfile', text: 'FROM debian\nUSER ro\u001bot\n' });
    expect(r.containers).toHaveLength(1);
    expect(codes(r)).toEqual(['dockerfile/control-character@2:8']);
  });

  it('invalid UTF-8 is read, with a warning at the first bad sequence', () => {
    const r = readBytes(dockerfileReader, 'Dockerfile', enc('FROM debian\nRUN echo ', [0xc3], ' && echo ', [0xff], '\n'));
    expect(r.containers).toHaveLength(1);
    expect(codes(r)).toEqual(['dockerfile/invalid-utf8@2:10']);
    expect(r.diagnostics[0]?.message).toContain('(and 1 more)');
  });

  it('an unterminated here-document is an error at its marker; what came before is read', () => {
    const r = dockerfileReader.read({ path: 'Dockerfile', text: 'FROM debian\nUSER app\nRUN <<EOF\napt-get install -y curl\nUSER root\n' });
    expect(codes(r)).toContain('dockerfile/unterminated-heredoc@3:5');
    expect(r.containers[0]?.user?.name).toBe('app');
  });

  it('a closed here-document, and a quoted "<<EOF", are not reported', () => {
    const closed = dockerfileReader.read({ path: 'Dockerfile', text: 'FROM debian\nRUN <<-EOF\n\techo hi\n\tEOF\nRUN echo "<<EOF"\n' });
    expect(codes(closed).filter((c) => c.includes('heredoc') && !c.includes('not-read'))).toEqual([]);
  });

  it('a continuation at the end of the file is a warning', () => {
    expect(codes(dockerfileReader.read({ path: 'Dockerfile', text: 'FROM debian\nRUN echo a \\\n  b \\' }))).toEqual([
      'dockerfile/continuation-at-end@3:5',
    ]);
  });

  it(`variables that double themselves stop at ${MAX_EXPANDED_LENGTH} characters with a warning`, () => {
    const doubling = Array.from({ length: 40 }, () => 'ARG A=${A}${A}').join('\n');
    const r = dockerfileReader.read({ path: 'Dockerfile', text: `ARG A=xxxxxxxx\n${doubling}\nFROM debian:$A\nENV B=$A\nUSER $A\n` });
    const messages = r.diagnostics.map((d) => d.message).join('\n');
    expect(messages).not.toMatch(/Invalid string length/);
    expect(r.diagnostics.some((d) => d.code === 'dockerfile/expansion-too-long' && d.line !== undefined)).toBe(true);
    expect(JSON.stringify(r).length).toBeLessThan(1_000_000);
  });

  it(`more than ${MAX_STAGES} stages are refused at the first stage over`, () => {
    const stages = Array.from({ length: MAX_STAGES + 10 }, (_, i) => `FROM ${i === 0 ? 'debian' : `s${i - 1}`} AS s${i}\nENV A${i}=1`).join(
      '\n',
    );
    const r = dockerfileReader.read({ path: 'Dockerfile', text: stages });
    expect(r.containers).toEqual([]);
    expect(codes(r)).toContain(`dockerfile/too-many-stages@${2 * MAX_STAGES + 1}:1`);
  });
});

describe('marathon', () => {
  it('invalid UTF-8 refuses the file at its position', () => {
    const r = readBytes(marathonReader, 'app.json', enc('{\n  "id": "a', [0xc3], '",\n  "cmd": "x"\n}'));
    expect(r.containers).toEqual([]);
    expect(codes(r)).toEqual(['marathon/invalid-utf8@2:11']);
  });

  it('a control character in a string is a syntax error at its position', () => {
    expect(codes(marathonReader.read({ path: 'app.json', text: '{"id": "a\u001b", "cmd": "x"}' }))).toEqual(['marathon/json-syntax@1:10']);
  });

  it(`groups nested thousands deep are refused at the JSON depth limit, with a position`, () => {
    let g = '{"id":"/"';
    for (let i = 0; i < 3000; i++) g += `,"groups":[{"id":"g${i}"`;
    g += `${'}]'.repeat(3000)}}`;
    const r = marathonReader.read({ path: 'group.json', text: g });
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'marathon/json-syntax', line: 1 })]);
  });

  it(`dependencies on groups expand to at most ${MAX_DEPENDENCIES_PER_APP} per app and ${MAX_DEPENDENCIES_PER_FILE} per file`, () => {
    const apps = Array.from({ length: 1500 }, (_, i) => `{"id":"/g/a${i}","cmd":"x","dependencies":["/"]}`);
    const r = marathonReader.read({ path: 'apps.json', text: `[${apps.join(',')}]` });
    expect(Math.max(...r.containers.map((c) => c.dependsOn.length))).toBeLessThanOrEqual(MAX_DEPENDENCIES_PER_APP);
    expect(r.containers.reduce((n, c) => n + c.dependsOn.length, 0)).toBeLessThanOrEqual(MAX_DEPENDENCIES_PER_FILE);
    expect(r.diagnostics.some((d) => d.code === 'marathon/too-many-dependencies' && d.line !== undefined)).toBe(true);
  }, 30_000);
});
