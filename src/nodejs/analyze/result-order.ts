/** Stable output: results sorted by location, then by name; duplicates dropped. */
import type { ApiUse, Location, Uncertainty } from '../types.js';
import { compareStrings } from '../../util/sort.js';

function cmpLoc(a: Location, b: Location): number {
  return compareStrings(a.file, b.file) || a.line - b.line || a.column - b.column;
}

export function sortApis(list: ApiUse[]): ApiUse[] {
  return list.sort((a, b) => cmpLoc(a.at, b.at) || compareStrings(a.api, b.api));
}

export function sortByLocation<T extends { at: Location }>(list: T[]): T[] {
  return list.sort((a, b) => cmpLoc(a.at, b.at));
}

export function dedupeUncertainties(list: Uncertainty[]): Uncertainty[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const k = `${u.kind}\0${u.at.file}\0${u.at.line}\0${u.at.column}\0${u.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sortUncertainties(list: Uncertainty[]): Uncertainty[] {
  return list.sort((a, b) => cmpLoc(a.at, b.at) || compareStrings(a.kind, b.kind) || compareStrings(a.message, b.message));
}
