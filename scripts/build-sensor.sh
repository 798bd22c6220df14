#!/usr/bin/env bash
# Builds Charter's kernel sensor (sensor/, docs/sensor.md) from source with Debian's clang, libbpf
# and bpftool: the BPF object is compiled CO-RE against this kernel's BTF (vmlinux.h is generated
# here, never committed), its skeleton generated, and the loader linked against libbpf (clang, or $CC).
# Output: build/charter-sensor. Quick when the binary is newer than every source.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/sensor"
out="$root/build"
gen="$out/sensor"
bin="$out/charter-sensor"

if [ -x "$bin" ] && [ -z "$(find "$src" "$0" -newer "$bin" -type f 2>/dev/null | head -n 1)" ]; then
  exit 0
fi
# The loader is compiled with clang too: the toolchain setup-system.sh installs needs no gcc.
cc="${CC:-clang}"
for tool in clang bpftool "$cc"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-sensor: $tool is missing (scripts/setup-system.sh installs it)" >&2; exit 1; }
done
[ -r /sys/kernel/btf/vmlinux ] || { echo "build-sensor: this kernel has no BTF (/sys/kernel/btf/vmlinux)" >&2; exit 1; }

mkdir -p "$gen"
case "$(uname -m)" in
  x86_64) arch=x86 ;;
  aarch64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$gen/vmlinux.h"
# -g: the BTF in the object is what CO-RE relocations and the skeleton are made from.
clang -target bpf -g -O2 -Wall -D__TARGET_ARCH_"$arch" -I"$gen" -I"$src" \
  -c "$src/charter-sensor.bpf.c" -o "$gen/charter-sensor.bpf.o"
bpftool gen skeleton "$gen/charter-sensor.bpf.o" name charter_sensor >"$gen/charter-sensor.skel.h"
"$cc" -O2 -g -Wall -Wextra -I"$gen" -I"$src" "$src/charter-sensor.c" "$src/guard.c" "$src/audit.c" -o "$bin.tmp" -lbpf -lelf -lz -pthread
mv "$bin.tmp" "$bin"
echo "build-sensor: built $bin" >&2
