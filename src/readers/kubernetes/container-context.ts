/** What the readers of one container's fields know about the container and its pod. */
import type { ReaderContext, KubeObject } from './reader-context.js';
import type { Container, PodSpec, Volume } from './schema.js';
import type { NodePath } from './yaml-stream.js';

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
}

export interface ContainerContext {
  reader: ReaderContext;
  obj: KubeObject;
  workload: Workload;
  pod: PodSpec;
  podPath: NodePath;
  container: Container;
  path: NodePath;
  init: boolean;
  labels: Record<string, string>;
  /** The pod's volumes by name, each with its path. */
  volumes: Map<string, { volume: Volume; path: NodePath }>;
  /** A StatefulSet's volume claim templates by name, each with its path. */
  claims: Map<string, NodePath>;
}
