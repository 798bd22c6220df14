/**
 * Hygiene checks of one manifest file, recognised by the reader registry in the pipeline (so a
 * file is a Dockerfile, compose or Kubernetes file in `charter scan` exactly when it is one in
 * `charter profile`): the check family of its reader type runs. Pure: type, path and text in,
 * findings and diagnostics out.
 */
import { checkCompose } from '../hygiene/checks/compose.js';
import { checkDockerfile } from '../hygiene/checks/dockerfile.js';
import { checkKubernetesManifest } from '../hygiene/checks/kubernetes.js';
import type { Finding } from '../model/findings.js';
import type { Diagnostic } from '../model/charter.js';
import { errorMessage } from '../model/errors.js';
import type { InvalidUtf8 } from '../model/fragments.js';

export interface ManifestChecks {
  findings: Finding[];
  diagnostics: Diagnostic[];
}

const CHECKS: Record<
  string,
  (path: string, text: string, invalidUtf8: readonly InvalidUtf8[]) => { findings: Finding[]; diagnostics: Diagnostic[] }
> = {
  dockerfile: checkDockerfile,
  compose: checkCompose,
  kubernetes: checkKubernetesManifest,
};

/**
 * `type`: the reader type that recognised the file; `invalidUtf8`: where the file's bytes were not
 * UTF-8 (decodeUtf8), reported by the checks at their position.
 */
export function checkManifest(type: string, path: string, text: string, invalidUtf8: readonly InvalidUtf8[] = []): ManifestChecks {
  const check = CHECKS[type];
  // Marathon and Node.js apps have readers but no hygiene checks yet.
  if (!check) return { findings: [], diagnostics: [] };
  try {
    return check(path, text, invalidUtf8);
  } catch (err) {
    // A check must not throw on bad input; if one does, the scan still completes.
    return { findings: [], diagnostics: [{ code: `${type}/check-internal`, severity: 'error', message: errorMessage(err), file: path }] };
  }
}
