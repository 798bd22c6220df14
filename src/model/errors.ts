/**
 * The project's few error types. Library code throws these (chained with `cause`); only the CLI
 * entry point (src/cli/main.ts) turns them into exit codes and messages.
 */
import type { Diagnostic } from './charter.js';
import type { DiagnosticCode } from './diagnostics.js';

/** Bad input from the user: shown verbatim, no stack. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** `file:line:column: message`, the form editors and CI logs turn into links. */
  describe(): string {
    const where = [this.file, this.line, this.column].filter((p) => p !== undefined).join(':');
    return where ? `${where}: ${this.message}` : this.message;
  }

  toDiagnostic(code: DiagnosticCode): Diagnostic {
    return {
      code,
      severity: 'error',
      message: this.message,
      file: this.file ?? '',
      ...(this.line !== undefined ? { line: this.line } : {}),
      ...(this.column !== undefined ? { column: this.column } : {}),
    };
  }
}

/** An input that is corrupt or hostile (archive escapes, bombs, malformed documents). */
export class InputError extends UserError {
  override readonly name: string = 'InputError';
}

/** A gate that ran fine and said no (e.g. `charter diff` found added privileges). */
export class PolicyFailure extends Error {
  override readonly name: string = 'PolicyFailure';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** An external tool (podman, bpftrace, nft) failed. */
export class ToolError extends Error {
  override readonly name: string = 'ToolError';
  constructor(
    message: string,
    readonly tool: string,
    readonly stderr = '',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof UserError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
