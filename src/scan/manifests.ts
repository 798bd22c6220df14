/**
 * Hygiene checks of one manifest file: the file's type is recognised by the same reader table
 * `charter profile` uses (so a file is a Dockerfile, compose or Kubernetes file in both), then the
 * matching check family runs. Pure: path and text in, findings and diagnostics out.
 */
import { checkCompose } from '../hygiene/checks/compose.js';
import { checkDockerfile } from '../hygiene/checks/dockerfile.js';
import { checkKubernetesManifest } from '../hygiene/checks/kubernetes.js';
import type { Finding } from '../hygiene/types.js';
import type { Diagnostic } from '../profile/model.js';
import { readerFor } from '../readers/registry.js';
import type { InvalidUtf8 } from '../readers/shared/text.js';

export interface ManifestChecks {
  /** The reader type that recognised the file, or undefined when none did. */
  type?: string;
  findings: Finding[];
  diagnostics: Diagnostic[];
}

const CHECKS: Record<string, (path: string, text: string, invalidUtf8: readonly InvalidUtf8[]) => { findings: Finding[]; diagnostics: Diagnostic[] }> = {
  dockerfile: checkDockerfile,
  compose: checkCompose,
  kubernetes: checkKubernetesManifest,
};

/** `invalidUtf8`: where the file's bytes were not UTF-8 (decodeUtf8), reported by the checks at their position. */
export function checkManifest(path: string, text: string, invalidUtf8: readonly InvalidUtf8[] = []): ManifestChecks {
  const reader = readerFor(path, text.slice(0, 4096));
  if (!reader) return { findings: [], diagnostics: [] };
  const check = CHECKS[reader.type];
  // Marathon has readers but no hygiene checks yet.
  if (!check) return { type: reader.type, findings: [], diagnostics: [] };
  try {
    return { type: reader.type, ...check(path, text, invalidUtf8) };
  } catch (err) {
    // A check must not throw on bad input; if one does, the scan still completes.
    return { type: reader.type, findings: [], diagnostics: [{ code: `${reader.type}/check-internal`, severity: 'error', message: err instanceof Error ? err.message : String(err), file: path }] };
  }
}
