/**
 * Severity of an OSV record: a CVSS score computed from the record's vector when it has one,
 * else the feed's own label (GitHub's `database_specific.severity`, Debian's urgency), else
 * `unknown`.
 *
 * @example
 * severityFromOsv([{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }])
 * // { severity: 'critical', score: 10, vector: 'CVSS:3.1/…', method: 'CVSSv31' }
 */
import type { Severity } from '../../model/findings.js';
import { cvss2BaseScore } from './cvss2.js';
import { cvss3BaseScore } from './cvss3.js';
import { cvss4Score } from './cvss4.js';
import { CvssError } from './vector.js';
import { isRecord } from '../../util/records.js';

export { CvssError, MAX_VECTOR_LENGTH } from './vector.js';
export { cvss2BaseScore } from './cvss2.js';
export { cvss3BaseScore, roundUp30, roundUp31 } from './cvss3.js';
export { cvss4Score, macroVector } from './cvss4.js';

export type CvssMethod = 'CVSSv2' | 'CVSSv3' | 'CVSSv31' | 'CVSSv4';

export interface OsvSeverityEntry {
  type: string;
  score: string;
}

export interface SeverityResult {
  severity: Severity;
  /** The CVSS score, when one was computed from a vector. */
  score?: number;
  /** The vector the score was computed from. */
  vector?: string;
  method?: CvssMethod;
}

export interface CvssScore {
  score: number;
  method: CvssMethod;
  vector: string;
}

/**
 * Score any CVSS vector, telling the version from its prefix (`CVSS:4.0/`, `CVSS:3.1/`,
 * `CVSS:3.0/`, none or `CVSS:2.0/` for v2). Throws {@link CvssError} when it cannot be scored.
 */
export function scoreCvss(vector: string): CvssScore {
  const v = typeof vector === 'string' ? vector.trim() : vector;
  if (typeof v === 'string' && v.startsWith('CVSS:4.0/')) return { score: cvss4Score(v).score, method: 'CVSSv4', vector: v };
  if (typeof v === 'string' && /^CVSS:3\.[01]\//.test(v)) {
    const r = cvss3BaseScore(v);
    return { score: r.score, method: r.version === '3.0' ? 'CVSSv3' : 'CVSSv31', vector: v };
  }
  return { score: cvss2BaseScore(v).score, method: 'CVSSv2', vector: v };
}

/**
 * The qualitative rating of a CVSS v3/v4 score (v3.1 specification §5, v4.0 §6): None 0.0,
 * Low 0.1–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0. "None" maps to `info`.
 */
export function ratingFor(score: number): Severity {
  if (!Number.isFinite(score) || score < 0 || score > 10) return 'unknown';
  if (score === 0) return 'info';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/**
 * CVSS v2 has no rating in its specification; NVD's (Low 0.0–3.9, Medium 4.0–6.9, High
 * 7.0–10.0) is the one every feed uses, so a v2 score never reads as critical.
 */
export function ratingForV2(score: number): Severity {
  if (!Number.isFinite(score) || score < 0 || score > 10) return 'unknown';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  return 'high';
}

/** OSV severity types, most preferred first: the newest CVSS version a record carries wins. */
const PREFERENCE: readonly { type: string; accepts: (m: CvssMethod) => boolean }[] = [
  { type: 'CVSS_V4', accepts: (m) => m === 'CVSSv4' },
  { type: 'CVSS_V3', accepts: (m) => m === 'CVSSv31' || m === 'CVSSv3' },
  { type: 'CVSS_V2', accepts: (m) => m === 'CVSSv2' },
];

/**
 * Feed labels → severity. GitHub: LOW, MODERATE, HIGH, CRITICAL; Debian security tracker
 * urgency: unimportant, low, medium, high (a trailing `*`/`**` marks a guess and is ignored);
 * Ubuntu priority (OSV severity type `Ubuntu`): negligible, low, medium, high, critical.
 */
const LABELS: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  important: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
  negligible: 'info',
  unimportant: 'info',
  none: 'info',
};

function labelSeverity(label: unknown): Severity | undefined {
  if (typeof label !== 'string' || label.length > 64) return undefined;
  const key = label.trim().toLowerCase().replace(/\*+$/, '').trim();
  return Object.hasOwn(LABELS, key) ? LABELS[key] : undefined;
}

/**
 * Severity of an OSV record from its `severity` array and (optionally) its
 * `database_specific` object. Never throws: an entry whose vector cannot be scored is skipped
 * and the next source is tried.
 *
 * Order: CVSS v4.0 vector, then v3.1/v3.0, then v2 (the newest standard the record carries);
 * then an OSV `Ubuntu` priority entry; then `database_specific.severity` (GitHub) or
 * `database_specific.urgency` (Debian); else `unknown`.
 */
export function severityFromOsv(
  severity: readonly { type: string; score: string }[] | undefined,
  databaseSpecific?: unknown,
): SeverityResult {
  const entries = Array.isArray(severity) ? severity.filter(isRecord) : [];
  for (const pref of PREFERENCE) {
    for (const entry of entries) {
      if (entry['type'] !== pref.type || typeof entry['score'] !== 'string') continue;
      let scored: CvssScore;
      try {
        scored = scoreCvss(entry['score']);
      } catch (err) {
        if (err instanceof CvssError) continue;
        throw err;
      }
      if (!pref.accepts(scored.method)) continue;
      const rating = scored.method === 'CVSSv2' ? ratingForV2(scored.score) : ratingFor(scored.score);
      return { severity: rating, score: scored.score, vector: scored.vector, method: scored.method };
    }
  }
  for (const entry of entries) {
    if (entry['type'] !== 'Ubuntu') continue;
    const s = labelSeverity(entry['score']);
    if (s) return { severity: s };
  }
  if (isRecord(databaseSpecific)) {
    const s = labelSeverity(databaseSpecific['severity']) ?? labelSeverity(databaseSpecific['urgency']);
    if (s) return { severity: s };
  }
  return { severity: 'unknown' };
}
