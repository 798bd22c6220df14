/**
 * "What would allow it": for a deviation, the declarations that would make it intent, each naming
 * the artifact (and line) that declares the container. Derived from the container's own
 * provenance, so the hint points at the file the user would edit.
 */
import { dirname } from 'node:path/posix';
import type { ContainerCharter, Source } from '../../model/charter.js';

export type Need =
  | { kind: 'process'; path: string }
  | { kind: 'peer'; peer: string; port?: number; protocol: string }
  | { kind: 'listen'; port: number; protocol: string }
  | { kind: 'writable'; path: string }
  | { kind: 'capability'; name: string }
  | { kind: 'user'; uid?: number };

function where(s: Source): string {
  return s.line !== undefined ? `${s.artifact}:${s.line}` : s.artifact;
}

function hint(s: Source, c: ContainerCharter, need: Need): string | undefined {
  const at = where(s);
  const name = c.name;
  switch (s.kind) {
    case 'dockerfile':
      switch (need.kind) {
        case 'process':
          return `install ${need.path} in ${at} and run it from ENTRYPOINT, CMD or HEALTHCHECK`;
        case 'listen':
          return `EXPOSE ${need.port}${need.protocol === 'tcp' ? '' : `/${need.protocol}`} in ${at}`;
        case 'writable':
          return `VOLUME ${dirname(need.path)} in ${at}`;
        case 'peer':
          return `ENV with the address of ${need.peer}${need.port !== undefined ? `:${need.port}` : ''} in ${at}`;
        case 'user':
          return `USER in ${at}`;
        default:
          return undefined;
      }
    case 'compose':
      switch (need.kind) {
        case 'process':
          return `name ${need.path} in command, entrypoint or healthcheck of service ${name} (${at})`;
        case 'listen':
          return `ports or expose: ${need.port} for service ${name} (${at})`;
        case 'writable':
          return `a volume or tmpfs at ${dirname(need.path)} for service ${name} (${at})`;
        case 'peer':
          return `declare ${need.peer}${need.port !== undefined ? ` port ${need.port}` : ''} for service ${name} (${at}): depends_on or links to the service, or its address in environment`;
        case 'capability':
          return `cap_add: [${need.name.replace(/^CAP_/, '')}] for service ${name} (${at})`;
        case 'user':
          return `user: for service ${name} (${at})`;
      }
      return undefined;
    case 'kubernetes':
      switch (need.kind) {
        case 'process':
          return `name ${need.path} in command, args or a probe of container ${name} (${at})`;
        case 'listen':
          return `containerPort: ${need.port} for container ${name} (${at})`;
        case 'writable':
          return `a volume (emptyDir or a claim) mounted at ${dirname(need.path)} in container ${name} (${at})`;
        case 'peer':
          return `the address of ${need.peer}${need.port !== undefined ? `:${need.port}` : ''} in env of container ${name} (${at})`;
        case 'capability':
          return `securityContext.capabilities.add: [${need.name.replace(/^CAP_/, '')}] for container ${name} (${at})`;
        case 'user':
          return `securityContext.runAsUser for container ${name} (${at})`;
      }
      return undefined;
    case 'marathon':
      switch (need.kind) {
        case 'process':
          return `cmd or args of app ${name} (${at})`;
        case 'listen':
          return `portDefinitions or portMappings of app ${name} (${at})`;
        case 'peer':
          return `dependencies or an address in env of app ${name} (${at})`;
        case 'writable':
          return `a volume at ${dirname(need.path)} for app ${name} (${at})`;
        default:
          return undefined;
      }
    case 'image':
      return need.kind === 'process' ? `a new image that ships ${need.path} (${s.artifact}): a running container never changes` : undefined;
    default:
      return undefined;
  }
}

/** Every distinct hint the container's declaring artifacts give, in their order. */
export function wouldAllow(c: ContainerCharter, need: Need): string[] {
  const out: string[] = [];
  for (const s of c.identity.sources) {
    const h = hint(s, c, need);
    if (h !== undefined && !out.includes(h)) out.push(h);
  }
  return out;
}
