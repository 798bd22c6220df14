/**
 * The contract every emitter fulfils: a pure function from a `charter/v1` profile to the text of
 * one or more enforcement artifacts. Emitters never touch the file system; the CLI writes `files`
 * where the user asked and prints `warnings`.
 */
import type { Charter, Diagnostic } from '../model/charter.js';

export interface EmitOptions {
  /** Emit for this container only (its charter name); absent: every container of the profile. */
  container?: string;
  /**
   * Where the seccomp profile of a container will be on the machine that runs it; used by emitters
   * that reference the seccomp file. Absent: `<file-safe container name>.seccomp.json`.
   */
  seccompPath?: (container: string) => string;
  /**
   * Enforce what the profile declares even where it says the intent is not complete (the
   * network-policy emitter then closes egress of containers whose `egressIntent` is `unknown` or
   * absent). Default: unknown intent is never enforced as a deny.
   */
  strict?: boolean;
  /**
   * seccomp: install the filter with SECCOMP_FILTER_FLAG_LOG, so the kernel audits every refusal
   * and the agent's sensor reports it (docs/sensor.md, "Seccomp refusals"). Off by default: runc
   * before 1.2 refuses any profile with flags ("seccomp flags are not yet supported by runc") and
   * the container does not start.
   */
  seccompLog?: boolean;
}

export interface EmittedFile {
  /** File name (no directory): the CLI joins it with `-o DIR`. */
  name: string;
  content: string;
}

export interface EmitResult {
  files: EmittedFile[];
  /**
   * What the artifact could not express (a DNS-name peer in a NetworkPolicy, a privileged flag that
   * is never emitted). `file` is the emitted file name the warning concerns.
   */
  warnings: Diagnostic[];
}

export interface Emitter {
  /** The `--as` value. */
  id: string;
  description: string;
  /** Extension of the main file this emitter writes, with its dot. */
  fileExtension: string;
  emit(charter: Charter, opts: EmitOptions): EmitResult;
}
