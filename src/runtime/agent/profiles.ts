/**
 * The agent's profiles: one engine per `--profile` file, and which of them a running container
 * belongs to.
 *
 * One engine per profile, not one merged charter: each profile is one application, whose container
 * names (`web`, `db`) mean something only inside it and may repeat in another; its peers, address
 * book and learned allowances are its own; and a verdict must name the file that would change.
 * Merging would rename containers and mix their peers. The cost is one matcher question per profile
 * when a container starts, not per event: the answer is bound to the container's id.
 */
import { readInputText } from '../../io/read-input.js';
import type { Charter } from '../../model/charter.js';
import type { Mode } from '../../model/verdicts.js';
import { MAX_PROFILE_BYTES, parseCharter } from '../../profile/serialize.js';
import { addressKey } from '../address-book.js';
import type { AddressBook } from '../engine/judge.js';
import type { ContainerMatch } from '../engine/match-container.js';
import { RuntimeEngine } from '../engine/engine.js';
import type { RunningContainer } from './types.js';

/** The addresses of the application's running containers, kept as they start and stop: the engine's peers. */
export class LiveAddressBook implements AddressBook {
  private readonly entries = new Map<string, { container: string; names: string[] }>();

  set(addresses: readonly string[], container: string, names: readonly string[]): void {
    for (const a of addresses) {
      const k = addressKey(a);
      if (k !== undefined) this.entries.set(k, { container, names: [...new Set([container, ...names].map((n) => n.toLowerCase()))] });
    }
  }

  delete(addresses: readonly string[]): void {
    for (const a of addresses) {
      const k = addressKey(a);
      if (k !== undefined) this.entries.delete(k);
    }
  }

  lookup(address: string): { container?: string; names: readonly string[] } | undefined {
    const k = addressKey(address);
    return k === undefined ? undefined : this.entries.get(k);
  }
}

export interface ProfileSlot {
  /** The file as the user named it. */
  readonly file: string;
  readonly charter: Charter;
  readonly engine: RuntimeEngine;
  readonly book: LiveAddressBook;
}

/** Reads and compiles every profile; a malformed one throws naming its file (and position), before anything runs. */
export async function openProfiles(files: readonly string[], mode: Mode): Promise<ProfileSlot[]> {
  const slots: ProfileSlot[] = [];
  for (const file of files) {
    const charter = parseCharter(await readInputText(file, { maxBytes: MAX_PROFILE_BYTES, what: 'profile' }), file);
    slots.push(slotOf(charter, file, mode));
  }
  return slots;
}

/** One application's engine and address book; `file` names where the charter came from (a file, or `derived from image …`). */
export function slotOf(charter: Charter, file: string, mode: Mode): ProfileSlot {
  const book = new LiveAddressBook();
  return { file, charter, engine: new RuntimeEngine(charter, { mode, addressBook: book }), book };
}

/** A running container's charter container: in which profile, and how it was recognised. */
export interface Binding {
  readonly slot: ProfileSlot;
  readonly match: ContainerMatch;
}

export interface MatchResult {
  readonly binding?: Binding;
  /** Set when the answer was not unique or there is none: one sentence for a `profile` alert. */
  readonly note?: string;
}

/**
 * Which charter container a running container is: by its image first (the digest that was
 * profiled, else the repository), then by its name (or labels), across every profile. When several
 * answer, a name that agrees with one image answer decides; otherwise the first profile given wins
 * and the note says so.
 */
export function matchRunning(rc: RunningContainer, slots: readonly ProfileSlot[]): MatchResult {
  const digests = [rc.imageId, rc.imageDigest].filter((d): d is string => d !== undefined);
  const byImage = slots.flatMap((slot) => slot.engine.matcher.matchImage(rc.image, digests).map((match) => ({ slot, match })));
  if (byImage.length === 1) return { binding: byImage[0]! };
  const byName = slots.flatMap((slot) => {
    const match = slot.engine.matcher.resolve({ id: rc.id, name: rc.name, labels: { ...rc.labels } });
    return match !== undefined && match.by !== 'image' ? [{ slot, match }] : [];
  });
  if (byImage.length > 1) {
    const agreed = byImage.filter((b) => byName.some((n) => n.slot === b.slot && n.match.name === b.match.name));
    if (agreed.length === 1) return { binding: { slot: agreed[0]!.slot, match: { name: agreed[0]!.match.name, by: 'image' } } };
    return ambiguous(rc, byImage, 'image');
  }
  if (byName.length === 1) return { binding: byName[0]! };
  if (byName.length > 1) return ambiguous(rc, byName, 'name');
  return {
    note: `${rc.name} (image ${rc.image || '?'}) matches no container of ${slots.map((s) => s.file).join(', ')}: watched in monitor mode, its events counted, not judged`,
  };
}

function ambiguous(rc: RunningContainer, found: readonly Binding[], by: string): MatchResult {
  const first = found[0]!;
  const all = found.map((b) => `${b.match.name} of ${b.slot.file}`).join(', ');
  return { binding: first, note: `${rc.name}: its ${by} matches ${all}; judged as ${first.match.name} of ${first.slot.file}` };
}
