#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate vmlinux/vmlinux_<arch>.h from the running kernel's BTF.
set -euo pipefail
cd "$(dirname "$0")/.."

btf=/sys/kernel/btf/vmlinux
out="vmlinux/vmlinux_$(uname -m).h"
if [[ ! -r $btf ]]; then
	echo "gen-vmlinux: error: $btf missing: kernel built without CONFIG_DEBUG_INFO_BTF" >&2
	exit 1
fi
bpftool btf dump file "$btf" format c >"$out.tmp"
mv "$out.tmp" "$out"
sed -i "s/^- Source kernel: Linux [^ ]* (\([^)]*\))/- Source kernel: Linux $(uname -r | cut -d- -f1) (\1)/" vmlinux/README.md
echo "gen-vmlinux: wrote $out ($(wc -l <"$out") lines) from $(uname -r)"
