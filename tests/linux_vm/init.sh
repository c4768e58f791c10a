#!/bin/sh
# init.sh: /init of the sched_ext guest that scripts/linux-vm.sh boots.
# Loads every object listed in /policies.list in turn with /register (our
# loader, tests/linux_vm/register.c), then every upstream scheduler of
# /upstream.list with its own loader, runs
# /workload under each, and prints tagged lines on the console (UPSVM-*) that
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
# The workload under whatever scheduler is loaded now.
run_workload() {
	# shellcheck disable=SC2086 # TASKS is a list of words
	timeout -s KILL $((SECONDS_PER_POLICY * 4 + 20)) \
		/workload "$SECONDS_PER_POLICY" "$SLEEP_US" $TASKS >/tmp/w.json 2>/tmp/w.err
	echo "UPSVM-WORKLOAD-RC $?"
	echo "UPSVM-WORKLOAD $(cat /tmp/w.json)"
	sed 's/^/UPSVM-WORKLOAD-ERR /' /tmp/w.err
	echo "UPSVM-AFTER-RUN $(state)"
}

# Polls (every 0.1 s, at most $2 tenths) until the state is $1.
wait_state() {
	i=0
	while [ $i -lt "$2" ] && [ "$(cat $S/state)" != "$1" ]; do
		usleep 100000
		i=$((i + 1))
	done
}

# Starts a scheduler's loader ("$@") in the background, as a user would,
# and waits until the kernel enabled the scheduler while the loader still
# runs, or /register says it attached it (a scheduler the kernel ejects at
# once may never show as enabled): rc=0; rc=1 when the loader gave up, or
# after 20 s. The loader holds the scheduler, and its maps with their BPF
# timers, until stop_loader.
start_loader() {
	"$@" >/tmp/loader.log 2>&1 &
	pid=$!
	rc=1
	i=0
	while [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do
		if [ "$(cat $S/state)" = enabled ] || grep -q '^register: attached' /tmp/loader.log; then
			rc=0
			break
		fi
		usleep 100000
		i=$((i + 1))
	done
}

# Stops the loader with SIGINT, as by ^C, and prints its exit status and
# its own words: its stats lines, or libbpf's verifier log when Linux
# refused the object.
stop_loader() {
	kill -INT $pid 2>/dev/null
	wait $pid
	echo "UPSVM-LOADER-RC $?"
	sed 's/^/UPSVM-LOG /' /tmp/loader.log
}

# After a scheduler is gone: the state, and what the kernel said about it.
end_object() {
	wait_state disabled 30
	echo "UPSVM-UNLOADED $(state)"
	kernel_log
	echo "UPSVM-END $1"
}

while read -r name; do
	[ -n "$name" ] || continue
	echo "UPSVM-BEGIN $name"
	start_loader /register "/policies/$name.bpf.o"
	echo "UPSVM-REGISTER rc=$rc"
	echo "UPSVM-LOADED $(state)"
	if [ "$rc" = 0 ]; then
		run_workload
		# The policy's counters and globals (libbpf names the map after
		# the object's first 11 characters), as its author would dump them
		# (the raw bytes left out: the formatted values say the same).
		echo "UPSVM-BSS $(bpftool -j map dump name "$(echo "$name" | cut -c1-11).bss" 2>/dev/null |
			tr -d '\n' | sed 's/"key":\[[^]]*\],"value":\[[^]]*\],//')"
	fi
	stop_loader
	end_object "$name"
done </policies.list

# Linux's own schedulers (tools/sched_ext), each started by its own loader
# as a user would, and stopped with SIGINT as by ^C. Registered means the
# kernel enabled it within 20 s while the loader still ran.
while read -r name; do
	[ -n "$name" ] || continue
	echo "UPSVM-BEGIN $name"
	start_loader "/upstream/$name"
	echo "UPSVM-REGISTER rc=$rc"
	echo "UPSVM-LOADED $(state)"
	[ "$rc" = 0 ] && run_workload
	stop_loader
	end_object "$name"
done </upstream.list
echo "UPSVM-DONE"
poweroff -f
