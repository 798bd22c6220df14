/**
 * Docker volume short syntax, as in Compose `volumes:` and `docker run -v` (Marathon's docker
 * parameters): `[source:]target[:mode]`. A source that looks like a path is a bind mount of the
 * host; anything else names a volume. Windows drive letters (`C:\data`) are kept together so
 * their colon is not taken for a separator.
 */

export interface VolumeSpec {
  /** Absent for an anonymous volume (`- /usr/src/app/node_modules`). */
  source?: string;
  target: string;
  kind: 'bind' | 'volume';
  readOnly: boolean;
}

export type VolumeParse = ({ ok: true } & VolumeSpec) | { ok: false; error: string };

const DRIVE = /^[A-Za-z]:[\\/]/;

export function parseVolumeSpec(spec: string): VolumeParse {
  const parts = splitVolume(spec);
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => p === '')) {
    return { ok: false, error: `"${spec}" is not [source:]target[:mode]` };
  }
  if (parts.length === 1) {
    const target = parts[0] ?? '';
    if (!isAbsolute(target)) return { ok: false, error: `volume target "${target}" is not an absolute path` };
    return { ok: true, target, kind: 'volume', readOnly: false };
  }
  const [source = '', target = '', mode = ''] = parts;
  if (!isAbsolute(target)) return { ok: false, error: `volume target "${target}" is not an absolute path` };
  const flags = mode === '' ? [] : mode.split(',');
  const readOnly = flags.includes('ro') || flags.includes('readonly');
  return { ok: true, source, target, kind: isHostPath(source) ? 'bind' : 'volume', readOnly };
}

export function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~') || source.startsWith('\\') || DRIVE.test(source);
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || DRIVE.test(p);
}

function splitVolume(spec: string): string[] {
  const parts: string[] = [];
  let rest = spec;
  while (rest !== '') {
    // A drive letter at the start of a part belongs to that part.
    const skip = DRIVE.test(rest) ? 2 : 0;
    const colon = rest.indexOf(':', skip);
    if (colon === -1) {
      parts.push(rest);
      break;
    }
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
    if (rest === '') parts.push('');
  }
  return parts;
}
