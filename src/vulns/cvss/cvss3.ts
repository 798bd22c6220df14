/**
 * CVSS v3.0 and v3.1 base scores, per the FIRST specification documents ("Common Vulnerability
 * Scoring System v3.1: Specification Document", §7.1 Base Metrics Equations, §7.4 Metric
 * Values, Appendix A Floating Point Rounding; and the v3.0 document, §8.1).
 *
 * Temporal and environmental metrics are validated and ignored: OSV's `severity` carries a
 * base vector, and the base score is what feeds publish.
 */
import { checkLength, CvssError, metric, parseMetrics, type MetricTable } from './vector.js';

const X = 'X';
const TABLE: MetricTable = {
  values: {
    AV: ['N', 'A', 'L', 'P'],
    AC: ['L', 'H'],
    PR: ['N', 'L', 'H'],
    UI: ['N', 'R'],
    S: ['U', 'C'],
    C: ['H', 'L', 'N'],
    I: ['H', 'L', 'N'],
    A: ['H', 'L', 'N'],
    E: [X, 'U', 'P', 'F', 'H'],
    RL: [X, 'O', 'T', 'W', 'U'],
    RC: [X, 'U', 'R', 'C'],
    CR: [X, 'L', 'M', 'H'],
    IR: [X, 'L', 'M', 'H'],
    AR: [X, 'L', 'M', 'H'],
    MAV: [X, 'N', 'A', 'L', 'P'],
    MAC: [X, 'L', 'H'],
    MPR: [X, 'N', 'L', 'H'],
    MUI: [X, 'N', 'R'],
    MS: [X, 'U', 'C'],
    MC: [X, 'N', 'L', 'H'],
    MI: [X, 'N', 'L', 'H'],
    MA: [X, 'N', 'L', 'H'],
  },
  mandatory: ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
};

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const PR_UNCHANGED: Record<string, number> = { N: 0.85, L: 0.62, H: 0.27 };
const PR_CHANGED: Record<string, number> = { N: 0.85, L: 0.68, H: 0.5 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

/** v3.1 Appendix A: round up to one decimal, in integer arithmetic so 4.000000001 stays 4.0… and 4.02 → 4.1. */
export function roundUp31(input: number): number {
  const intInput = Math.round(input * 100000);
  if (intInput % 10000 === 0) return intInput / 100000;
  return (Math.floor(intInput / 10000) + 1) / 10;
}

/** v3.0's round-up, as its specification and FIRST's v3.0 calculator define it. */
export function roundUp30(input: number): number {
  return Math.ceil(input * 10) / 10;
}

export interface Cvss3Result {
  version: '3.0' | '3.1';
  score: number;
  metrics: ReadonlyMap<string, string>;
}

/** Base score of a `CVSS:3.0/…` or `CVSS:3.1/…` vector; throws CvssError when it is not one. */
export function cvss3BaseScore(input: string): Cvss3Result {
  const vector = checkLength(input);
  const m = /^CVSS:(3\.[01])\/(.*)$/.exec(vector);
  if (!m) throw new CvssError(vector, 'expected the prefix CVSS:3.0/ or CVSS:3.1/');
  const version = m[1] === '3.0' ? '3.0' : '3.1';
  const metrics = parseMetrics(vector, m[2] ?? '', TABLE);
  const get = (name: string, table: Record<string, number>): number => table[metric(metrics, name)] ?? 0;

  const changed = metric(metrics, 'S') === 'C';
  const iss = 1 - (1 - get('C', CIA)) * (1 - get('I', CIA)) * (1 - get('A', CIA));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * get('AV', AV) * get('AC', AC) * get('PR', changed ? PR_CHANGED : PR_UNCHANGED) * get('UI', UI);
  const roundUp = version === '3.0' ? roundUp30 : roundUp31;
  let score: number;
  if (impact <= 0) score = 0;
  else if (changed) score = roundUp(Math.min(1.08 * (impact + exploitability), 10));
  else score = roundUp(Math.min(impact + exploitability, 10));
  return { version, score, metrics };
}
