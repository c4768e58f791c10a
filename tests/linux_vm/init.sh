#!/bin/sh
# init.sh: /init of the sched_ext guest that scripts/linux-vm.sh boots.
# Loads every object listed in /policies.list in turn with bpftool, runs
# /workload under it, and prints tagged lines on the console (UPSVM-*) that
# the host turns into JSON lines. /run.conf sets SECONDS_PER_POLICY,
# SLEEP_US and TASKS.
export PATH=/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t bpf bpf /sys/fs/bpf
mkdir -p /tmp
. /run.conf
S=/sys/kernel/sched_ext

state() {
	echo "state=$(cat $S/state) ops=$(cat $S/root/ops 2>/dev/null || echo '<none>')"
}

# Lines of the kernel log since the last call (the log is cleared).
kernel_log() {
	dmesg -c | head -n 60 | sed 's/^/UPSVM-DMESG /'
}

echo "UPSVM-GUEST kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) $(state)"
kernel_log >/dev/null
# Verdicts only: the verifier's test programs, loaded and never attached.
if ls /verify/*.bpf.o >/dev/null 2>&1; then
	/load_only /verify/*.bpf.o
fi
while read -r name; do
	[ -n "$name" ] || continue
	echo "UPSVM-BEGIN $name"
	pin=/sys/fs/bpf/$name
	mkdir -p "$pin"
	bpftool struct_ops register "/policies/$name.bpf.o" "$pin" >/tmp/reg.log 2>&1
	rc=$?
	sed 's/^/UPSVM-LOG /' /tmp/reg.log
	echo "UPSVM-REGISTER rc=$rc"
	sleep 1
	echo "UPSVM-LOADED $(state)"
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2086 # TASKS is a list of words
		timeout -s KILL $((SECONDS_PER_POLICY * 4 + 20)) \
			/workload "$SECONDS_PER_POLICY" "$SLEEP_US" $TASKS >/tmp/w.json 2>/tmp/w.err
		echo "UPSVM-WORKLOAD-RC $?"
		echo "UPSVM-WORKLOAD $(cat /tmp/w.json)"
		sed 's/^/UPSVM-WORKLOAD-ERR /' /tmp/w.err
		echo "UPSVM-AFTER-RUN $(state)"
	fi
	rm -f "$pin"/*
	rmdir "$pin"
	sleep 1
	echo "UPSVM-UNLOADED $(state)"
	kernel_log
	echo "UPSVM-END $name"
done </policies.list
echo "UPSVM-DONE"
poweroff -f
