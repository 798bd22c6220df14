/**
 * Correlation: which fragments, from which artifacts, describe the same container.
 *
 * Deployment manifests (Kubernetes, compose, Marathon) define the containers; a compose service
 * and a Kubernetes workload of the same name are the same container described for two platforms.
 * Dockerfiles attach through compose `build.context`, else through a unique name match; images
 * attach through the Dockerfile the user names for them (`--image-for`), else their reference, else
 * the one Dockerfile their config and history say they were built from (image-build.ts). A
 * Dockerfile or image that matches nothing becomes a container of its own, so
 * `charter profile Dockerfile` and `charter profile oci-archive:x.tar` work alone.
 */
import type { Diagnostic } from '../model/charter.js';
import type { ContainerFragment, ImageFileIndex } from '../model/fragments.js';
import { buildEvidence, builtFrom } from './image-build.js';
import { canonicalImage, imageBasename, parseImageRef } from '../util/image-ref.js';
import { compareStrings } from '../util/sort.js';
import { posix } from 'node:path';

export interface ImageAttachment {
  fragment: ContainerFragment;
  files: ImageFileIndex;
  /** The image's history (`created_by` of each entry, oldest first): matched against Dockerfiles' RUN commands. */
  history?: readonly string[];
  /** A Dockerfile the user says the image is built from (`charter profile --image-for`), as they named it. */
  builtFrom?: string;
}

export interface ContainerGroup {
  name: string;
  deployment: ContainerFragment[];
  dockerfiles: ContainerFragment[];
  images: ImageAttachment[];
}

const DEPLOYMENT_KINDS = new Set(['kubernetes', 'compose', 'marathon']);

/** Name of a deployment fragment's container inside the application. */
function deploymentName(f: ContainerFragment, containersPerWorkload: ReadonlyMap<string, number>): string {
  const w = f.key.workload;
  if (f.declared.kind !== 'kubernetes' || !w) return f.key.name;
  const wk = workloadKey(w);
  // A one-container pod is known by its workload's name (what `kubectl get deploy` shows).
  if (f.key.name.startsWith('init:')) return `${w.name}/${f.key.name}`;
  return (containersPerWorkload.get(wk) ?? 1) > 1 ? `${w.name}/${f.key.name}` : w.name;
}

function workloadKey(w: { kind: string; name: string; namespace?: string }): string {
  return `${w.namespace ?? 'default'}/${w.kind}/${w.name}`;
}

function normContext(ctx: string | undefined): string | undefined {
  if (ctx === undefined) return undefined;
  const n = posix.normalize(ctx.replace(/\\/g, '/')).replace(/\/$/, '');
  return n === '' ? '.' : n;
}

export function correlate(
  fragments: readonly ContainerFragment[],
  images: readonly ImageAttachment[],
  diagnostics: Diagnostic[] = [],
): ContainerGroup[] {
  const deployment = fragments.filter((f) => DEPLOYMENT_KINDS.has(f.declared.kind));
  // Code analysis of an app directory attaches the way its Dockerfile does: by build context or name.
  const dockerfiles = fragments.filter((f) => f.declared.kind === 'dockerfile' || f.declared.kind === 'nodejs');

  const perWorkload = new Map<string, number>();
  for (const f of deployment) {
    if (f.key.workload && !f.key.name.startsWith('init:')) {
      const k = workloadKey(f.key.workload);
      perWorkload.set(k, (perWorkload.get(k) ?? 0) + 1);
    }
  }

  const groups = new Map<string, ContainerGroup>();
  const group = (name: string): ContainerGroup => {
    let g = groups.get(name);
    if (!g) {
      g = { name, deployment: [], dockerfiles: [], images: [] };
      groups.set(name, g);
    }
    return g;
  };
  for (const f of deployment) group(deploymentName(f, perWorkload)).deployment.push(f);

  const imagesOf = (g: ContainerGroup): string[] =>
    g.deployment.flatMap((f) => (f.image ? [f.image.ref] : f.key.image ? [f.key.image] : []));

  // Groups by build context and by name (their own, or their image's basename), built once: with
  // thousands of services, scanning every group for every Dockerfile was quadratic.
  const byContext = new Map<string, ContainerGroup[]>();
  const byName = new Map<string, ContainerGroup[]>();
  const index = (m: Map<string, ContainerGroup[]>, key: string, g: ContainerGroup): void => {
    const list = m.get(key);
    if (!list) m.set(key, [g]);
    else if (list.at(-1) !== g) list.push(g);
  };
  for (const g of groups.values()) {
    for (const f of g.deployment) {
      const ctx = normContext(f.key.buildContext);
      if (ctx !== undefined) index(byContext, ctx, g);
    }
    index(byName, g.name, g);
    for (const ref of imagesOf(g)) index(byName, imageBasename(ref), g);
  }

  for (const d of dockerfiles) {
    const ctx = normContext(d.key.buildContext);
    // A compose service builds this file when its context is the file's directory and it names
    // this file, or names none and the file has a default name.
    const defaultName = /^(Dockerfile|Containerfile)$/.test(posix.basename(d.key.dockerfile ?? 'Dockerfile'));
    let targets = (ctx === undefined ? [] : (byContext.get(ctx) ?? [])).filter((g) =>
      g.deployment.some(
        (f) =>
          f.key.buildContext !== undefined &&
          normContext(f.key.buildContext) === ctx &&
          (f.key.dockerfile !== undefined ? normContext(f.key.dockerfile) === normContext(d.key.dockerfile) : defaultName),
      ),
    );
    if (targets.length === 0) {
      const byNameHits = uniqueGroups(byName.get(d.key.name) ?? []);
      if (byNameHits.length > 0) targets = byNameHits;
    }
    if (targets.length === 0) {
      const created = group(uniqueName(groups, d.key.name));
      index(byName, created.name, created);
      targets = [created];
    }
    for (const t of targets) t.dockerfiles.push(d);
  }

  for (const img of images) {
    const ref = img.fragment.image?.ref ?? img.fragment.key.image ?? img.fragment.key.name;
    const canonical = canonicalImage(ref);
    const repo = parseImageRef(ref).repository;
    const paired = img.builtFrom !== undefined ? pairedGroup(img, ref, groups, diagnostics) : undefined;
    if (paired) {
      paired.images.push(img);
      continue;
    }
    let targets = [...groups.values()].filter((g) => imagesOf(g).some((r) => canonicalImage(r) === canonical));
    if (targets.length === 0) {
      targets = [...groups.values()].filter((g) => imagesOf(g).some((r) => parseImageRef(r).repository === repo));
    }
    if (targets.length === 0) {
      const base = imageBasename(ref);
      targets = [...groups.values()].filter(
        (g) => g.images.length === 0 && g.deployment.length === 0 && g.dockerfiles.some((d) => d.key.name === base),
      );
      for (const t of targets) reportNameMatch(img, ref, base, t, diagnostics);
    }
    if (targets.length === 0) {
      const built = builtFromDockerfile(img, ref, groups, imagesOf, diagnostics);
      if (built) targets = [built];
    }
    if (targets.length === 0) targets = [group(uniqueName(groups, img.fragment.key.name))];
    for (const t of targets) t.images.push(img);
  }

  return [...groups.values()].sort((a, b) => compareStrings(a.name, b.name));
}

/** The Dockerfile fragments of a group (not code analyses, which attach like them). */
const dockerfilesOf = (g: ContainerGroup): ContainerFragment[] => g.dockerfiles.filter((d) => d.declared.kind === 'dockerfile');

/**
 * The container of the Dockerfile the user named for this image (`--image-for`): its path as the
 * profile names it, or a path that ends with it (`shop/web/Dockerfile` for `web/Dockerfile`) or that
 * it ends with. No match, or several, is an error diagnostic and the image is matched as usual.
 */
function pairedGroup(
  img: ImageAttachment,
  ref: string,
  groups: ReadonlyMap<string, ContainerGroup>,
  diagnostics: Diagnostic[],
): ContainerGroup | undefined {
  const named = posix.normalize((img.builtFrom ?? '').replace(/\\/g, '/')).replace(/^\.\//, '');
  const hits: { g: ContainerGroup; d: ContainerFragment }[] = [];
  for (const g of groups.values()) {
    for (const d of dockerfilesOf(g)) {
      const path = d.declared.artifact;
      if (path === named || named.endsWith(`/${path}`) || path.endsWith(`/${named}`)) hits.push({ g, d });
    }
  }
  const hit = hits[0];
  if (hits.length !== 1 || !hit) {
    diagnostics.push({
      code: hits.length === 0 ? 'profile/image-for-unmatched' : 'profile/image-for-ambiguous',
      severity: 'error',
      message:
        hits.length === 0
          ? `--image-for names ${named} for image ${ref}, but no Dockerfile read has that path`
          : `--image-for names ${named} for image ${ref}, which matches ${hits.length} Dockerfiles: ${hits.map((h) => h.d.declared.artifact).join(', ')}`,
      file: named,
    });
    return undefined;
  }
  const e = buildEvidence(img, hit.d);
  const doubt = e.contradicts.length > 0 ? `; but ${e.contradicts.join('; ')}` : '';
  diagnostics.push({
    code: 'profile/image-built-from',
    severity: e.contradicts.length > 0 ? 'warning' : 'info',
    message: `image ${ref} is the image of ${hit.d.declared.artifact}, as --image-for says${e.agrees.length > 0 ? `: ${e.agrees.join(', ')}` : ''}${doubt}`,
    file: hit.d.declared.artifact,
  });
  return hit.g;
}

/** An image joined to a Dockerfile by its name alone: said so, with what its config and history add or contradict. */
function reportNameMatch(img: ImageAttachment, ref: string, base: string, g: ContainerGroup, diagnostics: Diagnostic[]): void {
  for (const d of dockerfilesOf(g).filter((x) => x.key.name === base)) {
    const e = buildEvidence(img, d);
    const also = e.agrees.length > 0 ? `; ${e.agrees.join(', ')}` : '';
    const doubt = e.contradicts.length > 0 ? `; but ${e.contradicts.join('; ')}` : '';
    diagnostics.push({
      code: 'profile/image-built-from',
      severity: e.contradicts.length > 0 ? 'warning' : 'info',
      message: `image ${ref} is the image of ${d.declared.artifact} by its name (${base})${also}${doubt}`,
      file: d.declared.artifact,
    });
  }
}

/**
 * The container of the one Dockerfile this image was built from, by the evidence of its config and
 * history (image-build.ts), among containers that have a Dockerfile, no image and no image
 * reference of their own. Two such Dockerfiles is ambiguity: reported, not guessed.
 */
function builtFromDockerfile(
  img: ImageAttachment,
  ref: string,
  groups: ReadonlyMap<string, ContainerGroup>,
  imagesOf: (g: ContainerGroup) => string[],
  diagnostics: Diagnostic[],
): ContainerGroup | undefined {
  const hits: { g: ContainerGroup; d: ContainerFragment; agrees: string[] }[] = [];
  for (const g of groups.values()) {
    if (g.images.length > 0 || imagesOf(g).length > 0) continue;
    for (const d of dockerfilesOf(g)) {
      const e = buildEvidence(img, d);
      if (builtFrom(e)) hits.push({ g, d, agrees: e.agrees });
    }
  }
  const hit = hits[0];
  if (hits.length > 1) {
    diagnostics.push({
      code: 'profile/image-built-from-ambiguous',
      severity: 'warning',
      message: `image ${ref} matches ${hits.length} Dockerfiles (${hits.map((h) => h.d.declared.artifact).join(', ')}); it is profiled as a container of its own: name the one it is built from with --image-for`,
      file: ref,
    });
    return undefined;
  }
  if (!hit) return undefined;
  diagnostics.push({
    code: 'profile/image-built-from',
    severity: 'info',
    message: `image ${ref} is the image of ${hit.d.declared.artifact}: ${hit.agrees.join(', ')}`,
    file: hit.d.declared.artifact,
  });
  return hit.g;
}

/** The groups of a list without repeats, in list order (a group is listed under a name once per way it answers to it). */
function uniqueGroups(list: readonly ContainerGroup[]): ContainerGroup[] {
  return [...new Set(list)];
}

function uniqueName(groups: ReadonlyMap<string, ContainerGroup>, base: string): string {
  if (!groups.has(base)) return base;
  for (let i = 2; ; i++) if (!groups.has(`${base}-${i}`)) return `${base}-${i}`;
}
