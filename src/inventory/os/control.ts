/**
 * Debian control-file paragraphs (deb822, as in `/var/lib/dpkg/status`) and apk's `K:value`
 * records: blank-line separated stanzas. Parsing is tolerant: malformed lines are counted and
 * skipped, continuation lines (multi-line fields like Description) are dropped.
 */

export interface Stanza {
  /** 1-based line of the stanza's first field. */
  line: number;
  fields: Map<string, string>;
}

export interface Stanzas {
  stanzas: Stanza[];
  /** Lines that are neither a field, a continuation nor blank: [line, text]. */
  bad: [number, string][];
}

export const textOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/**
 * Split `text` into stanzas of `key<sep>value` fields. deb822 field names are case-insensitive,
 * so `lowerKeys` folds them; apk keys are single case-sensitive letters.
 */
export function parseStanzas(text: string, sep: ':', lowerKeys: boolean): Stanzas {
  const stanzas: Stanza[] = [];
  const bad: [number, string][] = [];
  let cur: Stanza | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] as string).replace(/\r$/, '');
    if (l.trim() === '') {
      if (cur) stanzas.push(cur);
      cur = undefined;
      continue;
    }
    if (l.startsWith(' ') || l.startsWith('\t')) continue;
    const at = l.indexOf(sep);
    if (at <= 0) {
      if (bad.length < 100) bad.push([i + 1, l.slice(0, 80)]);
      continue;
    }
    cur ??= { line: i + 1, fields: new Map() };
    const key = l.slice(0, at);
    cur.fields.set(lowerKeys ? key.toLowerCase() : key, l.slice(at + 1).trim());
  }
  if (cur) stanzas.push(cur);
  return { stanzas, bad };
}
