/**
 * Whether a container's egress is all it is meant to call (docs/profile-v1.md, "Egress intent").
 *
 * `unknown` wins when an artifact says so (code reading a host from a variable nothing sets) or a
 * name it calls resolves to no service of the application. Next, a service that by nature calls no
 * one (a database, a cache) is `complete`. Otherwise `unknown` when a variable that holds an address
 * takes its value from somewhere not read (a Secret or ConfigMap outside the manifests, every key of
 * one, a compose env_file); `complete` when something declares its peers: an address that made an
 * edge, a dependency, a known image of the catalogue, analysed code. With none of these nothing is
 * known, and that is `unknown`, not "none".
 */
import type { EgressIntent, Source } from '../../model/charter.js';
import type { KnowledgeBase, RoleEntry } from '../../knowledge/schema.js';
import { matchImageCatalogue } from '../../knowledge/index.js';
import type { ContainerDraft } from '../assemble.js';
import { isAddressVariable } from './addresses.js';
import { sortSources } from '../../util/rule-set.js';

/** Roles that are the container's service itself (a database, a cache), not a tool inside it. */
const SERVICE_CATEGORIES: ReadonlySet<RoleEntry['category']> = new Set([
  'database',
  'cache',
  'broker',
  'web-server',
  'proxy',
  'application',
]);

/** Sources kept on one side: enough to say why, not every edge of a container with hundreds. */
const MAX_SOURCES = 8;

export function egressIntent(
  d: ContainerDraft,
  roles: readonly RoleEntry[],
  unresolved: readonly Source[],
  kb: KnowledgeBase,
): EgressIntent {
  const c = d.charter;
  const unknown: Source[] = [];
  const complete: Source[] = [];
  for (const f of d.fragments) {
    for (const e of f.egressIntent ?? []) (e.state === 'unknown' ? unknown : complete).push(e.source);
  }
  unknown.push(...unresolved.map((s) => ({ ...s, reason: `${s.reason}: a peer no artifact of the application declares` })));
  if (unknown.length > 0) return { state: 'unknown', sources: sortSources(unknown).slice(0, MAX_SOURCES) };

  // A service that by nature calls no one (a database, a cache) stays so whatever its variables say.
  const quiet: Source[] = roles
    .filter((role) => SERVICE_CATEGORIES.has(role.category) && (role.egress === 'none' || role.egress === 'dns'))
    .map((role) => ({
      kind: 'knowledge',
      artifact: 'charter-knowledge',
      kb: `role:${role.id}`,
      reason: `${role.name} calls no other service (${role.source})`,
    }));
  if (quiet.length === 0) {
    for (const e of d.env) {
      if (e.value !== undefined || e.ownField) continue;
      // `PREFIX*` / `*`: every key of a ConfigMap, Secret or env file that was not read, so any address among them.
      if (e.name.endsWith('*') || isAddressVariable(e.name)) {
        unknown.push({ ...e.source, reason: `${e.source.reason}: it may name a peer, and its value is not in the artifacts read` });
      }
    }
    if (unknown.length > 0) return { state: 'unknown', sources: sortSources(unknown).slice(0, MAX_SOURCES) };
  }

  for (const r of c.network.egress) {
    if (r.peer.kind === 'any') continue;
    complete.push(...r.sources);
  }
  if (c.identity.image) {
    for (const entry of matchImageCatalogue(kb, c.identity.image)) {
      complete.push({
        kind: 'knowledge',
        artifact: 'charter-knowledge',
        kb: `image:${entry.id}`,
        reason: `the knowledge base knows every peer ${c.identity.image} calls (${entry.source})`,
      });
    }
  }
  complete.push(...quiet);
  if (complete.length > 0) return { state: 'complete', sources: sortSources(complete).slice(0, MAX_SOURCES) };
  const declared = c.identity.sources[0];
  return {
    state: 'unknown',
    sources: [
      {
        ...(declared ?? { kind: 'inferred', artifact: c.name }),
        reason: `nothing declares what ${c.name} calls: no address names a peer, its image is not in the knowledge base, no code was analysed`,
      },
    ],
  };
}
