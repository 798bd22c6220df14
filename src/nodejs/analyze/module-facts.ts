/**
 * Facts of one file, whatever its state: parsed (extract.ts), or — when it does not parse, is too
 * deeply nested for the walker, or is too large — scanned as text, conservatively: every
 * built-in module named by a string literal counts as used as a whole, and every `require('…')`,
 * `import … from '…'` and `import('…')` found by text is followed.
 */
import { type ModuleFacts, type UncertaintyFact, emptyExports } from './facts.js';
import { builtinName } from './ids.js';
import { extractFacts } from './extract.js';
import { LineIndex, type SourceKind, parseJs } from './parse.js';

export interface ModuleFactsOptions {
  builtins: ReadonlySet<string>;
  /** Set when the file exceeds the parse limit: it is only scanned as text, and this says why. */
  tooLarge?: string;
}

export function moduleFacts(file: string, source: string, kind: SourceKind, opts: ModuleFactsOptions): ModuleFacts {
  if (opts.tooLarge !== undefined) return textFacts(source, opts, { kind: 'too-large', offset: 0, message: opts.tooLarge });
  const parsed = parseJs(file, source, kind);
  if (!parsed.ok) return textFacts(source, opts, { kind: 'unparsed', offset: parsed.offset, message: `does not parse: ${parsed.message}` });
  try {
    return extractFacts(source, parsed.program, parsed.hasModuleSyntax, { builtins: opts.builtins });
  } catch (err) {
    // Stack exhaustion on pathologically nested code: fall back to the text scan.
    if (err instanceof RangeError) return textFacts(source, opts, { kind: 'unparsed', offset: 0, message: 'too deeply nested to walk' });
    throw err;
  }
}

const QUOTED = /(['"`])((?:node:)?[a-z_][a-z0-9_/]*)\1/g;
const REQUIRE = /\brequire\s*\(\s*(['"`])([^'"`\n]{1,300})\1\s*\)/g;
const IMPORT_FROM = /\b(?:from|import)\s*(['"])([^'"\n]{1,300})\1/g;
const DYN_IMPORT = /\bimport\s*\(\s*(['"`])([^'"`\n]{1,300})\1\s*\)/g;

export function textFacts(
  source: string,
  opts: Pick<ModuleFactsOptions, 'builtins'>,
  why: { kind: 'unparsed' | 'too-large'; offset: number; message: string },
): ModuleFacts {
  const lines = new LineIndex(source);
  const facts: ModuleFacts = { esm: false, deps: [], uses: [], exports: emptyExports(), uncertainties: [], listens: [] };
  const u: UncertaintyFact = {
    kind: why.kind,
    at: lines.position(why.offset),
    message: why.message,
    assumption:
      'every built-in module named by a string literal in the file is used as a whole; modules required by literal text are followed',
  };
  facts.uncertainties.push(u);
  const seenMods = new Set<string>();
  for (const m of source.matchAll(QUOTED)) {
    const mod = builtinName(m[2]!, opts.builtins);
    if (!mod || seenMods.has(mod)) continue;
    seenMods.add(mod);
    facts.uses.push({ ref: { k: 'builtin', mod, path: [] }, mode: 'whole', at: lines.position(m.index), top: false });
  }
  const seenDeps = new Set<string>();
  const add = (re: RegExp, via: 'require' | 'import', dynamic: boolean): void => {
    for (const m of source.matchAll(re)) {
      const spec = m[2]!;
      if (builtinName(spec, opts.builtins) || seenDeps.has(`${via}:${spec}`)) continue;
      seenDeps.add(`${via}:${spec}`);
      facts.deps.push({ spec, via, dynamic, top: false, at: lines.position(m.index) });
    }
  };
  add(REQUIRE, 'require', false);
  add(IMPORT_FROM, 'import', false);
  add(DYN_IMPORT, 'import', true);
  return facts;
}
