/**
 * `python` analyzer: installed distributions under `site-packages`/`dist-packages`, from
 * `*.dist-info/METADATA` (wheels, pip) and `*.egg-info/PKG-INFO` or a plain `*.egg-info` file
 * (setuptools; Debian's python3-* packages install the latter). Core metadata is RFC 822 headers
 * (https://packaging.python.org/specifications/core-metadata/): Name, Version, License-Expression
 * (metadata 2.4), License, and `Classifier: License :: …`.
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import { buildPurl } from '../purl.js';
import type { Component } from '../../model/components.js';
import { cleanLicense, isRegularOrUnknown, plausibleVersion, quote, textOf, MAX_LICENSES } from './common.js';

/** PEP 503 normalised name: lower case, runs of `-`, `_`, `.` become one `-`. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function pypiPurl(name: string, version: string): string {
  return buildPurl({ type: 'pypi', name: normalizePypiName(name), version });
}

export function isPythonMetadata(path: string): boolean {
  if (!path.includes('/site-packages/') && !path.includes('/dist-packages/')) return false;
  return path.endsWith('.dist-info/METADATA') || path.endsWith('.egg-info/PKG-INFO') || path.endsWith('.egg-info');
}

/**
 * Trove license classifiers with one unambiguous SPDX id. Others ("Apache Software License",
 * "BSD License") do not say which version or variant, so their text is kept as is.
 */
const CLASSIFIER_SPDX: Readonly<Record<string, string>> = {
  'MIT License': 'MIT',
  'MIT No Attribution License (MIT-0)': 'MIT-0',
  'ISC License (ISCL)': 'ISC',
  'Apache Software License 2.0 (Apache-2.0)': 'Apache-2.0',
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'Python Software Foundation License': 'PSF-2.0',
  'The Unlicense (Unlicense)': 'Unlicense',
  'Zero-Clause BSD (0BSD)': '0BSD',
  'zlib/libpng License': 'Zlib',
  'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
  'Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
};

interface Headers {
  /** Lower-cased field name → values in order (Classifier repeats). */
  fields: Map<string, string[]>;
}

/** The header block (up to the first blank line); continuation lines extend the previous value. */
export function parseHeaders(text: string): Headers {
  const fields = new Map<string, string[]>();
  let last: { key: string; index: number } | undefined;
  let lines = 0;
  for (const raw of text.split('\n')) {
    // Header blocks are small; the body (the long description) is not read.
    if (++lines > 10_000) break;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') break;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      const values = fields.get(last.key) as string[];
      const prev = values[last.index] as string;
      if (prev.length < 4096) values[last.index] = `${prev}\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const values = fields.get(key) ?? [];
    if (values.length >= 1000) continue;
    values.push(value);
    fields.set(key, values);
    last = { key, index: values.length - 1 };
  }
  return { fields };
}

export function pythonLicenses(h: Headers): string[] {
  const out: string[] = [];
  const add = (v: string | undefined): void => {
    const l = v === undefined ? undefined : cleanLicense(v);
    if (l !== undefined && out.length < MAX_LICENSES && !out.includes(l)) out.push(l);
  };
  add(h.fields.get('license-expression')?.[0]);
  if (out.length === 0) add(h.fields.get('license')?.[0]);
  if (out.length === 0) {
    for (const c of h.fields.get('classifier') ?? []) {
      if (!c.startsWith('License ::')) continue;
      const leaf = c.split('::').pop()?.trim() ?? '';
      if (leaf === 'OSI Approved' || leaf === '') continue;
      add(CLASSIFIER_SPDX[leaf] ?? leaf);
    }
  }
  return out;
}

export function analyzePythonMetadata(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  const h = parseHeaders(textOf(content));
  const name = h.fields.get('name')?.[0];
  const version = h.fields.get('version')?.[0];
  if (!name || !version) {
    return {
      diagnostics: [{ code: 'python-missing-name-version', severity: 'warning', message: `${path}: metadata without Name or Version` }],
    };
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name) || name.length > 200) {
    return {
      diagnostics: [
        { code: 'python-invalid-name', severity: 'warning', message: `${path}: ${quote(name)} is not a valid distribution name` },
      ],
    };
  }
  if (!plausibleVersion(version)) {
    return {
      diagnostics: [{ code: 'python-invalid-version', severity: 'warning', message: `${path}: ${quote(version)} is not a valid version` }],
    };
  }
  const licenses = pythonLicenses(h);
  const c: Component = {
    ecosystem: 'pypi',
    name,
    version,
    purl: pypiPurl(name, version),
    ...(licenses.length > 0 ? { licenses } : {}),
    layer,
    path,
  };
  return { components: [c] };
}

export const pythonAnalyzer = {
  type: 'python',
  version: '1',
  // METADATA embeds the long description (README); a few MiB at most in practice.
  maxBytes: 8 * 1024 * 1024,
  required: (path, info) => isRegularOrUnknown(info.mode) && isPythonMetadata(path),
  analyze: analyzePythonMetadata,
} satisfies FileAnalyzer;
