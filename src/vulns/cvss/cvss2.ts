/**
 * CVSS v2 base score, per "A Complete Guide to the Common Vulnerability Scoring System
 * Version 2.0" (FIRST), §3.2.1 Base Equation and §2.4 metric values. Temporal and
 * environmental metrics are validated and ignored.
 */
import { checkLength, CvssError, metric, parseMetrics, type MetricTable } from './vector.js';

const ND = 'ND';
const TABLE: MetricTable = {
  values: {
    AV: ['L', 'A', 'N'],
    AC: ['H', 'M', 'L'],
    Au: ['M', 'S', 'N'],
    C: ['N', 'P', 'C'],
    I: ['N', 'P', 'C'],
    A: ['N', 'P', 'C'],
    E: ['U', 'POC', 'F', 'H', ND],
    RL: ['OF', 'TF', 'W', 'U', ND],
    RC: ['UC', 'UR', 'C', ND],
    CDP: ['N', 'L', 'LM', 'MH', 'H', ND],
    TD: ['N', 'L', 'M', 'H', ND],
    CR: ['L', 'M', 'H', ND],
    IR: ['L', 'M', 'H', ND],
    AR: ['L', 'M', 'H', ND],
  },
  mandatory: ['AV', 'AC', 'Au', 'C', 'I', 'A'],
};

const AV: Record<string, number> = { L: 0.395, A: 0.646, N: 1.0 };
const AC: Record<string, number> = { H: 0.35, M: 0.61, L: 0.71 };
const AU: Record<string, number> = { M: 0.45, S: 0.56, N: 0.704 };
const CIA: Record<string, number> = { N: 0, P: 0.275, C: 0.66 };

/** Round half up to one decimal; the epsilon absorbs binary representation error (7.45 stored as 7.4499…). */
function round1(x: number): number {
  return Math.round(x * 10 + 1e-6) / 10;
}

/** Base score of a v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally in parentheses or after `CVSS:2.0/`). */
export function cvss2BaseScore(input: string): { score: number; metrics: ReadonlyMap<string, string> } {
  let vector = checkLength(input);
  if (vector.startsWith('(') && vector.endsWith(')')) vector = vector.slice(1, -1);
  if (vector.startsWith('CVSS:2.0/')) vector = vector.slice('CVSS:2.0/'.length);
  if (vector.startsWith('CVSS:')) throw new CvssError(input, 'not a CVSS v2 vector');
  const metrics = parseMetrics(input, vector, TABLE);
  const get = (name: string, table: Record<string, number>): number => table[metric(metrics, name)] ?? 0;
  const impact = 10.41 * (1 - (1 - get('C', CIA)) * (1 - get('I', CIA)) * (1 - get('A', CIA)));
  const exploitability = 20 * get('AV', AV) * get('AC', AC) * get('Au', AU);
  const f = impact === 0 ? 0 : 1.176;
  const score = round1((0.6 * impact + 0.4 * exploitability - 1.5) * f);
  return { score: Math.max(0, score), metrics };
}
