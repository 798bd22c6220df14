/**
 * Package URLs (https://github.com/package-url/purl-spec): building them with the spec's
 * percent-encoding and canonical qualifier order, and the small parse the stacking step needs to
 * add a qualifier (`distro`) to a purl an analyzer built without knowing the OS.
 */
import { compareStrings } from '../util/sort.js';

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  /** Empty values are dropped, keys are lower-cased and sorted, as the spec's canonical form wants. */
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

/**
 * Percent-encode one purl component: everything but the unreserved set (`A-Z a-z 0-9 . - _ ~`)
 * and `:`, which the spec keeps verbatim (Debian epochs, `1:1.2.13`).
 */
export function purlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/%3A/gi, ':')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function buildPurl(p: PurlParts): string {
  let out = `pkg:${p.type.toLowerCase()}/`;
  if (p.namespace) out += `${p.namespace.split('/').map(purlEncode).join('/')}/`;
  out += purlEncode(p.name);
  if (p.version !== undefined && p.version !== '') out += `@${purlEncode(p.version)}`;
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => [k.toLowerCase(), v] as const)
    .sort((a, b) => compareStrings(a[0], b[0]));
  if (q.length > 0) out += `?${q.map(([k, v]) => `${k}=${purlEncode(v)}`).join('&')}`;
  if (p.subpath)
    out += `#${p.subpath
      .split('/')
      .filter((s) => s !== '' && s !== '.' && s !== '..')
      .map(purlEncode)
      .join('/')}`;
  return out;
}

/** Parse a purl into its decoded parts; undefined when it is not one. */
export function parsePurl(purl: string): PurlParts | undefined {
  const m = /^pkg:([a-zA-Z.+-][a-zA-Z0-9.+-]*)\/([^?#]+?)(?:\?([^#]*))?(?:#(.*))?$/.exec(purl);
  if (!m) return undefined;
  const [, type, path, query, subpath] = m as unknown as [string, string, string, string | undefined, string | undefined];
  try {
    const at = path.lastIndexOf('@');
    const head = at >= 0 ? path.slice(0, at) : path;
    const segments = head.split('/').filter((s) => s !== '');
    const name = segments.pop();
    if (!name) return undefined;
    const out: PurlParts = { type: type.toLowerCase(), name: decodeURIComponent(name) };
    if (segments.length > 0) out.namespace = segments.map((s) => decodeURIComponent(s)).join('/');
    if (at >= 0) out.version = decodeURIComponent(path.slice(at + 1));
    if (query) {
      const qualifiers: Record<string, string> = {};
      for (const pair of query.split('&')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) return undefined;
        qualifiers[pair.slice(0, eq).toLowerCase()] = decodeURIComponent(pair.slice(eq + 1));
      }
      out.qualifiers = qualifiers;
    }
    if (subpath) out.subpath = decodeURIComponent(subpath);
    return out;
  } catch {
    // A malformed %-escape.
    return undefined;
  }
}
