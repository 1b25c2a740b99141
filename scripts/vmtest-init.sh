#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of a scripts/vmtest.sh guest, in two stages.
#
# initramfs (busybox): load the modules the root filesystem needs, mount the
#   host's / (virtio-9p, read-only) under a tmpfs overlay, mount the kernel
#   filesystems and the guest kernel's modules inside it, bring up lo, and
#   switch_root into it. Busybox does all of this because every program run
#   from the 9p root costs a noticeable fraction of a second under TCG.
# root (the host's /bin/sh): run /run/vmtest/cmd, report its status, halt.
#
# Serial ports: ttyS0 is the kernel console, ttyS1 carries the command's
# output (and the terminal in shell mode), ttyS2 the status lines the host
# waits for: "started" when the command begins, "exit N" when it ends,
# "boot-failed WHY" when the guest cannot get that far.

STATUS_PORT=/dev/ttyS2
OUTPUT_PORT=/dev/ttyS1
NEWROOT=/newroot

# note MESSAGE: a timestamped line in the kernel log, on the console.
note() {
	kmsg=/dev/kmsg
	[ -e $kmsg ] || kmsg=$NEWROOT/dev/kmsg
	echo "vmtest-init: $*" >"$kmsg"
}

fail() {
	echo "vmtest-init: $*" >/dev/console
	echo "boot-failed $*" >"$STATUS_PORT"
	halt_guest
}

# QEMU runs with -no-reboot, so an immediate reboot ends it. /proc is
# under $NEWROOT between the stages.
halt_guest() {
	echo b >/proc/sysrq-trigger || echo b >"$NEWROOT/proc/sysrq-trigger"
	sleep 10
}

# mount_fs TYPE SOURCE TARGET OPTIONS
mount_fs() {
	mkdir -p "$3"
	mount -t "$1" -o "$4" "$2" "$3" || fail "cannot mount $1 on $3"
}

mount_root() {
	while read -r module; do
		insmod "/modules/$module" || fail "insmod $module failed"
	done </modules/order
	note "modules loaded"

	mount_fs 9p hostroot /lower \
		trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144
	mount_fs tmpfs overlay-rw /rw mode=0755
	mkdir -p /rw/upper /rw/work
	mount_fs overlay overlay "$NEWROOT" \
		lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work
	note "root mounted"
}

# mount_kernel_fs: what a booted system has and the tests use: /run (with
# /run/netns for ip netns), /tmp (unless the command runs under it),
# tracefs, bpffs, debugfs, cgroup2.
mount_kernel_fs() {
	mount --move /dev "$NEWROOT/dev"
	mount --move /proc "$NEWROOT/proc"
	mount --move /sys "$NEWROOT/sys"
	mount_fs devpts devpts "$NEWROOT/dev/pts" gid=5,mode=620,ptmxmode=666
	mount_fs tmpfs shm "$NEWROOT/dev/shm" nosuid,nodev
	mount_fs tmpfs run "$NEWROOT/run" mode=0755,nosuid,nodev
	mount_fs tmpfs netns "$NEWROOT/run/netns" mode=0755
	# A checkout under /tmp (a CI clone, say) must stay visible: the
	# overlay's /tmp is writable, a tmpfs there would only hide it.
	case $VMTEST_CWD/ in
	/tmp/*) ;;
	*) mount_fs tmpfs tmp "$NEWROOT/tmp" mode=1777,nosuid,nodev ;;
	esac
	mount_fs tracefs tracefs "$NEWROOT/sys/kernel/tracing" nosuid,nodev,noexec
	mount_fs debugfs debugfs "$NEWROOT/sys/kernel/debug" nosuid,nodev,noexec
	mount_fs bpf bpf "$NEWROOT/sys/fs/bpf" mode=0700
	mount_fs cgroup2 cgroup2 "$NEWROOT/sys/fs/cgroup" nosuid,nodev,noexec
	mkdir -p "$NEWROOT/lib/modules"
	mount -o bind "$NEWROOT$VMTEST_MODULES" "$NEWROOT/lib/modules" ||
		fail "cannot bind $VMTEST_MODULES on /lib/modules"
	note "filesystems mounted"
}

stage_initramfs() {
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	# shellcheck source=/dev/null
	. /vmtest/env

	mount_root
	mount_kernel_fs
	echo vmtest >"$NEWROOT/proc/sys/kernel/hostname"
	ip link set lo up || fail "cannot bring up lo"

	mkdir -p "$NEWROOT/run/vmtest"
	cp /vmtest/* "$NEWROOT/run/vmtest/"
	cp /init "$NEWROOT/run/vmtest/init"
	exec switch_root "$NEWROOT" /bin/sh /run/vmtest/init root
}

stage_root() {
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/root LANG=C.UTF-8
	# shellcheck source=/dev/null
	. /run/vmtest/env
	# The tests' patience under emulation (tests/integration/lib.sh).
	export DW_TIME_SCALE
	cd "$VMTEST_CWD" || fail "no directory $VMTEST_CWD in the guest"

	note "starting the command"
	echo "started" >"$STATUS_PORT"
	run_command
	status=$?
	note "the command exited $status"
	echo "exit $status" >"$STATUS_PORT"
	halt_guest
}

# The last close of the output port waits for its bytes to leave the UART,
# so nothing is lost to the reboot that follows. The command sees a terminal
# only when vmtest's own output is one; otherwise a pipe, as on the host.
run_command() {
	if [ "$VMTEST_MODE" = shell ]; then
		stty -F "$OUTPUT_PORT" rows "$VMTEST_ROWS" cols "$VMTEST_COLS"
		# The host's shell start-up files are the host user's, and
		# slow to run under TCG (tens of seconds): a plain shell.
		# shellcheck disable=SC2094
		PS1='vmtest:\w# ' TERM=$VMTEST_TERM \
			setsid -c /bin/bash --noprofile --norc -i \
			<"$OUTPUT_PORT" >"$OUTPUT_PORT" 2>&1
		return
	fi
	stty -F "$OUTPUT_PORT" raw -echo rows "$VMTEST_ROWS" cols "$VMTEST_COLS"
	if [ "$VMTEST_TTY" = 1 ]; then
		TERM=$VMTEST_TERM /bin/bash /run/vmtest/cmd \
			</dev/null >"$OUTPUT_PORT" 2>&1
		return
	fi
	{
		/bin/bash /run/vmtest/cmd </dev/null 2>&1
		echo $? >/run/vmtest/status
	} | cat >"$OUTPUT_PORT"
	return "$(cat /run/vmtest/status)"
}

case "${1:-initramfs}" in
initramfs) stage_initramfs ;;
root) stage_root ;;
*) fail "unknown stage $1" ;;
esac
