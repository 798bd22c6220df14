/**
 * The image configuration one build stage leaves behind, as the Dockerfile walker keeps it, and
 * how variables resolve against it at build time and at run time.
 */
import type { PortRule, Source, WritablePath } from '../../model/charter.js';
import type { ContainerFragment } from '../../model/fragments.js';
import type { Lookup, Token } from './words.js';

/** A CMD, ENTRYPOINT or HEALTHCHECK command as Docker stores it in the image config. */
export interface CommandSpec {
  /** Exec form as written; shell form wrapped in the SHELL in effect at that line. */
  argv: string[];
  form: 'exec' | 'shell';
  /** Shell form: the script's tokens with their positions. */
  tokens?: Token[];
  source: Source;
}

/** 1-based; optional because a Source's position is. */
export type Position = { line?: number | undefined; column?: number | undefined };

export interface EnvEntry {
  value: string;
  unresolved: string[];
  source: Source;
}

/** The image configuration after one stage, plus what the reader learned along the way. */
export interface Stage {
  /** Lower-cased `AS` name. */
  name?: string | undefined;
  from: Source;
  /** The external image at the root of this stage's `FROM` chain. */
  base?: { ref: string; digest?: string; source: Source };
  env: Map<string, EnvEntry>;
  /** ARGs are per stage: never inherited from a parent stage. */
  args: Map<string, string | undefined>;
  user?: { name: string; source: Source };
  workingDir?: { name: string; source: Source };
  shell: string[];
  listen: Map<string, PortRule>;
  volumes: Map<string, WritablePath>;
  entrypoint?: CommandSpec | undefined;
  cmd?: CommandSpec | undefined;
  /** Whether CMD was set in this stage: ENTRYPOINT clears only an inherited CMD. */
  cmdSet: boolean;
  healthcheck?: CommandSpec | 'none';
  packages: ContainerFragment['packages'];
  /** RUN commands as written (whitespace collapsed), parents' first: what the built image's history records. */
  runs: string[];
  copyFrom: Source[];
}

/** ENV then ARG, as Docker resolves them (ENV wins); undefined when unknown. */
export function buildLookup(stage: Stage): Lookup {
  return (name) => {
    const env = stage.env.get(name);
    if (env) return env.unresolved.length > 0 ? undefined : env.value;
    return stage.args.get(name);
  };
}

/** At run time only ENV exists; ARGs are gone. */
export function runtimeLookup(stage: Stage): Lookup {
  return (name) => {
    const env = stage.env.get(name);
    return env && env.unresolved.length === 0 ? env.value : undefined;
  };
}
