/**
 * What readers produce: fragments of intent with provenance. A reader never sees another
 * artifact; the profile (src/profile: correlate, assemble) joins fragments into containers and the graph
 * builder (src/profile/graph) turns addresses into edges.
 */
import type {
  ArtifactKind,
  Diagnostic,
  NamedRule,
  PeerRule,
  PortRule,
  ProcessRule,
  Source,
  WritablePath,
  Flag,
  SyscallLayer,
  EgressIntentState,
} from './charter.js';

/** A Kubernetes ConfigMap or Secret, as a container's variables name it. */
export interface ConfigRef {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
}

/**
 * One step of the kubelet's computation of a container's variables (util/kube-env.ts); `source`
 * is where the manifest writes it (its reason is replaced when the step is computed).
 */
export type KubeEnvStep =
  | { step: 'from'; ref: ConfigRef; prefix: string; source: Source }
  | { step: 'literal'; name: string; value: string; source: Source }
  | { step: 'key'; name: string; ref: ConfigRef; key: string; source: Source }
  /** A value the manifests cannot say (`fieldRef`, `resourceFieldRef`): `source.reason` is kept as it is. */
  | { step: 'field'; name: string; ownField: boolean; source: Source };

/** A Kubernetes container's mount of a ConfigMap or Secret volume (all its keys, or `items`; `subPath`: one file). */
export interface KubeMount {
  ref: ConfigRef;
  items?: { key: string; path: string }[];
  mountPath: string;
  subPath?: string;
}

/** How a fragment is matched to fragments of the same container from other artifacts. */
export interface FragmentKey {
  /** Container / service name as the artifact says it (compose service, k8s container, Marathon app id). */
  name: string;
  /** Application scope: compose project dir, Kubernetes namespace, Marathon group path. */
  scope?: string;
  /** Image reference as written (normalised later). */
  image?: string;
  /** Compose `build.context` / Dockerfile directory, relative to the target root. */
  buildContext?: string;
  /** The Dockerfile's path relative to the target root (Dockerfile reader; compose `build.dockerfile`). */
  dockerfile?: string;
  /** Workload that owns it (Kubernetes Deployment etc.). */
  workload?: { kind: string; name: string; namespace?: string };
}

export interface EnvVar {
  name: string;
  /** Literal value; absent when it comes from a Secret/ConfigMap the run did not read. */
  value?: string;
  /** From a Secret: used to find peers, never printed. */
  sensitive?: boolean;
  /** The value is a field of the pod or container itself (Kubernetes downward API): never a peer's address. */
  ownField?: boolean;
  source: Source;
}

export interface ContainerFragment {
  key: FragmentKey;
  /** Provenance of the fragment's existence (the service / container declaration itself). */
  declared: Source;
  image?: { ref: string; digest?: string; source: Source };
  user?: { name: string; source: Source };
  workingDir?: { name: string; source: Source };
  /** Processes; for fragments without an image the sha256 is absent and filled by the merger. */
  processes: ProcessRule[];
  listen: PortRule[];
  ingress: PeerRule[];
  egress: PeerRule[];
  writable: WritablePath[];
  readOnlyRoot?: Flag;
  capabilities: NamedRule[];
  /** Capabilities an artifact explicitly drops (e.g. `cap_drop: [ALL]`). */
  dropCapabilities: NamedRule[];
  privileges: {
    privileged?: Flag;
    hostNetwork?: Flag;
    hostPID?: Flag;
    hostIPC?: Flag;
    allowPrivilegeEscalation?: Flag;
  };
  env: EnvVar[];
  /** Names of other services this one declares it needs (compose depends_on/links, Marathon dependencies). */
  dependsOn: { name: string; alias?: string; source: Source }[];
  /**
   * What this artifact says of the completeness of the container's egress: `unknown` when it names
   * a peer it cannot resolve (code reading a host from a variable nothing sets), `complete` when it
   * declares every peer it calls (e.g. analysed code with only literal peers). The profile combines
   * them (any unknown wins) into the charter's `network.egressIntent`.
   */
  egressIntent?: {
    state: EgressIntentState;
    source: Source;
    /**
     * The code reads the peer's host from this environment variable: the entry is `complete` when
     * the container's artifacts set it (its value is then a declared peer) or `whenUnset` says what
     * the code falls back to; `unknown` otherwise.
     */
    env?: { name: string; whenUnset?: 'default' | 'local' };
  }[];
  /** Pod labels, for Service selectors. */
  labels: Record<string, string>;
  /** Packages installed by RUN lines or found in the image's package databases (for roles). */
  packages: { name: string; version?: string; source: Source }[];
  /**
   * Commands mentioned in intent (entrypoints, HEALTHCHECK, probes), already split into argv.
   * `replaces` (deployment manifests only): what of the image's launch command this one overrides —
   * `entrypoint+cmd` (Kubernetes `command`, compose `entrypoint`, Marathon `cmd`) or only `cmd`
   * (Kubernetes `args` alone, compose `command` alone, Marathon `args`).
   */
  commands: {
    argv: string[];
    shell: boolean;
    purpose: ProcessRule['purpose'];
    source: Source;
    replaces?: 'entrypoint+cmd' | 'cmd';
    /**
     * The argv as the platform runs it, when that differs from `argv` (Kubernetes `$(VAR)` references
     * expanded from the container's variables): read to find the peers it names, never printed.
     */
    expanded?: string[];
    /** True when `expanded` holds a Secret's value. */
    sensitive?: boolean;
  }[];
  /**
   * Kubernetes only, when a variable comes from a ConfigMap or Secret the manifest's own file does
   * not hold: the kubelet's steps (util/kube-env.ts), for the profile to compute `env` and the
   * expanded command again with the ConfigMaps and Secrets of every manifest read.
   */
  kubeEnv?: { what: string; steps: KubeEnvStep[] };
  /** Kubernetes only: mounts of a ConfigMap or Secret the file does not hold, for the profile to read from the others. */
  kubeMounts?: { what: string; mounts: KubeMount[] };
  /**
   * Files the deployment mounts into the container with their text (the keys of a Kubernetes
   * ConfigMap or Secret volume defined beside it), scanned for the peers' addresses they name.
   */
  mountedFiles?: { path: string; text: string; sensitive?: boolean; source: Source }[];
  /**
   * Dockerfile only: the final stage's RUN commands as written (whitespace collapsed), its parent
   * stages' first. An image built from the file records them in its history (`created_by`), which
   * is how the profile tells the image of this Dockerfile from another.
   */
  runCommands?: string[];
  /** The image's own launch command (Dockerfile ENTRYPOINT/CMD, image config), kept apart so overrides can apply. */
  launch?: { entrypoint: string[]; cmd: string[]; source: Source };
  /**
   * Exact syscalls from code analysis (Node.js apps): when present they replace the generic
   * intent-derived groups for the language runtime and the application.
   */
  syscalls?: { layer: SyscallLayer; rule: NamedRule }[];
  /** The image's own files, when an image was read: path → file facts. */
  files?: ImageFileIndex;
}

export interface ImageFile {
  path: string;
  sha256?: string;
  mode: number;
  size: number;
  /** Symlink target, as stored. */
  linkTarget?: string;
  executable: 'elf' | 'script' | 'none';
  /** For scripts: the interpreter named on the shebang line. */
  interpreter?: string;
  setuid: boolean;
  setgid: boolean;
  layer: string;
}

/** Final view of an image's files after whiteouts (key: absolute path). */
export type ImageFileIndex = ReadonlyMap<string, ImageFile>;

/** A Kubernetes Service, compose service name, or Marathon app: a name that routes to containers. */
export interface ServiceDecl {
  name: string;
  scope?: string;
  /** Label selector (Kubernetes); absent: `targets` names the containers directly. */
  selector?: Record<string, string>;
  targets?: string[];
  ports: { port: number; targetPort?: number | string; protocol: 'tcp' | 'udp' | 'sctp'; name?: string }[];
  source: Source;
  /**
   * Set when the service is reachable from outside the application (a Kubernetes Service of type
   * LoadBalancer or NodePort): the container ports behind it are entry points.
   */
  exposed?: Source;
}

/**
 * A name outside the application that leads to a service: a Kubernetes Ingress backend, an
 * OpenShift Route. Its hosts resolve to the service's containers, and the container ports behind
 * it are entry points.
 */
export interface RouteDecl {
  kind: 'Ingress' | 'Route';
  name: string;
  scope?: string;
  /** Host names it answers to (`spec.host`, `spec.rules[].host`); may be empty. */
  hosts: string[];
  /** The Service it leads to, in its own namespace. */
  service: string;
  /** Service port number or name (Ingress), or target port number or name (Route); absent: every port. */
  port?: number | string;
  /** Where the backend is named (for the diagnostic when the Service is missing). */
  source: Source;
}

/** A Kubernetes NetworkPolicy as declared (kept for the graph and for diffing against emitted ones). */
export interface NetworkPolicyDecl {
  name: string;
  scope?: string;
  podSelector: Record<string, string>;
  source: Source;
  raw: unknown;
}

export interface ReaderResult {
  containers: ContainerFragment[];
  services: ServiceDecl[];
  networkPolicies: NetworkPolicyDecl[];
  /** Ingresses and Routes (Kubernetes reader); absent from readers that have none. */
  routes?: RouteDecl[];
  /** ConfigMaps and Secrets (Kubernetes reader), for variables that other files' containers take from them. */
  configObjects?: {
    ref: ConfigRef;
    values: Record<string, string | undefined>;
    where: string;
    /** Where the object is written; a key's source adds `/<field>/<key>` to its pointer. */
    source: Source;
    fields: Record<string, 'data' | 'stringData'>;
  }[];
  diagnostics: Diagnostic[];
}

/** One byte sequence (readers/common/text.ts decodeUtf8) that is not UTF-8, kept in the decoded text as one U+FFFD. */
export interface InvalidUtf8 {
  /** Offset (UTF-16 code units) of its U+FFFD in the decoded text. */
  offset: number;
  /** Offset of its first byte in the file. */
  byte: number;
  /** Its first byte's value. */
  value: number;
  /**
   * Set on the last one listed when a file holds more than MAX_INVALID_UTF8: the text from here
   * on is to be taken as not UTF-8 at all (readers refuse it rather than list a million bytes).
   */
  andAfter?: true;
}

export interface ReaderInput {
  /** Display path, relative to the target root (never opened by the reader). */
  path: string;
  text: string;
  /**
   * Where the file's bytes were not UTF-8 (from `decodeUtf8` in readers/common/text.ts): each is one
   * U+FFFD in `text`, reported at its position rather than read as if it were written.
   */
  invalidUtf8?: readonly InvalidUtf8[];
}

/** What every reader in the registry has: an id, a version and a cheap two-step recognition. */
export interface ReaderCommon {
  /** The reader's id in the registry (and its folder under src/readers). */
  readonly type: string;
  /** Bumped whenever output changes, so caches keyed on it are invalidated. */
  readonly version: string;
  /**
   * Cheapest test, on the file name alone: false means `matches` is false whatever the file holds,
   * so the walker's files whose name no reader wants are never opened.
   */
  named(path: string): boolean;
  /** Cheap test on the file name and its first bytes: does this file concern me? */
  matches(path: string, head: string): boolean;
}

/** A reader of one text artifact type (Dockerfile, Kubernetes YAML, compose, Marathon JSON). */
export interface FileReader extends ReaderCommon {
  readonly type: ArtifactKind;
  readonly input: 'text';
  read(input: ReaderInput): ReaderResult;
}

/**
 * A reader of an application: recognised by one file (its `package.json`), it reads the
 * application's files through an input opened at the edge (`I`), never by paths of its own.
 */
export interface AppReader<I, O extends ReaderResult> extends ReaderCommon {
  readonly input: 'app';
  /** The artifact kind its inputs and sources are recorded under. */
  readonly kind: ArtifactKind;
  read(input: I): Promise<O>;
}

export function emptyResult(): ReaderResult {
  return { containers: [], services: [], networkPolicies: [], diagnostics: [] };
}

export function emptyFragment(key: FragmentKey, declared: Source): ContainerFragment {
  return {
    key,
    declared,
    processes: [],
    listen: [],
    ingress: [],
    egress: [],
    writable: [],
    capabilities: [],
    dropCapabilities: [],
    privileges: {},
    env: [],
    dependsOn: [],
    labels: {},
    packages: [],
    commands: [],
  };
}
