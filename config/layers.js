// The folder layering of src/, bottom to top: one table, read by the lint config
// (eslint.config.js, import-x/no-restricted-paths) and by the architecture test
// (test/architecture.test.ts). docs/ARCHITECTURE.md explains it.
//
// A module may import modules of its own layer or of a layer below it, never above. Within one
// layer, units (the entries of `units`) may import each other one way only: the architecture test
// fails on a cycle between units. A unit is a folder (or file) under src/; the longest unit that
// contains a file is the file's unit, so `hygiene/secrets` (a file analyzer) sits below `hygiene`.
// Tests (`*.test.ts`) and fixtures are outside the layering: a test may import anything.

/** @type {readonly { layer: string, units: readonly string[], why: string }[]} */
export const LAYERS = [
  {
    layer: 'model',
    units: ['model'],
    why: 'the charter/v1 types and schema, fragments, findings, diagnostics and their code catalogue, typed errors: imports nothing of the project',
  },
  {
    layer: 'util',
    units: ['util', 'version.ts'],
    why: 'small pure helpers (sorting, records, capability names, image references, shell words, JSON with positions)',
  },
  {
    layer: 'io',
    units: ['io'],
    why: 'the one bounded reader of user-named files (no FIFOs or devices, a size limit, the file named in every error)',
  },
  {
    layer: 'knowledge',
    units: ['knowledge'],
    why: 'data with cited sources: roles, images, syscall groups, Node.js API → syscalls, the hygiene check catalogue',
  },
  {
    layer: 'analyzers',
    units: ['inventory', 'hygiene/secrets', 'store', 'nodejs'],
    why: 'file analyzers run over layers and directories (packages, secrets), the Node.js application analysis the node-app reader runs, and the stores behind one interface each',
  },
  {
    layer: 'readers',
    units: ['readers'],
    why: 'one reader per artifact type: artifacts → fragments (the image reader with its byte sources and layer cache)',
  },
  { layer: 'analysis', units: ['hygiene', 'vulns'], why: 'checks and the policy gate, vulnerability matching' },
  {
    layer: 'profile',
    units: ['profile'],
    why: 'fragments → one charter: correlate, assemble, derive, the service graph, diff, explain, serialise',
  },
  {
    layer: 'output',
    units: ['emit', 'output'],
    why: 'compiled forms of a charter (seccomp, run flags, Kubernetes) and every report writer (table, JSON, SARIF, SBOMs)',
  },
  {
    layer: 'runtime',
    units: ['runtime'],
    why: "events → verdicts: the event validator, the adapters of other engines' events (one table), the engine that judges events against rules compiled from a charter",
  },
  {
    layer: 'pipeline',
    units: ['pipeline', 'scan'],
    why: 'one walker with one set of limits, recognition through the reader registry, and running everything above over the targets',
  },
  { layer: 'cli', units: ['cli'], why: 'thin commands: options in, one library call, output and an exit code' },
  { layer: 'test-support', units: ['test-support'], why: 'helpers for tests only: nothing in src imports them' },
];

/** Every unit with its layer's rank (0 = model), longest first so the first match is the file's unit. */
export const UNITS = LAYERS.flatMap((l, rank) => l.units.map((unit) => ({ unit, layer: l.layer, rank }))).sort(
  (a, b) => b.unit.length - a.unit.length,
);

/** The unit of a path relative to src/ (`readers/compose/extract.ts` → `readers`), or undefined. */
export function unitOf(relPath) {
  return UNITS.find((u) => relPath === u.unit || relPath.startsWith(`${u.unit}/`));
}
