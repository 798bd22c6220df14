/**
 * `apk` analyzer: installed Alpine packages from `/lib/apk/db/installed` (apk-tools' database:
 * blank-line separated records of one-letter fields). Fields used: `P` name, `V` version, `A`
 * architecture, `o` origin (the source package advisories name), `L` license (an SPDX-ish
 * expression, kept whole).
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { parseStanzas, textOf } from './control.js';
import { osPurl } from './distro.js';

export const APK_INSTALLED = '/lib/apk/db/installed';

export function parseApk(path: string, text: string, layer: string): AnalyzerOutput {
  const { stanzas } = parseStanzas(text, ':', false);
  const components: Component[] = [];
  let incomplete = 0;
  let firstIncomplete = 0;
  for (const { line, fields } of stanzas) {
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) {
      if (incomplete++ === 0) firstIncomplete = line;
      continue;
    }
    const arch = fields.get('A');
    const origin = fields.get('o');
    const license = fields.get('L');
    const c: Component = {
      ecosystem: 'apk',
      name,
      version,
      purl: '',
      sourceName: origin || name,
      sourceVersion: version,
      ...(arch ? { arch } : {}),
      ...(license ? { licenses: [license] } : {}),
      layer,
      path,
    };
    c.purl = osPurl(c);
    components.push(c);
  }
  if (incomplete === 0) return { components };
  return {
    components,
    diagnostics: [
      {
        code: 'apk-incomplete-record',
        severity: 'warning',
        message: `line ${firstIncomplete}: ${incomplete} record(s) without P: or V: were skipped`,
      },
    ],
  };
}

export const apkAnalyzer = {
  type: 'apk',
  version: '1',
  maxBytes: 64 * 1024 * 1024,
  required: (path) => path === APK_INSTALLED,
  analyze: (path, content, layer) => parseApk(path, textOf(content), layer),
} satisfies FileAnalyzer;
