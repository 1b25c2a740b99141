#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install dropwhy's build and test dependencies from Debian's archive.
# Idempotent: packages already present are left alone and apt is not
# contacted at all when nothing is missing.
set -euo pipefail

packages=(
	# build
	make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
	libjansson-dev
	# run: ruleset readers and namespace plumbing
	iproute2 iptables nftables
	# tests: TAP runner, JSON checks, the ecs-sim agent and client
	perl jq python3 curl
)

missing=()
for pkg in "${packages[@]}"; do
	[[ $pkg == \#* ]] && continue
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

if ((EUID != 0)); then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
