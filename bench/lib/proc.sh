# shellcheck shell=bash
# Shared by the bench scripts that start processes and time their CPU
# (bench/flood, bench/sipagent, bench/memory, bench/bgp): sourced, never run. The
# callers define die, the work directory in work, the array pids (every PID
# to stop at exit) and the associative array wrapper.

# cpu_ticks PID: user+system time of PID (all its threads, live or exited).
cpu_ticks() {
	local stat rest f
	stat=$(<"/proc/$1/stat")
	rest=${stat##*) } # comm may hold spaces and parentheses
	read -ra f <<<"$rest"
	echo $((f[11] + f[12]))
}

# idle_ticks: ticks all CPUs of the machine spent idle. Busy time is taken as
# wall time minus this: on these VMs the busy columns of /proc/stat, sampled
# at each tick, undercount a load that sleeps and wakes 100,000 times a
# second by a quarter or more, while idle time is measured exactly.
idle_ticks() {
	local f
	read -ra f </proc/stat # cpu user nice system idle iowait ...
	echo $((f[4] + f[5]))
}

# times_cpu FILE: children's user+system seconds from the output of `times`.
times_cpu() {
	awk 'NR == 2 {
		s = 0
		for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }
		printf "%.3f\n", s
	}' "$1"
}

now() { date +%s.%N; }

# spawn NAME CMD...: runs CMD in the background in the work directory, output
# in NAME.out and NAME.err. A wrapper subshell waits for it and then writes
# its exit status to NAME.rc and its CPU time (from `times`, so including
# what it spent right before exiting) to NAME.times. Both PIDs go to pids;
# the command's is left in spawned.
spawn() {
	local name=$1 i
	shift
	(
		cd "$work"
		"$@" >"$work/$name.out" 2>"$work/$name.err" &
		echo $! >"$work/$name.pid"
		rc=0
		wait $! || rc=$?
		times >"$work/$name.times"
		echo "$rc" >"$work/$name.rc"
	) &
	wrapper[$name]=$!
	pids+=("$!")
	for ((i = 0; i < 250; i++)); do
		[[ -s $work/$name.pid ]] && break
		sleep 0.02
	done
	[[ -s $work/$name.pid ]] || die "$name did not start"
	spawned=$(<"$work/$name.pid")
	pids+=("$spawned")
}

# reap NAME: waits for what spawn NAME started, forgets its PIDs (they may be
# reused once reaped) and sets reaped to its exit status.
reap() {
	local name=$1
	wait "${wrapper[$name]}" || true
	forget "${wrapper[$name]}"
	forget "$(<"$work/$name.pid")"
	reaped=$(<"$work/$name.rc")
}

# forget PID: drops a reaped PID from pids.
forget() {
	local p keep=()
	for p in "${pids[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	pids=("${keep[@]}")
}
