#!/usr/bin/env bash
# Checks the demos of the standard system (boot, kill, naming): each ends
# ok, narrates its steps next to the trace lines they explain, states the
# key facts (thread numbers in boot order, each waiter's error, each
# resolution hop), replays byte for byte, passes free-running and without
# the trace, and survives a short campaign of lost messages.
set -u
L4SIM="$1"
export L4SIM_IMAGES="$2"
. "$(dirname "$0")/sim_lib.sh"
has() { grep -qF -- "$2" <<<"$1"; }
narration() { nowall "$1" | grep -v '^    | '; }
# The first trace line after the narration step that starts with $2 contains $3.
next_trace() {
    awk -v step="$2" -v want="$3" '
        index($0, step) == 1 && /^\[[0-9]+\] / { armed = 1; next }
        armed && /^    \| / { found = index($0, want) > 0; armed = 0; done = 1 }
        END { exit !(done && found) }' <<<"$1"
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED L4SIM_FAULTS L4SIM_TRACE

declare -A out
for demo in boot kill naming; do
    out[$demo]="$("$L4SIM" demo "$demo" 2>&1)"
    rc=$?
    check "demo $demo exits 0" test "$rc" -eq 0
    check "demo $demo ends ok" has "${out[$demo]}" "demo $demo: ok"
    again="$("$L4SIM" demo "$demo" 2>&1)"
    check "demo $demo replays byte for byte" test "$(nowall "${out[$demo]}")" = "$(nowall "$again")"
    seven="$("$L4SIM" demo "$demo" --seed 7 2>&1)"
    check "demo $demo --seed 7 ends ok" has "$seven" "demo $demo: ok"
    quiet="$("$L4SIM" demo "$demo" --no-trace 2>&1)"
    check "demo $demo --no-trace shows no trace" bash -c '! grep -q "^    | " <<<"$1"' _ "$quiet"
    check "demo $demo --no-trace narrates the same" \
        test "$(narration "$quiet" | grep -v '^Kernel trace lines')" = "$(narration "${out[$demo]}" | grep -v '^Kernel trace lines')"
    free="$(L4SIM_DETERMINISTIC=0 "$L4SIM" demo "$demo" 2>&1)"
    check "demo $demo free-running ends ok" has "$free" "demo $demo: ok"
done

# boot: every server, its thread number and its place in the boot order.
b="${out[boot]}"
for want in "sigma0 is thread 32" "The root task is thread 34 (UserBase + 2)" \
    "the MM server: thread 35 (root + 1" "task server: thread 39 (root + 5" \
    "backing store: thread 38 (root + 4" "name service: thread 40 (root + 6" \
    "log service: thread 46 (root + 12" "random device: thread 41 (root + 7" \
    "boot order: 35 36 37 39 38 40 46 41" "thread 38   root + 4  backing store    pager 32 (sigma0)" \
    "MM_REGISTER_BACKINGSTORE" "mount its directories" \
    "/tasks         -> thread 39 (the task server)" "/services/log  -> thread 46 (the log service)" \
    "262144 swap slots"; do
    check "boot says '$want'" has "$b" "$want"
done
check "boot narrates 20 steps" test "$(grep -c '^\[[0-9]*\] ' <<<"$b")" -eq 20
check "boot explains the MM server just before its creation" \
    next_trace "$b" "[4] The root task creates the MM server" "thread.create 35.1 34.1"
check "boot explains the store just before its creation" \
    next_trace "$b" "[9] The task server creates the backing store" "thread.create 38.1 39.1"
check "boot explains the registration just before it" \
    next_trace "$b" "[10] The task server registers the store" "send 39.1 -> 35.1 label=0x4d10"
check "boot explains the log service just before its creation" \
    next_trace "$b" "[13] The root task creates the log service" "thread.create 46.1 34.1"

# kill: each waiter's result, and the task's memory and threads reclaimed.
k="${out[kill]}"
for want in "task ticker-1: region mapper 290.1" "thread 66 is pending_send, thread 67 is waiting" \
    "root task (task_wait):   answered, state 3 (TASK_KILLED)" "thread 68 (task_kill):   ok" \
    "thread 66 (L4_Call):     send aborted (error code 0xe)" \
    "thread 67 (L4_Receive):  receive aborted (error code 0xf)" \
    "send to non-existing thread (error code 0x4)" "/stats/tasks/ticker-1 lists: task 290.1 291.1" \
    "task_info: state killed, threads 0" "mm_space_stats(291.1): non_existent" \
    "thread.delete 291.1 35.1" "thread.delete 290.1 35.1"; do
    check "kill says '$want'" has "$k" "$want"
done
check "kill: the frames come back" \
    grep -Eq "frames in use: 0 before the task, [1-9][0-9]* while it ran, 0 after the kill" <<<"$k"
check "kill: /stats/tasks lists only the task file afterwards" \
    grep -Eq "^    -> /stats/tasks/ticker-1 lists: task$" <<<"$k"
check "kill narrates the kill just before the task server gets it" \
    next_trace "$k" "[7] Thread 68 kills the task" "send 68.1 -> 39.1 label=0x5404"
noimg="$(L4SIM_IMAGES=/nonexistent "$L4SIM" demo kill 2>&1)"
rc=$?
check "kill without images exits 1" test "$rc" -eq 1
check "kill without images says so" has "$noimg" "l4sim demo kill: the l4sim images are not installed or built"

# naming: each hop, the files read, the listing and the refusals.
n="${out[naming]}"
for want in 'hop 1: thread 40 (name service) resolves "/stats/system" from its root' \
    'hop 1: thread 40 (name service) resolves "/stats/tasks/demo/task" from its root' \
    'the rest, "demo/task", is for thread 39 to resolve' \
    'hop 2: thread 39 (task server) resolves "demo/task" from directory 0x2000000000000000' \
    "-> thread 39 (task server), handle 0x5000000000000040, 2 parts, a file" \
    "-> thread 46 (log service), handle 0x0, 3 parts, a service" \
    "-> thread 41 (random device), handle 0x1, 3 parts, a device" \
    "file_read (0x4602) -> " "      frames_total 65536" "      state not_started" \
    "      tasks 1" 'hop 2: thread 39 (task server) resolves "nosuch"' \
    'naming_lookup("/tasks/demo"): non_existent'; do
    check "naming says '$want'" has "$n" "$want"
done
check "naming: the task server refuses /tasks/nosuch" \
    grep -A1 -F 'resolves "nosuch"' <<<"$n" | grep -qF "refused: non_existent"
check "naming: two bad paths are invalid_path" test "$(grep -c 'refused: invalid_path' <<<"$n")" -eq 2

# Lost messages: the demos report them and finish; none hangs or crashes.
for demo in boot kill naming; do
    for spec in 'ipc/send/drop:p=0.02' 'ipc/send/drop:p=0.02,after=487'; do
        "$L4SIM" campaign "$demo" --seeds 1-10 --faults "$spec" -j2 --timeout 30 \
            --out "$tmp/$demo.jsonl" >"$tmp/$demo.txt" 2>&1
        check "campaign $demo '$spec' exits 0" test $? -eq 0
        check "campaign $demo '$spec': 10 runs" test "$(wc -l <"$tmp/$demo.jsonl")" -eq 10
        check "campaign $demo '$spec': no crash, no wall timeout" \
            bash -c 'test -s "$1" && ! grep -q "\"outcome\":\"crash\"\|wall_timeout" "$1"' _ "$tmp/$demo.jsonl"
    done
    # After boot every lost message is the demo's to handle: ok or recovered only.
    check "campaign $demo after boot: only ok and recovered" \
        bash -c 'test -s "$1" && ! grep -vq "\"outcome\":\"\(ok\|recovered\)\"" "$1"' _ "$tmp/$demo.jsonl"
done

exit $fail
