#!/usr/bin/env bash
# Installs the system tools Charter's tests use for real (podman with runc, busybox-static,
# mmdebstrap, strace, bpftrace). Idempotent and quick when everything is present. Installs only
# as root on Linux; elsewhere it says loudly which tests will be skipped.
set -euo pipefail

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v bpftrace >/dev/null 2>&1 || need+=(bpftrace)
command -v sha256sum >/dev/null 2>&1 || need+=(coreutils)
# podman's rootful networking and storage helpers.
dpkg -s uidmap >/dev/null 2>&1 || need+=(uidmap)
dpkg -s fuse-overlayfs >/dev/null 2>&1 || need+=(fuse-overlayfs)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
  echo "######################################################################" >&2
  echo "# charter: missing ${need[*]}; not root on Linux, so not installing."   >&2
  echo "# Tests that need real containers will be SKIPPED on this machine."     >&2
  echo "######################################################################" >&2
  exit 0
fi
echo "charter: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
