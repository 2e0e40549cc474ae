#!/usr/bin/env bash
# Checks `l4sim mount`: the namespace on a host directory, read-only, with
# /stats live. Needs FUSE: without /dev/fuse, fusermount3 or a FUSE build
# of l4sim the test reports itself skipped (exit 77), as issue 7 allows.
set -u
L4SIM="$1"
. "$(dirname "$0")/sim_lib.sh"
skip() {
    echo "SKIP $1"
    exit 77
}

[[ -c /dev/fuse && -r /dev/fuse && -w /dev/fuse ]] || skip "no usable /dev/fuse"
command -v fusermount3 >/dev/null || skip "no fusermount3"
if "$L4SIM" mount 2>&1 | grep -q "built without libfuse3"; then
    skip "l4sim was built without libfuse3"
fi

dir="$(mktemp -d)"
log="$(mktemp)"
cleanup() {
    fusermount3 -u "$dir" 2>/dev/null
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null
    rmdir "$dir" 2>/dev/null
    rm -f "$log"
}
trap cleanup EXIT

"$L4SIM" mount "$dir" >"$log" 2>&1 &
pid=$!
mounted() { grep -q " $dir fuse" /proc/mounts; }
for _ in $(seq 100); do
    mounted && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if ! mounted; then
    cat "$log"
    grep -q "cannot mount" "$log" && skip "FUSE mounts are not allowed here"
    echo "FAIL l4sim mount did not mount $dir"
    exit 1
fi

check "the root lists the namespace" test "$(ls "$dir" | tr '\n' ' ')" = "dev logs modules services stats tasks "
sys="$(cat "$dir/stats/system")"
check "/stats/system has the frame counts" grep -q "^frames_total [1-9]" <<<"$sys"
check "/tasks lists the ticker" test -e "$dir/tasks/ticker-1"
task="$(cat "$dir/stats/tasks/ticker-1/task")"
check "the ticker's task file says it runs" grep -qx "state started" <<<"$task"
threads="$(ls "$dir/stats/tasks/ticker-1" | grep -c '^[0-9]*\.[0-9]*$')"
check "one file per thread: region mapper and main thread ($threads)" test "$threads" -eq 2
# Live: the ticker touches a page every 100 ms, so its resident pages grow.
first="$(grep '^resident_pages' "$dir/stats/tasks/ticker-1/task")"
sleep 1
second="$(grep '^resident_pages' "$dir/stats/tasks/ticker-1/task")"
check "the task file is made anew at each open ($first, then $second)" test "$first" != "$second"
check "a module reads as its host file" cmp -s "$dir/modules/hello" "$(dirname "$L4SIM")/../images/hello"
check "writing is refused" bash -c "! echo x 2>/dev/null >'$dir/logs/system'"
check "a missing name is not found" bash -c "ls '$dir/nothing-here' 2>&1 | grep -q 'No such file'"

fusermount3 -u "$dir"
wait "$pid"
rc=$?
pid=
check "l4sim mount exits 0 once unmounted" test "$rc" -eq 0
exit $fail
