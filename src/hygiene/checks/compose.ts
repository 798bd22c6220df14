/**
 * Compose checks (CHARTER-CMP-…): run-time settings of each service that the CIS Docker Benchmark's
 * container-runtime section covers, located at the service's key or the offending value.
 */
import type { Diagnostic } from '../../model/charter.js';
import { parseYaml } from '../../readers/compose/yaml-source.js';
import { finding, location, type FindingDetail } from '../../knowledge/hygiene-catalogue.js';
import type { Finding } from '../../model/findings.js';
import { checkData, classifyHostPath } from './data.js';
import { isRecord } from '../../util/records.js';
import { bareCapability } from '../../util/capabilities.js';
import { limitPosition } from '../../readers/common/text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';

export const COMPOSE_CHECK_IDS = [
  'CHARTER-CMP-001',
  'CHARTER-CMP-002',
  'CHARTER-CMP-003',
  'CHARTER-CMP-004',
  'CHARTER-CMP-005',
  'CHARTER-CMP-006',
  'CHARTER-CMP-007',
  'CHARTER-CMP-008',
  'CHARTER-CMP-009',
  'CHARTER-CMP-010',
] as const;

/** Larger compose files are not checked: no real one comes near, and YAML parsing costs memory per byte. */
export const MAX_COMPOSE_LENGTH = 10 * 1024 * 1024;

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `${VAR:-default}` / `${VAR-default}` take the default; any other variable makes the value unknown. */
function interpolate(s: string): string | undefined {
  const out = s.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');
  return /\$\{?[A-Za-z_]/.test(out) ? undefined : out;
}

/** Source and target of a volume entry, short (`src:dst[:mode]`) or long (`{type, source, target}`) syntax. */
function volumeEnds(v: unknown): { source?: string; target?: string } {
  if (typeof v === 'string') {
    const parts = v.split(':');
    if (parts.length < 2) return { target: interpolate(parts[0] ?? '') ?? '' };
    const source = interpolate(parts[0] ?? '');
    const target = interpolate(parts[1] ?? '');
    return { ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}) };
  }
  if (isRecord(v) && (v['type'] === 'bind' || v['type'] === undefined)) {
    const source = typeof v['source'] === 'string' ? interpolate(v['source']) : undefined;
    const target = typeof v['target'] === 'string' ? interpolate(v['target']) : undefined;
    return { ...(source !== undefined ? { source } : {}), ...(target !== undefined ? { target } : {}) };
  }
  return {};
}

export function checkCompose(
  path: string,
  text: string,
  invalidUtf8: readonly InvalidUtf8[] = [],
): { findings: Finding[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  if (text.length > MAX_COMPOSE_LENGTH) {
    diagnostics.push({
      code: 'compose/too-large',
      severity: 'error',
      message: `file is ${text.length} characters; not checked`,
      file: path,
      ...limitPosition(text, MAX_COMPOSE_LENGTH),
    });
    return { findings: [], diagnostics };
  }
  const parsed = parseYaml(text, invalidUtf8);
  for (const p of parsed.problems) {
    if (p.severity !== 'error') continue;
    diagnostics.push({
      code: `compose/${p.code}`,
      severity: 'error',
      message: p.message,
      file: path,
      ...(p.line !== undefined ? { line: p.line, column: p.column ?? 1 } : {}),
    });
  }
  const findings: Finding[] = [];
  const d = checkData();
  for (const doc of parsed.documents) {
    if (!isRecord(doc.value) || !isRecord(doc.value['services'])) continue;
    for (const [name, svc] of Object.entries(doc.value['services'])) {
      if (!isRecord(svc)) continue;
      const emit = (id: string, p: (string | number)[], detail: FindingDetail = {}, key = false): void => {
        const full = ['services', name, ...p];
        const pos = doc.locate(full, key);
        const pointer = full.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
        findings.push(
          finding(id, [location({ artifact: path, pointer, line: pos?.line, column: pos?.column })], {
            title: `${detail.title ?? finding(id, []).title} (service ${name})`,
            ...(detail.severity ? { severity: detail.severity } : {}),
          }),
        );
      };

      if (svc['privileged'] === true) emit('CHARTER-CMP-001', ['privileged']);
      for (const [i, v] of arr(svc['volumes']).entries()) {
        const { source, target } = volumeEnds(v);
        const hostPath = source !== undefined && source.startsWith('/') ? source : undefined;
        const socketTarget = target !== undefined && d.runtimeSockets.has(target);
        const cls = hostPath !== undefined ? classifyHostPath(hostPath) : 'other';
        if (cls === 'socket' || (socketTarget && (hostPath !== undefined || source === undefined))) {
          emit('CHARTER-CMP-002', ['volumes', i], { title: `Docker socket ${hostPath ?? target ?? ''} mounted` });
        } else if (cls === 'sensitive') {
          emit('CHARTER-CMP-003', ['volumes', i], { title: `Sensitive host directory ${hostPath ?? ''} mounted` });
        }
      }
      if (svc['network_mode'] === 'host') emit('CHARTER-CMP-004', ['network_mode']);
      if (svc['pid'] === 'host') emit('CHARTER-CMP-005', ['pid']);
      if (svc['ipc'] === 'host') emit('CHARTER-CMP-006', ['ipc']);
      for (const [i, c] of arr(svc['cap_add']).entries()) {
        if (typeof c !== 'string') continue;
        const cap = bareCapability(c);
        if (d.dockerDefaultCapabilities.has(cap)) continue;
        emit('CHARTER-CMP-007', ['cap_add', i], {
          title: `Capability ${cap} added`,
          severity: d.dangerousCapabilities.has(cap) ? 'high' : 'medium',
        });
      }
      if (svc['read_only'] !== true)
        emit('CHARTER-CMP-008', svc['read_only'] !== undefined ? ['read_only'] : [], {}, svc['read_only'] === undefined);
      const opts = arr(svc['security_opt']).filter((o): o is string => typeof o === 'string');
      for (const [i, o] of arr(svc['security_opt']).entries()) {
        if (typeof o !== 'string') continue;
        const m = /^(seccomp|apparmor)[:=]unconfined$|^label[:=]disable$/i.exec(o.trim());
        if (m) emit('CHARTER-CMP-009', ['security_opt', i], { title: `Security profile disabled: ${o.trim()}` });
      }
      if (!opts.some((o) => /^no-new-privileges(?:[:=]true)?$/i.test(o.trim())))
        emit('CHARTER-CMP-010', opts.length > 0 ? ['security_opt'] : [], {}, opts.length === 0);
    }
  }
  return { findings, diagnostics };
}
