/**
 * Image checks (CHARTER-IMG-…): functions of the image reader's facts (run configuration and the
 * final file index after whiteouts), so they see what a container started from the image sees.
 */
import type { ImageFacts } from '../../model/image.js';
import type { ImageFile } from '../../model/fragments.js';
import { finding, location } from '../../knowledge/hygiene-catalogue.js';
import type { Finding } from '../../model/findings.js';
import { checkData, looksLikeSecretValue } from './data.js';
import { compareStrings } from '../../util/sort.js';

export const IMAGE_CHECK_IDS = ['CHARTER-IMG-001', 'CHARTER-IMG-002', 'CHARTER-IMG-003', 'CHARTER-IMG-004', 'CHARTER-IMG-005'] as const;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
/** A regular file, or an entry whose mode carries no type bits (treated as a file). */
const isRegular = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFREG || (f.mode & S_IFMT) === 0;

/** Sample paths listed per cache finding; the description gives the full count. */
export const MAX_CACHE_SAMPLES = 5;

export function checkImage(image: ImageFacts): Finding[] {
  const d = checkData();
  const findings: Finding[] = [];
  const artifact = image.ref;

  const user = (image.config.User ?? '').trim();
  const name = user.split(':')[0] ?? '';
  if (name === '' || name === 'root' || /^0+$/.test(name)) {
    findings.push(
      finding('CHARTER-IMG-001', [location({ artifact, pointer: '/config/User' })], {
        title: user === '' ? 'The image runs as root (no User in its configuration)' : `The image runs as root (User ${user})`,
      }),
    );
  }

  const test = image.config.Healthcheck?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') {
    findings.push(finding('CHARTER-IMG-004', [location({ artifact, pointer: '/config/Healthcheck' })]));
  }

  for (const [i, entry] of (image.config.Env ?? []).entries()) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    if (d.secretName.test(key) && looksLikeSecretValue(entry.slice(eq + 1))) {
      findings.push(
        finding('CHARTER-IMG-005', [location({ artifact, pointer: `/config/Env/${i}` })], {
          title: `Secret in the image environment: ${key}`,
          description: `Env ${key} has a literal value (${entry.length - eq - 1} characters, not shown); anyone who can pull the image can read it.`,
        }),
      );
    }
  }

  const paths = [...image.files.keys()].sort();
  const caches = new Map<string, { files: ImageFile[]; bytes: number }>();
  for (const p of paths) {
    const f = image.files.get(p);
    if (!f || !isRegular(f)) continue;
    if (f.setuid || f.setgid) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      const expected = d.expectedSetuidBinaries.has(base);
      const bits = [f.setuid ? 'setuid' : '', f.setgid ? 'setgid' : ''].filter(Boolean).join('+');
      findings.push(
        finding('CHARTER-IMG-002', [location({ artifact, layer: f.layer, path: p })], {
          title: `${bits} file ${p}`,
          severity: expected ? 'low' : 'high',
          description: expected
            ? `${p} is ${bits} (mode ${(f.mode & 0o7777).toString(8)}). It is a common system tool, but a service container rarely needs it.`
            : `${p} is ${bits} (mode ${(f.mode & 0o7777).toString(8)}) and is not one of the usual system tools: find out what installed it.`,
        }),
      );
    }
    for (const c of d.packageCaches) {
      if (!p.startsWith(c.prefix) || !p.endsWith(c.suffix)) continue;
      // apt's lock file and the empty partial/ directory are there after every clean.
      if (p.endsWith('/lock') || p.includes('/partial/')) continue;
      const entry = caches.get(c.name) ?? { files: [], bytes: 0 };
      entry.files.push(f);
      entry.bytes += f.size;
      caches.set(c.name, entry);
    }
  }
  for (const [cacheName, { files, bytes }] of [...caches.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    findings.push(
      finding(
        'CHARTER-IMG-003',
        files.slice(0, MAX_CACHE_SAMPLES).map((f) => location({ artifact, layer: f.layer, path: f.path })),
        {
          title: `Package-manager cache in the image: ${cacheName}`,
          description: `${files.length} file${files.length === 1 ? '' : 's'}, ${bytes} bytes of ${cacheName} remain in the final file system${files.length > MAX_CACHE_SAMPLES ? ` (the first ${MAX_CACHE_SAMPLES} are listed)` : ''}.`,
        },
      ),
    );
  }
  return findings;
}
