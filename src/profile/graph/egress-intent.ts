/**
 * Whether a container's egress is all it is meant to call (docs/profile-v1.md, "Egress intent").
 *
 * `unknown` wins when an artifact says so (code reading a host from a variable nothing sets) or a
 * name it calls resolves to no service of the application. Next, a service that by nature calls no
 * one (a database, a cache) is `complete`. Otherwise `unknown` when a variable that holds an address
 * takes its value from somewhere not read (a Secret or ConfigMap outside the manifests, every key of
 * one, a compose env_file). `complete` when something vouches for the container's code: a service
 * role the image proves whose peers are declared (a proxy's upstreams), a known image of the
 * catalogue, analysed code. Addresses alone name the peers a container is told of, not all it may
 * call: with them and nothing vouching, or with nothing at all, it is `unknown`, not "none".
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
    for (const e of f.egressIntent ?? []) {
      if (e.env !== undefined) {
        const bound = boundByEnv(d, e.env);
        (bound === undefined ? unknown : complete).push({
          ...e.source,
          reason: `${e.source.reason}: ${bound ?? `no artifact of the container sets ${e.env.name}`}`,
        });
      } else (e.state === 'unknown' ? unknown : complete).push(e.source);
    }
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

  // Peers an artifact names are the ones the container is told of; they are all it calls only when
  // something vouches for its code: a role it proves (a proxy calls its declared upstreams), an image
  // the knowledge base knows, or analysed code. A custom image given a few addresses may call more.
  const proven = new Set(c.roles.filter((r) => r.evidence !== 'name').map((r) => r.id));
  const vouched: Source[] = [...complete, ...quiet];
  for (const role of roles) {
    if (proven.has(role.id) && SERVICE_CATEGORIES.has(role.category) && role.egress === 'declared') {
      vouched.push({
        kind: 'knowledge',
        artifact: 'charter-knowledge',
        kb: `role:${role.id}`,
        reason: `${role.name} calls only the peers its configuration declares (${role.source})`,
      });
    }
  }
  if (c.identity.image) {
    for (const entry of matchImageCatalogue(kb, c.identity.image)) {
      if (entry.openEgress !== undefined) {
        return {
          state: 'unknown',
          sources: [
            {
              kind: 'knowledge',
              artifact: 'charter-knowledge',
              kb: `image:${entry.id}`,
              reason: `${c.identity.image}: ${entry.openEgress} (${entry.source})`,
            },
          ],
        };
      }
      vouched.push({
        kind: 'knowledge',
        artifact: 'charter-knowledge',
        kb: `image:${entry.id}`,
        reason: `the knowledge base knows every peer ${c.identity.image} calls (${entry.source})`,
      });
    }
  }
  const named: Source[] = [];
  for (const r of c.network.egress) if (r.peer.kind !== 'any') named.push(...r.sources);
  if (vouched.length > 0) return { state: 'complete', sources: sortSources([...vouched, ...named]).slice(0, MAX_SOURCES) };
  if (named.length > 0) {
    return {
      state: 'unknown',
      sources: sortSources(
        named.map((s) => ({
          ...s,
          reason: `${s.reason}: a peer ${c.name} is told of; its image is not in the knowledge base and no code was analysed, so it may call others`,
        })),
      ).slice(0, MAX_SOURCES),
    };
  }
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

/**
 * Whether a host the code reads from a variable is one the artifacts name: the variable is set with
 * a value (an address the service graph resolves, or reports unresolved), or, unset, the code falls
 * back to a host it names or to localhost. A value from a Secret or ConfigMap that was not read
 * binds nothing.
 */
function boundByEnv(d: ContainerDraft, env: { name: string; whenUnset?: 'default' | 'local' }): string | undefined {
  const set = d.env.filter((v) => v.name === env.name || (v.name.endsWith('*') && env.name.startsWith(v.name.slice(0, -1))));
  if (set.some((v) => v.value === undefined)) return undefined;
  const at = set[0]?.source;
  if (at !== undefined) return `${env.name} is set by ${at.artifact}${at.line !== undefined ? `:${at.line}` : ''}`;
  if (env.whenUnset === 'default') return `${env.name} is not set, so the code uses the host it names`;
  if (env.whenUnset === 'local') return `${env.name} is not set, so the client connects to localhost`;
  return undefined;
}
