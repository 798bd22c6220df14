/**
 * Package databases found in the image: dpkg (`/var/lib/dpkg/status`, distroless
 * `/var/lib/dpkg/status.d/*`), apk (`/lib/apk/db/installed`) and npm (`package.json` of each
 * package under a `node_modules` directory). Parsers are pure and tolerant: a paragraph without
 * a name or version is skipped.
 */

export interface NameVersion {
  name: string;
  version: string;
}

/** RFC 822-style paragraphs separated by blank lines; continuation lines are dropped. */
function paragraphs(text: string, sep: ':'): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      continue;
    }
    if (l.startsWith(' ') || l.startsWith('\t')) continue;
    const i = l.indexOf(sep);
    if (i <= 0) continue;
    cur.set(l.slice(0, i), l.slice(i + 1).trim());
  }
  if (cur.size > 0) out.push(cur);
  return out;
}

/**
 * dpkg status: installed packages only (`Status: install ok installed`). Distroless status.d
 * files carry no Status field; every paragraph there is an installed package.
 */
export function parseDpkgStatus(text: string): NameVersion[] {
  const out: NameVersion[] = [];
  for (const p of paragraphs(text, ':')) {
    const name = p.get('Package');
    const version = p.get('Version');
    const status = p.get('Status');
    if (!name || !version) continue;
    if (status !== undefined && !/\binstalled$/.test(status)) continue;
    out.push({ name, version });
  }
  return out;
}

/** apk installed database: `P:` name, `V:` version, one paragraph per package. */
export function parseApkInstalled(text: string): NameVersion[] {
  const out: NameVersion[] = [];
  let name: string | undefined;
  let version: string | undefined;
  const flush = (): void => {
    if (name && version) out.push({ name, version });
    name = undefined;
    version = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (line.startsWith('P:')) name = line.slice(2).trim();
    else if (line.startsWith('V:')) version = line.slice(2).trim();
  }
  flush();
  return out;
}
