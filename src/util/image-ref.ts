/**
 * Image reference normalisation, so `docker.io/library/redis:7`, `redis:7` and `localhost/redis:7`
 * compare as the same repository. Registries are not contacted; this is string work only.
 */
export interface ImageRef {
  /** Repository path without registry host, `library/` stripped: `redis`, `shop/api`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A first path component is a registry host when it has a dot or a port, or is `localhost`. */
function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const parts = rest
    .toLowerCase()
    .split('/')
    .filter((p) => p !== '');
  if (parts.length > 1 && isRegistryHost(parts[0] ?? '')) parts.shift();
  let last = parts.pop() ?? '';
  let tag: string | undefined;
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  parts.push(last);
  if (parts.length > 1 && parts[0] === 'library') parts.shift();
  const out: ImageRef = { repository: parts.join('/').toLowerCase() };
  if (tag) out.tag = tag;
  if (digest) out.digest = digest;
  return out;
}

/** `repository:tag` with the default tag made explicit, for equality tests. */
export function canonicalImage(ref: string): string {
  const p = parseImageRef(ref);
  return `${p.repository}:${p.tag ?? 'latest'}`;
}

/** Last path component of the repository: `shop/api` → `api`. */
export function imageBasename(ref: string): string {
  const repo = parseImageRef(ref).repository;
  return repo.slice(repo.lastIndexOf('/') + 1);
}

/** True when `repository` equals `name` or ends with `/name` (catalogue names omit organisations). */
export function repositoryMatches(ref: string, name: string): boolean {
  const repo = parseImageRef(ref).repository;
  const want = name.toLowerCase();
  return repo === want || repo.endsWith(`/${want}`);
}
