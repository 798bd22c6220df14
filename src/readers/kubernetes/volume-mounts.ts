/**
 * A container's volume mounts → writable paths, each described by the pod volume or claim
 * template it mounts (emptyDir, host path, PersistentVolumeClaim, projected data, …).
 */
import type { Source, WritablePath } from '../../model/charter.js';
import type { ContainerFragment } from '../../model/fragments.js';
import type { ContainerContext } from './container-context.js';
import { check, diagnose, sourceAt } from './reader-context.js';
import { VolumeMountSchema } from './schema.js';

export function readVolumeMounts(ctx: ContainerContext, f: ContainerFragment, what: string): void {
  const { reader, obj, container: c, path } = ctx;
  c.volumeMounts?.forEach((raw, i) => {
    const mountPath = [...path, 'volumeMounts', i];
    const m = check(reader, obj, mountPath, VolumeMountSchema, raw, 'volume mount');
    if (!m) return;
    const declared = ctx.volumes.get(m.name);
    const claim = ctx.claims.get(m.name);
    let kind: WritablePath['kind'] = 'volume';
    let hostPath: string | undefined;
    let inherentlyReadOnly = false;
    let description: string;
    const extra: Source[] = [];
    if (declared) {
      const v = declared.volume;
      if (v.emptyDir !== undefined) {
        const memory = v.emptyDir?.medium === 'Memory';
        kind = memory ? 'tmpfs' : 'volume';
        description = memory ? `in-memory emptyDir ${m.name}` : `emptyDir ${m.name}`;
      } else if (v.hostPath) {
        kind = 'host';
        hostPath = v.hostPath.path;
        description = `host path ${v.hostPath.path}`;
      } else if (v.persistentVolumeClaim) {
        description = `PersistentVolumeClaim ${v.persistentVolumeClaim.claimName ?? m.name}`;
      } else {
        // The kubelet always mounts these read-only, whatever the mount says.
        const projected = (['configMap', 'secret', 'projected', 'downwardAPI'] as const).find((k) => v[k] !== undefined);
        inherentlyReadOnly = projected !== undefined;
        description = projected ? `${projected} volume ${m.name}` : `volume ${m.name}`;
      }
      extra.push(sourceAt(reader, obj, declared.path, `volume ${m.name} of ${ctx.workload.kind} ${ctx.workload.name}`));
    } else if (claim) {
      description = `PersistentVolumeClaim template ${m.name}`;
      extra.push(sourceAt(reader, obj, claim, `volume claim template ${m.name} of ${ctx.workload.kind} ${ctx.workload.name}`));
    } else {
      description = `undeclared volume ${m.name}`;
      diagnose(
        reader,
        obj.doc,
        [...obj.base, ...mountPath, 'name'],
        'kubernetes/unknown-volume',
        'warning',
        `${what} mounts volume "${m.name}", which the pod does not declare`,
      );
    }
    const readOnly = m.readOnly === true || inherentlyReadOnly;
    const reason = `${what} mounts ${description} at ${m.mountPath}${readOnly ? ' read-only' : ''}`;
    f.writable.push({
      path: m.mountPath,
      kind,
      ...(hostPath !== undefined ? { hostPath } : {}),
      ...(readOnly ? { readOnly: true } : {}),
      sources: [sourceAt(reader, obj, mountPath, reason), ...extra],
    });
  });
}
