#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run a command, by default the guest suite of the integration tests,
# inside a QEMU guest that boots a Debian kernel package, so dropwhy is
# tested on the kernels its users run and not only on the host's.
#
# The guest sees the host's / read-only over virtio-9p under a tmpfs
# overlay: the host-built ./dropwhy and the host's tools run unchanged, and
# only the kernel and its modules are the guest's. Kernel packages are
# fetched with apt-get download into a cache and never installed.
# Run `scripts/vmtest.sh --help` for usage.
set -euo pipefail

readonly PROG=vmtest
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly GUEST_INIT=$ROOT/scripts/vmtest-init.sh
readonly CACHE=${VMTEST_CACHE:-/var/cache/dropwhy-vmtest}
readonly MEM_MB=${VMTEST_MEM:-512}
# More vCPUs than this only slow TCG's boot down.
readonly SMP=${VMTEST_SMP:-$(($(nproc) < 4 ? $(nproc) : 4))}
readonly BOOT_TIMEOUT=${VMTEST_BOOT_TIMEOUT:-120}
# The guest suite takes about 3 minutes under TCG on 2 host CPUs; twice
# that means something hangs, and CI must not wait for the full default.
readonly SUITE_TIMEOUT=600
# How much longer the tests wait for the system under test (dropwhy
# attaching, an event arriving, a request getting through) when the CPU is
# emulated; see DW_TIME_SCALE in tests/integration/lib.sh.
readonly TCG_TIME_SCALE=3
# Multi-threaded TCG occasionally oopses a kernel in early boot; a boot that
# dies before the command starts is retried this many times in all.
readonly BOOT_TRIES=3
# vmtest's own failures (no kernel, no boot, guest died), as distinct from
# the command's status.
readonly EXIT_VMTEST=125
readonly PACKAGES=(qemu-system-x86 busybox-static kmod cpio xz-utils zstd)
# What the initramfs loads to reach its root filesystem; modules.dep adds
# their dependencies, and those built into the kernel are skipped.
readonly ROOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

kernel=6.1
mode="command"
# Without a command: the guest suite, or the full one (--full).
suite=guest
command=()
timeout=""
run_dir=""
qemu_pid=""

usage() {
	cat <<EOF
usage: scripts/vmtest.sh [--kernel VERSION|FILE.deb] [--full | --shell | -- COMMAND...]

Boot a Debian kernel package under QEMU with the host's / shared read-only
(tmpfs overlay on top) and run COMMAND inside as root, in the current
directory. Without COMMAND: the guest suite of tests/integration (the
cases that DW_SUITE=guest selects, hooks.t first while no firewall module
is loaded), then the time it took. The exit status is COMMAND's (prove's),
or $EXIT_VMTEST when vmtest itself fails.

  -k, --kernel V   6.1, 6.12, ...: the newest linux-image-V.* package that
                   Debian's configured archive offers (default 6.1);
                   or the path of a linux-image .deb
  -f, --full       every integration test instead of the guest suite
                   (over 20 minutes under TCG)
  -s, --shell      an interactive shell in the guest instead of a command
  -h, --help       this text

environment: VMTEST_CACHE (default /var/cache/dropwhy-vmtest), VMTEST_MEM
(MiB, default 512), VMTEST_SMP (default: host CPUs, at most 4),
VMTEST_TIMEOUT (s, default $SUITE_TIMEOUT for the guest suite, else 3600),
VMTEST_BOOT_TIMEOUT (s, default 120), VMTEST_CONSOLE (a file to keep the
guest's kernel console in), DW_TIME_SCALE (the tests' patience factor in
the guest, default $TCG_TIME_SCALE under TCG, 1 with KVM).
EOF
}

log() {
	echo "$PROG: $*" >&2
}

die() {
	log "error: $*"
	exit "$EXIT_VMTEST"
}

parse_args() {
	while (($#)); do
		case $1 in
		-k | --kernel)
			(($# >= 2)) || usage_error "$1 needs a value"
			kernel=$2
			shift 2
			;;
		-f | --full) suite=full && shift ;;
		-s | --shell) mode=shell && shift ;;
		-h | --help) usage && exit 0 ;;
		--) shift && command=("$@") && break ;;
		*) usage_error "unknown argument '$1'" ;;
		esac
	done
	if [[ $mode == shell ]] && ((${#command[@]})); then
		usage_error "--shell takes no command"
	fi
	if [[ $suite == full ]] && { [[ $mode == shell ]] || ((${#command[@]})); }; then
		usage_error "--full runs the test suite: it takes neither --shell nor a command"
	fi
}

usage_error() {
	log "error: $*; see --help"
	exit 2
}

# install_packages: what vmtest needs, from Debian's archive; apt is not
# contacted when everything is present.
install_packages() {
	local missing=() pkg
	for pkg in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# image_package VERSION: the linux-image package that a Debian meta-package
# currently points at for VERSION (linux-image-6.12-amd64 for 6.12, the
# distribution's default linux-image-amd64 for its own series).
image_package() {
	local version=$1 meta pkg
	for meta in "linux-image-$version-amd64" linux-image-amd64; do
		pkg=$(apt-cache depends --important "$meta" 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
		case $pkg in
		linux-image-"$version".* | linux-image-"$version"-*)
			echo "$pkg"
			return 0
			;;
		esac
	done
	return 1
}

# cached_debs VERSION: the cached packages of that kernel series.
cached_debs() {
	compgen -G "$CACHE/debs/linux-image-$1.*.deb"
	compgen -G "$CACHE/debs/linux-image-$1-*.deb"
}

# fetch_kernel VERSION: print the path of the cached .deb, downloading it
# with apt-get the first time. A newer package of the same series replaces
# the cached one; without the archive, the cached one is used.
fetch_kernel() {
	local version=$1 pkg="" deb old
	if ! pkg=$(image_package "$version"); then
		apt-get update -qq || true
		pkg=$(image_package "$version") || pkg=""
	fi
	if [[ -z $pkg ]]; then
		deb=$(cached_debs "$version" | tail -n 1)
		[[ -n $deb ]] ||
			die "Debian's configured archive has no kernel $version (tried linux-image-$version-amd64 and linux-image-amd64; see apt-cache search linux-image-$version)"
		log "the archive offers no kernel $version: using the cached ${deb##*/}"
		echo "$deb"
		return
	fi
	mkdir -p "$CACHE/debs"
	deb=$(compgen -G "$CACHE/debs/${pkg}_*.deb" | tail -n 1) || true
	if [[ -z $deb ]]; then
		log "downloading $pkg"
		(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
			die "apt-get download $pkg failed"
		deb=$(compgen -G "$CACHE/debs/${pkg}_*.deb" | tail -n 1)
		while read -r old; do
			[[ $old == "$deb" ]] || rm -rf "$old" "${CACHE:?}/$(basename "$old" .deb)"
		done < <(cached_debs "$version")
	fi
	echo "$deb"
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel, which QEMU boots
# through PVH without the bzImage's slow self-decompression under TCG.
extract_vmlinux() {
	local bzimage=$1 out=$2 magic decompress offset
	for magic in '\xfd7zXZ\x00:xz' '\x28\xb5\x2f\xfd:zstd' '\x1f\x8b\x08:gzip'; do
		decompress=${magic#*:}
		while read -r offset; do
			tail -c +$((offset + 1)) "$bzimage" | $decompress -dc >"$out" 2>/dev/null || true
			[[ $(head -c 4 "$out") == $'\177ELF' ]] && return 0
		done < <(LC_ALL=C grep -obUaP "${magic%:*}" "$bzimage" | cut -d: -f1)
	done
	rm -f "$out"
	return 1
}

# copy_module FILE DIR: copy a module into DIR uncompressed (busybox insmod
# reads plain ELF) and print its new name.
copy_module() {
	local name=${1##*/}
	case $name in
	*.xz) xz -dc "$1" >"$2/${name%.xz}" && echo "${name%.xz}" ;;
	*.zst) zstd -dcq "$1" >"$2/${name%.zst}" && echo "${name%.zst}" ;;
	*.gz) gzip -dc "$1" >"$2/${name%.gz}" && echo "${name%.gz}" ;;
	*) cp "$1" "$2/$name" && echo "$name" ;;
	esac
}

# build_initramfs DIR RELEASE: DIR/base.cpio with a static busybox and its
# applet links, and the root filesystem's modules in load order.
build_initramfs() {
	local dir=$1 release=$2 stage=$1/initramfs applet module
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,lower,rw,newroot,modules}
	cp /bin/busybox "$stage/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[[ $applet == busybox ]] || ln -s busybox "$stage/bin/$applet"
	done
	modprobe -d "$dir/root" -S "$release" --show-depends -a "${ROOT_MODULES[@]}" |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while read -r module; do
			copy_module "$module" "$stage/modules" >>"$stage/modules/order"
		done
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$dir/base.cpio"
	rm -rf "$stage"
}

# prepare_kernel DEB DIR: unpack the package once into DIR: root/ (with a
# modules.dep the package lacks), vmlinux to boot, base.cpio, release.
prepare_kernel() {
	local deb=$1 dir=$2 release
	[[ -e $dir/ready ]] && return
	log "unpacking ${deb##*/}"
	rm -rf "$dir"
	mkdir -p "$dir/root"
	dpkg-deb -x "$deb" "$dir/root"
	release=$(ls "$dir/root/lib/modules")
	depmod -b "$dir/root" "$release"
	if ! grep -q '^CONFIG_PVH=y' "$dir/root/boot/config-$release" ||
		! extract_vmlinux "$dir/root/boot/vmlinuz-$release" "$dir/vmlinux"; then
		log "no PVH-bootable vmlinux in ${deb##*/}: booting the bzImage (slower)"
		cp "$dir/root/boot/vmlinuz-$release" "$dir/vmlinux"
	fi
	build_initramfs "$dir" "$release"
	echo "$release" >"$dir/release"
	touch "$dir/ready"
}

# quote STRING: STRING as one single-quoted POSIX shell word.
quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# write_run_initramfs DIR KERNEL_DIR: the base initramfs plus this run's
# init, command and settings, as a second concatenated cpio archive.
write_run_initramfs() {
	local dir=$1 kdir=$2 stage=$1/stage rows=24 cols=80
	mkdir -p "$stage/vmtest"
	cp "$GUEST_INIT" "$stage/init"
	chmod 755 "$stage/init"
	if [[ $mode == shell || -t 1 ]]; then
		read -r rows cols < <(stty size 2>/dev/null || echo 0 0)
		((rows > 0 && cols > 0)) || { rows=24 && cols=80; }
	fi
	{
		echo "VMTEST_MODE=$mode"
		echo "VMTEST_MODULES=$(quote "$kdir/root/lib/modules")"
		echo "VMTEST_CWD=$(quote "$PWD")"
		echo "VMTEST_TERM=$(quote "${TERM:-vt100}")"
		echo "VMTEST_ROWS=$rows VMTEST_COLS=$cols"
		echo "VMTEST_TTY=$([[ -t 1 ]] && echo 1 || echo 0)"
		echo "DW_TIME_SCALE=$(time_scale)"
	} >"$stage/vmtest/env"
	printf '%q ' exec "${command[@]}" >"$stage/vmtest/cmd"
	echo >>"$stage/vmtest/cmd"
	(cd "$stage" && find . | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$dir/run.cpio"
	cat "$kdir/base.cpio" "$dir/run.cpio" >"$dir/initrd"
}

# have_kvm: KVM only when it is hardware virtualization; a paravirtual
# /dev/kvm (kvm_pvm) aborts or crawls, so TCG it is.
have_kvm() {
	[[ -e /dev/kvm && (-d /sys/module/kvm_intel || -d /sys/module/kvm_amd) ]]
}

accel_args() {
	if have_kvm; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

# time_scale: the tests' DW_TIME_SCALE in the guest: the caller's, or one
# that fits the emulation.
time_scale() {
	if [[ -n ${DW_TIME_SCALE:-} ]]; then
		echo "$DW_TIME_SCALE"
	elif have_kvm; then
		echo 1
	else
		echo "$TCG_TIME_SCALE"
	fi
}

# launch_guest KERNEL_DIR: start QEMU in the background; qemu_pid is set.
# ttyS0 console to a file, ttyS1 the command's output on our stdout (and
# stdin, for the shell), ttyS2 the status lines to a file.
launch_guest() {
	local kdir=$1 signal=on input=/dev/null
	if [[ $mode == shell ]]; then
		signal=off
		input=/dev/stdin
	fi
	: >"$run_dir/status"
	# shellcheck disable=SC2046
	qemu-system-x86_64 -nodefaults -no-user-config -no-reboot \
		-display none -vga none $(accel_args) -m "$MEM_MB" -smp "$SMP" \
		-kernel "$kdir/vmlinux" -initrd "$run_dir/initrd" \
		-append "console=ttyS0 rdinit=/init pci=noacpi acpi=noirq panic=-1 oops=panic" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-chardev "stdio,id=output,signal=$signal" \
		-serial "file:$run_dir/console" -serial chardev:output \
		-serial "file:$run_dir/status" \
		<"$input" &
	qemu_pid=$!
}

# now_us: wall-clock microseconds.
now_us() {
	echo "${EPOCHREALTIME/./}"
}

# seconds MICROSECONDS: "12.3".
seconds() {
	printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000))
}

# status_line WORD: the guest's last status line starting with WORD.
status_line() {
	tr -d '\r' <"$run_dir/status" | grep "^$1" | tail -n 1 || true
}

# await LIMIT_S WORD POLL_S: until the guest reports WORD (0), QEMU exits
# (1) or LIMIT_S seconds pass (2, QEMU stopped); looking every POLL_S.
await() {
	local limit_us=$(($1 * 1000000)) word=$2 poll=$3 start
	start=$(now_us)
	while kill -0 "$qemu_pid" 2>/dev/null; do
		[[ -n $(status_line "$word") ]] && return 0
		if (($(now_us) - start > limit_us)); then
			stop_guest
			return 2
		fi
		sleep "$poll"
	done
	wait "$qemu_pid" || true
	qemu_pid=""
	[[ -n $(status_line "$word") ]]
}

stop_guest() {
	[[ -n $qemu_pid ]] || return 0
	kill -TERM "$qemu_pid" 2>/dev/null || true
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=""
}

show_console() {
	log "last lines of the guest console:"
	tr -d '\r' <"$run_dir/console" | tail -n "${1:-25}" | sed 's/^/  | /' >&2
}

# boot KERNEL_DIR: launch until the command starts, retrying boots that
# die first. Dies when every attempt failed.
boot() {
	local kdir=$1 attempt start outcome failure
	for ((attempt = 1; attempt <= BOOT_TRIES; attempt++)); do
		start=$(now_us)
		launch_guest "$kdir"
		outcome=0
		await "$BOOT_TIMEOUT" started 0.1 || outcome=$?
		if ((outcome == 0)); then
			log "$(<"$kdir/release"): command started $(seconds $(($(now_us) - start))) s after launch"
			return 0
		fi
		stop_guest
		failure=$(status_line boot-failed)
		if [[ -n $failure ]]; then
			show_console
			die "guest init: ${failure#boot-failed }"
		fi
		if ((outcome == 2)); then
			log "boot attempt $attempt: no command after $BOOT_TIMEOUT s"
		else
			log "boot attempt $attempt: the guest died before the command started"
		fi
		show_console 8
	done
	die "no boot out of $BOOT_TRIES reached the command"
}

# finish: wait for the command's end; print and return its status.
finish() {
	local start status outcome=0
	start=$(now_us)
	await "$timeout" exit 0.5 || outcome=$?
	case $outcome in
	0) ;;
	2) die "command still running after $timeout s: stopped the guest" ;;
	*) show_console && die "guest died while the command ran" ;;
	esac
	stop_guest
	status=$(status_line exit)
	status=${status#exit }
	log "command exited $status after $(seconds $(($(now_us) - start))) s in the guest"
	return "$status"
}

# suite_command: prove the chosen suite, hooks.t first so that it meets
# the kernel before any test has loaded a firewall module; failures and
# diagnostics only, the guest's time being dear.
suite_command() {
	local first=tests/integration/hooks.t test
	command=(env "DW_SUITE=$suite" prove --failures --comments "$first")
	for test in tests/integration/*.t; do
		[[ $test == "$first" ]] || command+=("$test")
	done
}

# report_suite KERNEL_DIR STATUS START_US: one line that says how the
# suite went on which kernel, and how long it took from launch to the end.
report_suite() {
	local outcome=passed
	(($2 == 0)) || outcome="FAILED (status $2)"
	log "$suite suite on $(<"$1/release"): $outcome in $(seconds $(($(now_us) - $3))) s"
}

cleanup() {
	stop_guest
	[[ -n $run_dir ]] || return 0
	[[ -n ${VMTEST_CONSOLE:-} ]] && cp "$run_dir/console" "$VMTEST_CONSOLE"
	rm -rf "$run_dir"
}

main() {
	local deb kdir start status=0 run_suite=false
	parse_args "$@"
	((EUID == 0)) || die "needs root (apt, the kernel cache, the host's files): run it with sudo"
	timeout=${VMTEST_TIMEOUT:-3600}
	if [[ $mode == command ]] && ((${#command[@]} == 0)); then
		run_suite=true
		cd "$ROOT"
		suite_command
		[[ $suite == guest ]] && timeout=${VMTEST_TIMEOUT:-$SUITE_TIMEOUT}
	fi

	# Tools, then the kernel: downloaded and unpacked once. Under a lock,
	# so that parallel runs neither race on apt nor on the cache.
	mkdir -p "$CACHE"
	exec 9>"$CACHE/lock"
	flock 9
	install_packages
	if [[ $kernel == *.deb ]]; then
		deb=$(realpath "$kernel")
	else
		deb=$(fetch_kernel "$kernel")
	fi
	kdir=$CACHE/$(basename "$deb" .deb)
	prepare_kernel "$deb" "$kdir"
	exec 9>&-

	# Boot, run, report.
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	run_dir=$(mktemp -d /tmp/dw-vmtest.XXXXXX)
	write_run_initramfs "$run_dir" "$kdir"
	start=$(now_us)
	boot "$kdir"
	finish || status=$?
	[[ $run_suite == true ]] && report_suite "$kdir" "$status" "$start"
	return "$status"
}

main "$@"
