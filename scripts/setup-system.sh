#!/usr/bin/env bash
# Installs the system tools Charter's tests use for real (podman with runc, busybox-static,
# mmdebstrap, strace, bpftrace, and the toolchain of the kernel sensor: clang, llvm, libbpf-dev,
# bpftool, libelf-dev, zlib1g-dev), then builds the sensor (scripts/build-sensor.sh) when root on
# Linux. Idempotent and quick when everything is present and the sensor is up to date. Installs
# only as root on Linux; elsewhere it says loudly which tests will be skipped.
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
# The kernel sensor's toolchain (sensor/, docs/sensor.md): Debian's clang 14, libbpf 1.1, bpftool 7.
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v llvm-strip >/dev/null 2>&1 || need+=(llvm)
command -v bpftool >/dev/null 2>&1 || need+=(bpftool)
dpkg -s libbpf-dev >/dev/null 2>&1 || need+=(libbpf-dev)
dpkg -s libelf-dev >/dev/null 2>&1 || need+=(libelf-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)

root_on_linux() { [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ]; }

# The sensor is built from source here, never downloaded; build-sensor.sh returns at once when
# build/charter-sensor is newer than its sources.
build_sensor() {
  if root_on_linux && [ -r /sys/kernel/btf/vmlinux ]; then
    "$(dirname "$0")/build-sensor.sh"
  fi
}

if [ ${#need[@]} -eq 0 ]; then
  build_sensor
  exit 0
fi
if ! root_on_linux; then
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
build_sensor
