/**
 * Which container of the charter an event's container is. Runtimes name containers their own way:
 * Kubernetes by pod (`<workload>-<hash>-<suffix>`) and container name, compose by
 * `<project>[-_]<service>[-_]<n>`, podman by whatever `--name` said; Tetragon and Falco report
 * images by reference. The answers, in order of strength: an explicit mapping the user gave, the
 * name, the pod's workload with the container name, the image reference, the pod labels. The
 * answer is memoised per runtime container id (every event of a container asks the same question).
 *
 * A host agent knows more than an event does (the runtime's image id and digest, which profile
 * file a container belongs to) and decides once, when the container starts: it asks
 * `matchImage` and `match`, then `bind`s the id to its answer, which every event of that
 * container then gets without asking again.
 */
import type { Charter, ContainerCharter } from '../../model/charter.js';
import type { ContainerRef } from '../../model/events.js';
import { parseImageRef } from '../../util/image-ref.js';

export interface ContainerMatch {
  readonly name: string;
  /** How it was matched, for the verdict's explanation. */
  readonly by: 'mapping' | 'name' | 'workload' | 'image' | 'labels';
}

function repository(ref: string): string {
  try {
    return parseImageRef(ref).repository;
  } catch {
    return ref;
  }
}

export class ContainerMatcher {
  private readonly memo = new Map<string, ContainerMatch | null>();
  /** Runtime ids bound at run time: never evicted with the memo, removed by `unbind` when the container goes. */
  private readonly bound = new Map<string, ContainerMatch>();
  private readonly byName = new Map<string, string[]>();
  private readonly byImage = new Map<string, string[]>();
  private readonly byDigest = new Map<string, string[]>();

  constructor(
    private readonly charter: Charter,
    /** Runtime container id, short id or name → charter container name (the user's `--container`). */
    private readonly mapping: ReadonlyMap<string, string> = new Map(),
  ) {
    const add = (m: Map<string, string[]>, k: string, v: string): void => {
      const list = m.get(k);
      if (!list) m.set(k, [v]);
      else if (!list.includes(v)) list.push(v);
    };
    for (const c of charter.containers) {
      add(this.byName, c.name, c.name);
      for (const a of c.identity.aliases) add(this.byName, a, c.name);
      if (c.identity.image !== undefined) add(this.byImage, repository(c.identity.image), c.name);
      if (c.identity.digest !== undefined) add(this.byDigest, bareDigest(c.identity.digest), c.name);
    }
  }

  /** Binds a runtime container id to a charter container until `unbind`: it answers before any other rule. */
  bind(id: string, match: ContainerMatch): void {
    this.bound.set(id, match);
    this.memo.delete(id);
  }

  unbind(id: string): void {
    this.bound.delete(id);
    this.memo.delete(id);
  }

  /**
   * The charter containers an image names: by digest first (the image's manifest digest or id equal
   * to a container's `identity.digest`: the very image that was profiled), else by repository.
   * Several answers mean the image alone does not decide.
   */
  matchImage(image: string | undefined, digests: readonly string[] = []): ContainerMatch[] {
    const exact = [...new Set(digests.flatMap((d) => this.byDigest.get(bareDigest(d)) ?? []))];
    if (exact.length > 0) return exact.map((name) => ({ name, by: 'image' }));
    return image === undefined ? [] : (this.byImage.get(repository(image)) ?? []).map((name) => ({ name, by: 'image' }));
  }

  match(ref: ContainerRef): ContainerMatch | undefined {
    const bound = this.bound.get(ref.id);
    if (bound !== undefined) return bound;
    const memo = this.memo.get(ref.id);
    if (memo !== undefined) return memo ?? undefined;
    const m = this.resolve(ref);
    // The memo is per container id; a stream of a million containers would grow it, so it is bounded.
    if (this.memo.size >= 100_000) this.memo.clear();
    this.memo.set(ref.id, m ?? null);
    return m;
  }

  /** The answer of the rules alone, neither memoised nor bound: what an agent asks before it binds. */
  resolve(ref: ContainerRef): ContainerMatch | undefined {
    const mapped =
      this.mapping.get(ref.id) ??
      this.mapping.get(ref.id.slice(0, 12)) ??
      (ref.name !== undefined ? this.mapping.get(ref.name) : undefined);
    if (mapped !== undefined) return { name: mapped, by: 'mapping' };
    const containers = this.charter.containers;
    if (ref.name !== undefined) {
      const named = this.byName.get(ref.name) ?? [];
      const inPod = ref.pod !== undefined ? named.filter((n) => this.runsInPod(n, ref)) : named;
      if (inPod.length === 1) return { name: inPod[0]!, by: ref.pod !== undefined ? 'workload' : 'name' };
      if (named.length === 1 && ref.pod === undefined) return { name: named[0]!, by: 'name' };
      // compose and podman: `<project>-<service>-<n>` / `<project>_<service>_<n>`.
      const composed = containers.filter((c) => new RegExp(`(^|[-_])${escape(c.name)}([-_]\\d+)?$`).test(ref.name!));
      if (composed.length === 1) return { name: composed[0]!.name, by: 'name' };
    }
    if (ref.image !== undefined || ref.imageDigest !== undefined) {
      const byImage = this.matchImage(ref.image, ref.imageDigest !== undefined ? [ref.imageDigest] : []);
      if (byImage.length === 1) return byImage[0];
    }
    if (ref.labels !== undefined) {
      const labels = ref.labels;
      const byLabels = containers.filter((c) => {
        const want = Object.entries(c.identity.labels ?? {});
        return (
          want.length > 0 &&
          want.every(([k, v]) => labels[k] === v) &&
          (ref.name === undefined || c.name === ref.name || c.identity.aliases.includes(ref.name))
        );
      });
      if (byLabels.length === 1) return { name: byLabels[0]!.name, by: 'labels' };
    }
    return undefined;
  }

  /** Whether a pod of one of the container's workloads could have this name (Deployment, StatefulSet, Job, bare Pod). */
  private runsInPod(name: string, ref: ContainerRef): boolean {
    const c: ContainerCharter | undefined = this.charter.containers.find((x) => x.name === name);
    if (!c || c.identity.workloads.length === 0) return true;
    return c.identity.workloads.some(
      (w) =>
        (ref.namespace === undefined || w.namespace === undefined || w.namespace === ref.namespace) &&
        (ref.pod === w.name || ref.pod!.startsWith(`${w.name}-`)),
    );
  }
}

/** `sha256:ab…` and `ab…` name the same image: podman prints ids bare, manifests prefixed. */
function bareDigest(d: string): string {
  return d.toLowerCase().replace(/^sha256:/, '');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
