/** API ids (see ../types.ts): how a built-in reference is named. */

/**
 * `fs` + `promises.readFile` → `fs/promises` + `readFile` (the contract's normal form), for every
 * module that has a `/promises` sibling among the built-ins.
 */
export function normalizeBuiltin(mod: string, path: readonly string[], builtins: ReadonlySet<string>): { mod: string; path: string[] } {
  let m = mod;
  let p = [...path];
  while (p[0] === 'promises' && builtins.has(`${m}/promises`)) {
    m = `${m}/promises`;
    p = p.slice(1);
  }
  return { mod: m, path: p };
}

/** `fs.readFile`, `fs/promises.readFile`, `global.fetch`; `mod.*` for the module as a whole. */
export function builtinApiId(mod: string, path: readonly string[], builtins: ReadonlySet<string>): string {
  const n = normalizeBuiltin(mod, path, builtins);
  if (n.path.length === 0) return `${n.mod}.*`;
  // `http.Server.prototype.listen.call(s, …)` is the method `http.Server#listen`.
  const proto = n.path.indexOf('prototype');
  if (proto > 0 && proto === n.path.length - 2) return `${n.mod}.${n.path.slice(0, proto).join('.')}#${n.path[proto + 1]}`;
  return `${n.mod}.${n.path.join('.')}`;
}

/** `new net.Socket()` → `net.Socket#constructor`; `new WebSocket()` → `global.WebSocket`. */
export function constructorApiId(mod: string, path: readonly string[], builtins: ReadonlySet<string>): string {
  const id = builtinApiId(mod, path, builtins);
  if (mod === 'global' || id.endsWith('.*')) return id;
  return `${id}#constructor`;
}

/** The class name an object constructed from `mod.path` has: `net.Socket`. */
export function className(mod: string, path: readonly string[], builtins: ReadonlySet<string>): string {
  const n = normalizeBuiltin(mod, path, builtins);
  return `${n.mod}.${n.path.join('.')}`;
}

/** Strip the `node:` scheme; undefined when `spec` is not a built-in module. */
export function builtinName(spec: string, builtins: ReadonlySet<string>): string | undefined {
  if (spec.startsWith('node:')) {
    // `node:` can only ever name a built-in (even ones missing from the list, like node:test).
    const name = spec.slice(5);
    return name.length > 0 ? name : undefined;
  }
  return builtins.has(spec) ? spec : undefined;
}
