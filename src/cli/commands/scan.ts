/**
 * `charter scan <target>`: scan, apply the policy gate, render. Exit codes (chosen in main):
 * 0 the policy passed · 1 it failed (PolicyFailure) · 2 bad input (a target or policy that cannot
 * be read, with every policy problem listed).
 */
import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import { PolicyFailure, UserError } from '../../model/errors.js';
import { readInputText } from '../../io/read-input.js';
import {
  DEFAULT_POLICY,
  MAX_POLICY_BYTES,
  evaluatePolicy,
  parsePolicy,
  type Policy,
  type PolicyResult,
} from '../../hygiene/policy/index.js';
import { toCycloneDx, toSpdx } from '../../output/sbom/index.js';
import type { Diagnostic } from '../../model/charter.js';
import { checkRules } from '../../knowledge/hygiene-catalogue.js';
import { scanTarget, type ScanResult } from '../../scan/index.js';
import { toScanJson } from '../../output/json.js';
import { toSarif } from '../../output/sarif.js';
import { toTable } from '../../output/table.js';
import { VERSION } from '../../version.js';
import { emitOutput } from '../output.js';
import { createProgress } from '../progress.js';
import { renderDiagnostics } from '../render.js';
import type { CommandContext } from './context.js';

export const SCAN_FORMATS = ['table', 'json', 'sarif', 'cyclonedx', 'spdx'] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

interface ScanFlags {
  policy?: string;
  format: ScanFormat;
  output?: string;
  db?: string;
  offline?: boolean;
  cache: boolean;
}

async function loadPolicy(file: string): Promise<Policy> {
  const text = await readInputText(file, { maxBytes: MAX_POLICY_BYTES, what: 'policy' });
  const { policy, diagnostics } = parsePolicy(text, file);
  if (!policy)
    throw new UserError(
      `invalid policy (${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}):\n${renderDiagnostics(diagnostics)}`,
    );
  return policy;
}

/**
 * SBOM identity: a UUID derived from what was scanned (so the same image gives the same
 * document) and the time from SOURCE_DATE_EPOCH when set (reproducible builds), else now.
 */
function sbomIdentity(result: ScanResult, env: NodeJS.ProcessEnv): { serialNumber: string; timestamp: string } {
  const h = createHash('sha256')
    .update(`${result.image?.digest ?? ''}\u0000${result.target}\u0000${result.components.map((c) => c.purl).join('\n')}`)
    .digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
  const epoch = Number(env['SOURCE_DATE_EPOCH']);
  const date = Number.isFinite(epoch) && env['SOURCE_DATE_EPOCH'] ? new Date(epoch * 1000) : new Date();
  return { serialNumber: uuid, timestamp: `${date.toISOString().slice(0, 19)}Z` };
}

export function render(format: ScanFormat, result: ScanResult, verdict: PolicyResult, env: NodeJS.ProcessEnv = process.env): string {
  switch (format) {
    case 'table':
      return toTable(result, verdict);
    case 'json':
      return toScanJson(result, verdict);
    case 'sarif':
      return toSarif(result, { toolName: 'charter', toolVersion: VERSION, rules: checkRules() });
    case 'cyclonedx':
    case 'spdx': {
      const input = {
        target: result.target,
        ...(result.image ? { image: { ref: result.image.ref, digest: result.image.digest } } : {}),
        components: result.components,
        findings: result.findings,
      };
      const doc = (format === 'cyclonedx' ? toCycloneDx : toSpdx)(input, { ...sbomIdentity(result, env), toolVersion: VERSION });
      return `${JSON.stringify(doc, null, 2)}\n`;
    }
  }
}

function diagLine(d: Diagnostic): string {
  return renderDiagnostics([d]);
}

export function registerScanCommand(program: Command, ctx: CommandContext): void {
  program
    .command('scan')
    .description(
      'scan an image, a directory or a manifest: inventory, vulnerabilities, secrets, misconfigurations, unsafe packages; exits 1 when the policy fails',
    )
    .argument('<target>', 'oci-archive:PATH, docker-archive:PATH, oci:DIR, podman:NAME, a directory or a manifest file')
    .option(
      '--policy <file>',
      'policy file (apiVersion: charter/v1, kind: Policy); default: fail on fixable critical/high vulnerabilities, any secret, critical misconfigurations, malicious packages',
    )
    .addOption(new Option('--format <format>', 'output format').choices(SCAN_FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--db <path>', 'vulnerability database (default: $CHARTER_DATA_DIR/vulns.db, else $XDG_DATA_HOME/charter/vulns.db)')
    .option('--offline', 'no network: npm deprecation look-ups answer from the cache only')
    .option('--no-cache', 'read every image layer instead of reusing per-layer results')
    .action(async (target: string, flags: ScanFlags) => {
      const { io } = ctx;
      // The policy first: a broken policy must not cost a whole scan.
      const policy = flags.policy ? await loadPolicy(flags.policy) : DEFAULT_POLICY;
      const progress = createProgress(io.isTTY);
      const result = await scanTarget(target, {
        ...(flags.db ? { dbPath: flags.db } : {}),
        ...(flags.offline ? { offline: true } : {}),
        ...(flags.cache === false ? { noCache: true } : {}),
        onProgress: (label, done, total) => progress.update(label, done, total),
      }).finally(() => progress.stop());
      const verdict = evaluatePolicy(policy, result.findings, { now: new Date() });
      await emitOutput(render(flags.format, result, verdict), flags.output, io.stdout);
      // The table shows diagnostics and policy warnings itself; other formats go to machines.
      if (flags.format !== 'table' || flags.output) {
        for (const d of result.diagnostics) if (d.severity !== 'info') io.stderr(`${diagLine(d)}\n`);
        for (const w of verdict.warnings) if (w.severity !== 'info') io.stderr(`${diagLine(w)}\n`);
      }
      if (flags.output) io.stderr(`wrote ${flags.output}\n`);
      if (!verdict.pass) {
        const summary = `policy failed: ${verdict.reasons.length} reason(s)`;
        if (flags.format !== 'table' || flags.output) io.stderr(`${summary}\n${verdict.reasons.map((r) => `  ${r}`).join('\n')}\n`);
        throw new PolicyFailure(summary, 1);
      }
    });
}
