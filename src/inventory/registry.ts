/**
 * The one table of file analyzers run over every image layer (and application directory):
 * OS identity and package databases, language packages, secrets. Adding an analyzer means adding
 * it here (or to one of the tables this one concatenates); a meta-test walks the table and checks
 * each entry has a README section, a version and a cheap `required`.
 */
import { secretsAnalyzer } from '../hygiene/secrets/index.js';
import { compareStrings } from '../util/sort.js';
import type { FileAnalyzer } from '../model/analyzer.js';
import { LANG_ANALYZERS } from './lang/index.js';
import { OS_ANALYZERS } from './os/index.js';

/** A table of analyzers; throws when two share a `type` (results and cache keys are by type). */
export function analyzerTable(list: readonly FileAnalyzer[]): readonly FileAnalyzer[] {
  const seen = new Set<string>();
  for (const a of list) {
    if (seen.has(a.type)) throw new Error(`file analyzer type ${JSON.stringify(a.type)} is registered twice`);
    seen.add(a.type);
  }
  return Object.freeze([...list]);
}

export const FILE_ANALYZERS: readonly FileAnalyzer[] = analyzerTable([...OS_ANALYZERS, ...LANG_ANALYZERS, secretsAnalyzer]);

/**
 * What a set of analyzers contributes to a layer cache key: sorted `type@version`, comma-joined.
 * A new, removed or re-versioned analyzer changes the key, so cached layers are analysed again.
 */
export function analyzerKey(analyzers: readonly FileAnalyzer[]): string {
  return analyzers
    .map((a) => `${a.type}@${a.version}`)
    .sort(compareStrings)
    .join(',');
}
