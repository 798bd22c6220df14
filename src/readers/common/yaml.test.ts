import { LineCounter } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from './text.js';
import { MAX_YAML_DEPTH, composeYaml } from './yaml.js';

const compose = (text: string, max?: number) =>
  composeYaml(text, {}, new LineCounter(), decodeUtf8(new TextEncoder().encode(text)).invalidUtf8, max);

describe('composeYaml', () => {
  it(`refuses a document nested deeper than ${MAX_YAML_DEPTH} levels and reads the others`, () => {
    const deep = `a: ${'['.repeat(MAX_YAML_DEPTH + 1)}${']'.repeat(MAX_YAML_DEPTH + 1)}\n`;
    const { documents } = compose(`x: 1\n---\n${deep}---\ny: 2\n`);
    expect(documents.map((d) => d.refused?.code)).toEqual([undefined, 'too-deep', undefined]);
    expect(documents.map((d) => d.doc.toJS() as unknown)).toEqual([{ x: 1 }, null, { y: 2 }]);
  });

  it('reads a document exactly at the depth limit', () => {
    let block = '';
    for (let i = 0; i < MAX_YAML_DEPTH; i++) block += `${' '.repeat(i)}k:\n`;
    expect(compose(`${block}${' '.repeat(MAX_YAML_DEPTH)}v\n`).documents[0]?.refused).toBeUndefined();
  });

  it('refuses block nesting too, without recursing', () => {
    const seq = `${'- '.repeat(MAX_YAML_DEPTH + 5)}x\n`;
    expect(compose(seq).documents[0]?.refused?.code).toBe('too-deep');
  });

  it('refuses a document with a control character, at its offset', () => {
    const { documents } = compose('a: 1\n---\nb: "x\u001by"\n');
    expect(documents[1]?.refused).toMatchObject({ code: 'control-character', offset: 14 });
    expect(documents[1]?.refused?.message).toContain('U+001B (ESC)');
    expect(documents[0]?.refused).toBeUndefined();
  });

  it('refuses a document holding bytes that were not UTF-8', () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('a: 1\n---\nb: '), 0xc3, 0x0a]);
    const { text, invalidUtf8 } = decodeUtf8(bytes);
    const { documents } = composeYaml(text, {}, new LineCounter(), invalidUtf8);
    expect(documents[1]?.refused).toMatchObject({ code: 'invalid-utf8', offset: 12 });
    expect(documents[1]?.refused?.message).toContain('byte 0xC3 at byte offset 12');
  });

  it('stops after the document limit and says where', () => {
    const stream = compose('a: 1\n---\nb: 2\n---\nc: 3\n', 2);
    expect(stream.documents).toHaveLength(2);
    expect(stream.truncatedAt).toBe(14);
  });
});
