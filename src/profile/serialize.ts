/**
 * Profiles as files: stable JSON (keys in schema order, arrays already sorted) or YAML out, and a
 * validating parser in, so a hand-edited or hostile profile fails with its file and position.
 *
 * On disk a source used more than once (a knowledge-base entry every Redis container cites, the
 * manifest position of a container cited by several of its rules) is written once, in the
 * charter-level `sources` table, and cited by its id everywhere else; the parser resolves the ids
 * back. The in-memory model always carries the sources themselves (shared objects, not copies).
 */
import { LineCounter, parseDocument, stringify, visit, type Document } from 'yaml';
import { positionNear, type YamlPosition } from '../util/yaml-positions.js';
import { z } from 'zod';
import { CharterSchema, SourceSchema, type Charter, type Source } from '../model/charter.js';
import { InputError, UserError, errorMessage } from '../model/errors.js';
import { hasDuplicateKeys } from '../util/json-duplicate-keys.js';
import { MAX_NESTING_DEPTH, findExcessiveNesting } from '../util/nesting.js';
import { sourceKey, sortSources } from '../util/rule-set.js';
import { positionAt } from '../util/text-position.js';

export const PROFILE_FORMATS = ['json', 'yaml', 'text'] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** A profile as written to a file: repeated sources hoisted into the `sources` table. */
export function charterToJson(charter: Charter): string {
  return toJson(compactCharter(charter));
}

export function charterToYaml(charter: Charter): string {
  return toYaml(compactCharter(charter));
}

type Json = unknown;

/**
 * Applies `f` to every element of every `sources` array below `value`, keeping key order. `path` is
 * the position of the element, one shared stack (copy it to keep it).
 */
function mapSources(value: Json, f: (s: Json, path: readonly (string | number)[]) => Json, path: (string | number)[] = []): Json {
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      path.push(i);
      const out = mapSources(v, f, path);
      path.pop();
      return out;
    });
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    path.push(k);
    if (k === 'sources' && Array.isArray(v)) {
      out[k] = v.map((s, i) => {
        path.push(i);
        const r = f(s, path);
        path.pop();
        return r;
      });
    } else {
      out[k] = mapSources(v, f, path);
    }
    path.pop();
  }
  return out;
}

/** Visits every element of every `sources` array below `value` (no copies: the writer's first pass). */
function forEachSource(value: Json, f: (s: Source) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) forEachSource(v, f);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'sources' && Array.isArray(v)) for (const s of v as Source[]) f(s);
    else forEachSource(v, f);
  }
}

/**
 * The file form of a charter: every source that occurs more than once is defined once in the
 * top-level `sources` table under an id (`role:redis#2`: the knowledge entry, or the artifact kind,
 * and a number in source order) and cited by that id. Deterministic: same charter, same bytes.
 */
export function compactCharter(charter: Charter): Record<string, Json> {
  const { apiVersion, kind, metadata, inputs, ...rest } = charter;
  const counts = new Map<string, { source: Source; n: number }>();
  forEachSource(rest, (s) => {
    const key = sourceKey(s);
    const e = counts.get(key);
    if (e) e.n++;
    else counts.set(key, { source: s, n: 1 });
  });
  const shared = sortSources([...counts.values()].filter((e) => e.n > 1).map((e) => e.source));
  const table: Record<string, Source> = {};
  const idOf = new Map<string, string>();
  const perPrefix = new Map<string, number>();
  for (const s of shared) {
    const prefix = s.kb ?? s.kind;
    const n = (perPrefix.get(prefix) ?? 0) + 1;
    perPrefix.set(prefix, n);
    const id = `${prefix}#${n}`;
    table[id] = s;
    idOf.set(sourceKey(s), id);
  }
  const body = mapSources(rest, (s) => idOf.get(sourceKey(s as Source)) ?? s) as Record<string, Json>;
  return { apiVersion, kind, metadata, inputs, ...(shared.length > 0 ? { sources: table } : {}), ...body };
}

const SourceTableSchema = z.record(z.string(), SourceSchema);

/**
 * The YAML parser keeps a tree of about 60 bytes per byte of text: above this size a YAML profile
 * would pass 1 GiB, so it is refused (JSON profiles of any size up to the CLI's limit are read
 * with JSON.parse), and errors in larger JSON profiles name the JSON pointer without a line.
 */
export const MAX_YAML_PROFILE_BYTES = 8 * 1024 * 1024;

/**
 * Largest profile read: a JSON profile needs about 9 bytes of memory per byte of text once parsed
 * and validated (an 18 MB profile of 5,000 containers peaks at 170 MB), so 64 MiB stays under
 * 1 GiB; that is about 17,000 containers.
 */
export const MAX_PROFILE_BYTES = 64 * 1024 * 1024;

type Position = YamlPosition;

/** Parses a profile from JSON or YAML text; every error names the file and position. */
export function parseCharter(text: string, file: string): Charter {
  if (text.length > MAX_PROFILE_BYTES) throw new UserError(`a profile larger than ${MAX_PROFILE_BYTES} bytes is not read`, file);
  // The parsers and the validator recurse per level: refuse absurd nesting before any runs.
  const deep = findExcessiveNesting(text);
  if (deep) throw new InputError(`not a valid profile: nested more than ${MAX_NESTING_DEPTH} levels deep`, file, deep.line, deep.column);
  try {
    return parseCharterText(text, file);
  } catch (err) {
    // The check above is an estimate; a stack overflow that slips past it is still bad input.
    if (err instanceof RangeError)
      throw new InputError('not a valid profile: nested too deeply to read', file, undefined, undefined, { cause: err });
    throw err;
  }
}

function parseCharterText(text: string, file: string): Charter {
  if (/^\s*\{/.test(text)) {
    // JSON (what `charter profile` writes): JSON.parse is fast and small; the YAML tree is built
    // only to point at an error, and only in a file small enough for it.
    let data: unknown;
    let parsed = true;
    try {
      data = JSON.parse(text);
    } catch (e) {
      if (text.length > MAX_YAML_PROFILE_BYTES) {
        const at = /position (\d+)/.exec(errorMessage(e));
        const pos = at ? positionAt(text, Number(at[1])) : undefined;
        throw new UserError(`not a valid profile: ${errorMessage(e)}`, file, pos?.line, pos?.column, { cause: e });
      }
      parsed = false;
    }
    // A repeated key is an error JSON.parse hides (the last one wins): the YAML parser names it.
    if (parsed && hasDuplicateKeys(text)) parsed = false;
    if (parsed) return validate(data, file, (path) => (text.length <= MAX_YAML_PROFILE_BYTES ? yamlPosition(text, path) : undefined));
  }
  if (text.length > MAX_YAML_PROFILE_BYTES) {
    throw new UserError(
      `a YAML profile larger than ${MAX_YAML_PROFILE_BYTES} bytes is not read (its parse tree would need more than 1 GiB): write it as JSON (--format json)`,
      file,
    );
  }
  const lc = new LineCounter();
  // JSON is YAML 1.2; one parser gives positions for both. Aliases are capped against bombs.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lc.linePos(err.pos[0]);
    throw new UserError(`not a valid profile: ${err.message.split('\n')[0]}`, file, pos.line, pos.col);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Only aliases make toJS fail (too many, or one that cannot resolve): point at the first.
    const pos = firstAliasPosition(doc, lc);
    throw new UserError(`not a valid profile: ${errorMessage(e)}`, file, pos.line, pos.col, { cause: e });
  }
  return validate(data, file, (path) => positionNear(doc, lc, path));
}

/** Resolves the source ids and checks the schema; `locate` finds the line of an error's path. */
function validate(data: unknown, file: string, locate: (path: readonly (string | number)[]) => Position | undefined): Charter {
  const fail = (path: (string | number)[], message: string): never => {
    const pos = locate(path);
    const where = path.length > 0 ? ` at /${path.join('/')}` : '';
    throw new UserError(`not a charter/v1 profile${where}: ${message}`, file, pos?.line, pos?.column);
  };
  const resolved = resolveSourceIds(data, fail);
  const parsed = CharterSchema.safeParse(resolved);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return fail(keyPath(issue?.path ?? []), issue?.message ?? 'invalid');
}

const keyPath = (path: readonly PropertyKey[]): (string | number)[] => path.map((k) => (typeof k === 'number' ? k : String(k)));

function yamlPosition(text: string, path: readonly (string | number)[]): Position | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  return positionNear(doc, lc, path);
}

/** Replaces the ids cited in `sources` arrays by the sources of the top-level table (absent in older profiles). */
function resolveSourceIds(data: unknown, fail: (path: (string | number)[], message: string) => never): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !('sources' in data)) return data;
  const { sources: rawTable, ...rest } = data as Record<string, unknown>;
  const table = SourceTableSchema.safeParse(rawTable);
  if (!table.success) {
    const issue = table.error.issues[0];
    return fail(['sources', ...keyPath(issue?.path ?? [])], issue?.message ?? 'invalid');
  }
  const byId = new Map(Object.entries(table.data));
  return mapSources(rest, (s, path) => {
    if (typeof s !== 'string') return s;
    const found = byId.get(s);
    return found ?? fail([...path], `source "${s}" is not defined in the top-level sources table`);
  });
}

/** Line and column of the document's first alias (`*name`), else of its start. */
function firstAliasPosition(doc: Document, lc: LineCounter): { line: number; col: number } {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return lc.linePos(offset);
}
