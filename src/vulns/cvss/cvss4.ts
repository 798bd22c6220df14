/**
 * CVSS v4.0 scores, a port of the reference implementation (cvss_score.js of the FIRST / Red Hat
 * cvss-v4-calculator, BSD-2-Clause; data in cvss4-data.ts). v4 has no closed formula: a vector
 * maps to a MacroVector (EQ1…EQ6) whose score comes from a lookup table, then is lowered by the
 * vector's mean proportional distance from the MacroVector's highest-severity vectors.
 *
 * The port keeps the reference's order of floating-point operations so results agree to the
 * last bit before rounding, including its final "round half up after adding 1e-6" step.
 * Threat (E) and environmental metrics are honoured as the reference does, so the result is
 * the CVSS-B, CVSS-BT or CVSS-BE/BTE score, whichever the vector carries.
 */
import { CVSS4_LOOKUP, CVSS4_MAX_COMPOSED, CVSS4_MAX_SEVERITY } from './cvss4-data.js';
import { checkLength, CvssError, parseMetrics, type MetricTable } from './vector.js';

const X = 'X';
const HLN = ['H', 'L', 'N'];
const TABLE: MetricTable = {
  values: {
    AV: ['N', 'A', 'L', 'P'],
    AC: ['L', 'H'],
    AT: ['N', 'P'],
    PR: ['N', 'L', 'H'],
    UI: ['N', 'P', 'A'],
    VC: HLN,
    VI: HLN,
    VA: HLN,
    SC: HLN,
    SI: HLN,
    SA: HLN,
    E: [X, 'A', 'P', 'U'],
    CR: [X, 'H', 'M', 'L'],
    IR: [X, 'H', 'M', 'L'],
    AR: [X, 'H', 'M', 'L'],
    MAV: [X, 'N', 'A', 'L', 'P'],
    MAC: [X, 'L', 'H'],
    MAT: [X, 'N', 'P'],
    MPR: [X, 'N', 'L', 'H'],
    MUI: [X, 'N', 'P', 'A'],
    MVC: [X, ...HLN],
    MVI: [X, ...HLN],
    MVA: [X, ...HLN],
    MSC: [X, ...HLN],
    MSI: [X, 'S', ...HLN],
    MSA: [X, 'S', ...HLN],
    // Supplemental metrics: carried, never scored.
    S: [X, 'N', 'P'],
    AU: [X, 'N', 'Y'],
    R: [X, 'A', 'U', 'I'],
    V: [X, 'D', 'C'],
    RE: [X, 'L', 'M', 'H'],
    U: [X, 'Clear', 'Green', 'Amber', 'Red'],
  },
  mandatory: ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

type Levels = Readonly<Record<string, number>>;
const LEVELS: Readonly<Record<string, Levels>> = {
  AV: { N: 0.0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0.0, L: 0.1, H: 0.2 },
  UI: { N: 0.0, P: 0.1, A: 0.2 },
  AC: { L: 0.0, H: 0.1 },
  AT: { N: 0.0, P: 0.1 },
  VC: { H: 0.0, L: 0.1, N: 0.2 },
  VI: { H: 0.0, L: 0.1, N: 0.2 },
  VA: { H: 0.0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0.0, M: 0.1, L: 0.2 },
  IR: { H: 0.0, M: 0.1, L: 0.2 },
  AR: { H: 0.0, M: 0.1, L: 0.2 },
};

/** The reference's `m()`: the effective value of a metric after threat/environmental defaults and overrides. */
function effective(sel: ReadonlyMap<string, string>, name: string): string {
  const selected = sel.get(name) ?? X;
  if (name === 'E' && selected === X) return 'A';
  if ((name === 'CR' || name === 'IR' || name === 'AR') && selected === X) return 'H';
  const modified = sel.get(`M${name}`);
  if (modified !== undefined && modified !== X) return modified;
  return selected;
}

/** The reference's `macroVector()`: six EQ digits. */
export function macroVector(sel: ReadonlyMap<string, string>): string {
  const m = (n: string): string => effective(sel, n);
  const av = m('AV');
  const pr = m('PR');
  const ui = m('UI');
  let eq1: number;
  if (av === 'N' && pr === 'N' && ui === 'N') eq1 = 0;
  else if ((av === 'N' || pr === 'N' || ui === 'N') && av !== 'P') eq1 = 1;
  else eq1 = 2;

  const eq2 = m('AC') === 'L' && m('AT') === 'N' ? 0 : 1;

  const vc = m('VC');
  const vi = m('VI');
  const va = m('VA');
  let eq3: number;
  if (vc === 'H' && vi === 'H') eq3 = 0;
  else if (vc === 'H' || vi === 'H' || va === 'H') eq3 = 1;
  else eq3 = 2;

  // m('MSI') reads the raw MSI value (there is no "MMSI"), exactly as the reference does.
  let eq4: number;
  if (m('MSI') === 'S' || m('MSA') === 'S') eq4 = 0;
  else if (m('SC') === 'H' || m('SI') === 'H' || m('SA') === 'H') eq4 = 1;
  else eq4 = 2;

  const e = m('E');
  const eq5 = e === 'A' ? 0 : e === 'P' ? 1 : 2;

  const eq6 = (m('CR') === 'H' && vc === 'H') || (m('IR') === 'H' && vi === 'H') || (m('AR') === 'H' && va === 'H') ? 0 : 1;

  return `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
}

/** Parse `AV:N/PR:N/UI:N/` fragments of the max-composed table. */
function fragmentValues(fragment: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of fragment.split('/')) {
    const [k, v] = part.split(':');
    if (k && v) out.set(k, v);
  }
  return out;
}

const lookup = (key: string): number | undefined => (Object.hasOwn(CVSS4_LOOKUP, key) ? CVSS4_LOOKUP[key] : undefined);

function pick<T>(table: Readonly<Record<number, T>>, key: number): T {
  const v = table[key];
  if (v === undefined) throw new Error(`CVSS v4 table has no entry ${key}`);
  return v;
}

/** The reference's `cvss_score()`. */
function score(sel: ReadonlyMap<string, string>): number {
  const m = (n: string): string => effective(sel, n);
  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((n) => m(n) === 'N')) return 0.0;

  const macro = macroVector(sel);
  const macroScore = lookup(macro);
  if (macroScore === undefined) throw new Error(`CVSS v4 MacroVector ${macro} missing from the lookup table`);
  let value = macroScore;
  const d = [...macro].map(Number) as [number, number, number, number, number, number];
  const [eq1, eq2, eq3, eq4, eq5, eq6] = d;
  const key = (...ds: number[]): string => ds.join('');

  const scoreEq1Lower = lookup(key(eq1 + 1, eq2, eq3, eq4, eq5, eq6));
  const scoreEq2Lower = lookup(key(eq1, eq2 + 1, eq3, eq4, eq5, eq6));
  let scoreEq3Eq6Lower: number | undefined;
  if (eq3 === 1 && eq6 === 1) scoreEq3Eq6Lower = lookup(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
  else if (eq3 === 0 && eq6 === 1) scoreEq3Eq6Lower = lookup(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
  else if (eq3 === 1 && eq6 === 0) scoreEq3Eq6Lower = lookup(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
  else if (eq3 === 0 && eq6 === 0) {
    const left = lookup(key(eq1, eq2, eq3, eq4, eq5, eq6 + 1));
    const right = lookup(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
    // The reference compares possibly-undefined numbers; `undefined > x` is false, so it takes the right one.
    scoreEq3Eq6Lower = left !== undefined && right !== undefined && left > right ? left : right;
  } else scoreEq3Eq6Lower = lookup(key(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1));
  const scoreEq4Lower = lookup(key(eq1, eq2, eq3, eq4 + 1, eq5, eq6));
  const scoreEq5Lower = lookup(key(eq1, eq2, eq3, eq4, eq5 + 1, eq6));

  const eq3Maxes = pick<Readonly<Record<number, readonly string[]>>>(CVSS4_MAX_COMPOSED.eq3, eq3);
  const maxVectors: string[] = [];
  for (const a of pick<readonly string[]>(CVSS4_MAX_COMPOSED.eq1, eq1))
    for (const b of pick<readonly string[]>(CVSS4_MAX_COMPOSED.eq2, eq2))
      for (const c of pick<readonly string[]>(eq3Maxes, eq6))
        for (const e of pick<readonly string[]>(CVSS4_MAX_COMPOSED.eq4, eq4))
          for (const f of pick<readonly string[]>(CVSS4_MAX_COMPOSED.eq5, eq5)) maxVectors.push(a + b + c + e + f);

  const names = ['AV', 'PR', 'UI', 'AC', 'AT', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA', 'CR', 'IR', 'AR'] as const;
  const dist: Record<string, number> = {};
  // As in the reference: take the first max vector not exceeded on any metric; if none
  // qualifies, the distances of the last one tried stand.
  for (const mv of maxVectors) {
    const maxValues = fragmentValues(mv);
    for (const n of names) {
      const levels = LEVELS[n] ?? {};
      dist[n] = (levels[m(n)] ?? NaN) - (levels[maxValues.get(n) ?? ''] ?? NaN);
    }
    if (names.some((n) => (dist[n] ?? 0) < 0)) continue;
    break;
  }
  const g = (n: string): number => dist[n] ?? NaN;

  const currentEq1 = g('AV') + g('PR') + g('UI');
  const currentEq2 = g('AC') + g('AT');
  const currentEq3Eq6 = g('VC') + g('VI') + g('VA') + g('CR') + g('IR') + g('AR');
  const currentEq4 = g('SC') + g('SI') + g('SA');

  const step = 0.1;
  const available = (lower: number | undefined): number => macroScore - (lower ?? NaN);
  const availableEq1 = available(scoreEq1Lower);
  const availableEq2 = available(scoreEq2Lower);
  const availableEq3Eq6 = available(scoreEq3Eq6Lower);
  const availableEq4 = available(scoreEq4Lower);
  const availableEq5 = available(scoreEq5Lower);

  const maxSeverityEq1 = pick<number>(CVSS4_MAX_SEVERITY.eq1, eq1) * step;
  const maxSeverityEq2 = pick<number>(CVSS4_MAX_SEVERITY.eq2, eq2) * step;
  const maxSeverityEq3Eq6 = pick<number>(pick<Readonly<Record<number, number>>>(CVSS4_MAX_SEVERITY.eq3eq6, eq3), eq6) * step;
  const maxSeverityEq4 = pick<number>(CVSS4_MAX_SEVERITY.eq4, eq4) * step;

  let nExistingLower = 0;
  let normEq1 = 0;
  let normEq2 = 0;
  let normEq3Eq6 = 0;
  let normEq4 = 0;
  let normEq5 = 0;
  if (!Number.isNaN(availableEq1)) {
    nExistingLower++;
    normEq1 = availableEq1 * (currentEq1 / maxSeverityEq1);
  }
  if (!Number.isNaN(availableEq2)) {
    nExistingLower++;
    normEq2 = availableEq2 * (currentEq2 / maxSeverityEq2);
  }
  if (!Number.isNaN(availableEq3Eq6)) {
    nExistingLower++;
    normEq3Eq6 = availableEq3Eq6 * (currentEq3Eq6 / maxSeverityEq3Eq6);
  }
  if (!Number.isNaN(availableEq4)) {
    nExistingLower++;
    normEq4 = availableEq4 * (currentEq4 / maxSeverityEq4);
  }
  if (!Number.isNaN(availableEq5)) {
    // EQ5's proportion is always 0.
    nExistingLower++;
    normEq5 = availableEq5 * 0;
  }

  const meanDistance = nExistingLower === 0 ? 0 : (normEq1 + normEq2 + normEq3Eq6 + normEq4 + normEq5) / nExistingLower;
  value -= meanDistance;
  if (value < 0) value = 0.0;
  if (value > 10) value = 10.0;
  const EPSILON = 10 ** -6;
  return Math.round((value + EPSILON) * 10) / 10;
}

export interface Cvss4Result {
  score: number;
  macroVector: string;
  metrics: ReadonlyMap<string, string>;
}

/** Score of a `CVSS:4.0/…` vector; throws CvssError when it is not one. */
export function cvss4Score(input: string): Cvss4Result {
  const vector = checkLength(input);
  if (!vector.startsWith('CVSS:4.0/')) throw new CvssError(vector, 'expected the prefix CVSS:4.0/');
  const metrics = parseMetrics(vector, vector.slice('CVSS:4.0/'.length), TABLE);
  return { score: score(metrics), macroVector: macroVector(metrics), metrics };
}
