/**
 * Linux capability names as artifacts write them: `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN`
 * are one capability. Two spellings are in use, each where its format wants it.
 */

/** Without the prefix, upper case (compose `cap_add`, Kubernetes `capabilities.add`, podman `--cap-add`). `ALL` stays `ALL`. */
export function bareCapability(cap: string): string {
  const up = cap.trim().toUpperCase();
  return up.startsWith('CAP_') ? up.slice(4) : up;
}

/** With the `CAP_` prefix, the kernel's name (the charter/v1 profile). `ALL` and the empty name stay as they are. */
export function prefixedCapability(cap: string): string {
  const up = cap.trim().toUpperCase();
  if (up === '' || up === 'ALL') return up;
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}
