#!/usr/bin/env bash
# Checks that a failing deterministic test names its seed and a replay line,
# on every failure path (a deadlock, a failed check inside the system, an
# assertion after a later run, the watchdog), and that the line reproduces
# the run: the same seed and trace hash whether the case runs with the
# others, alone, or from the replay line; another seed gives another run.
# $1 is det_failures, a suite that fails on purpose in each of these ways.
set -u
SUITE="$1"
. "$(dirname "$0")/sim_lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unset L4SIM_DETERMINISTIC L4SIM_SEED L4SIM_POLICY L4SIM_TRACE L4SIM_FAULTS TEST_FILTER
export H_WATCHDOG_S=1 # the hangs case ends by the watchdog

"$SUITE" >"$tmp/all.txt" 2>&1
check "the suite ends by the watchdog (exit 70)" test $? -eq 70

# run_info FILE CASE: "run K: seed N, trace hash H" from the harness's line.
run_info() {
    sed -n "s/^harness: $2, \(run [0-9]*: seed [0-9]*, trace hash [0-9a-f]*\)$/\1/p" "$1" | head -n 1
}

for case in deadlocks check_fails second_run_returns_nonzero; do
    info="$(run_info "$tmp/all.txt" "$case")"
    check "$case names its run's seed and trace hash ($info)" test -n "$info"
    replay="$(sed -n "s/^replay: \(L4SIM_DETERMINISTIC=1 L4SIM_SEED=[0-9]* TEST_FILTER=$case .*\)$/\1/p" \
        "$tmp/all.txt")"
    check "$case prints a replay line" test -n "$replay"
    seed="$(sed -n 's/.*: seed \([0-9]*\),.*/\1/p' <<<"$info")"
    check "the replay line has the run's seed" grep -q "L4SIM_SEED=$seed TEST_FILTER" <<<"$replay"

    TEST_FILTER="$case" "$SUITE" >"$tmp/alone.txt" 2>&1
    check "$case alone runs the same seed" test "$(run_info "$tmp/alone.txt" "$case")" = "$info"

    read -r -a words <<<"$replay"
    env "${words[@]}" >"$tmp/replay.txt" 2>&1
    check "$case replayed: the same seed and trace hash" \
        test "$(run_info "$tmp/replay.txt" "$case")" = "$info"
    check "$case replayed runs only that case" grep -q '^\[==========\] 1 test(s) run.' "$tmp/replay.txt"

    another=1
    [[ "$seed" != 1 ]] || another=2
    env L4SIM_DETERMINISTIC=1 L4SIM_SEED=$another TEST_FILTER="$case" "$SUITE" >"$tmp/other.txt" 2>&1
    other="$(run_info "$tmp/other.txt" "$case")"
    check "$case with seed $another is another run ($other)" \
        test -n "$other" -a "${other#*trace hash }" != "${info#*trace hash }"
done

check "the second run is the one named" grep -q '^harness: second_run_returns_nonzero, run 2: ' \
    "$tmp/all.txt"
seed="$(sed -n 's/^harness: deadlocks, run 1: seed \([0-9]*\),.*/\1/p' "$tmp/all.txt")"
check "the kernel's deadlock report names the seed" \
    grep -q "^l4sim: deadlock at virtual time [0-9]* us (seed $seed): every thread waits forever" \
    "$tmp/all.txt"
check "the deadlock report names the blocked threads" \
    grep -q '^l4sim:   thread 40.1 waits to receive from 34.1' "$tmp/all.txt"

# The watchdog: it knows no trace hash, but the seed and the replay line.
hang="$(sed -n 's/^harness: hangs, \(run 1: seed [0-9]*\)$/\1/p' "$tmp/all.txt")"
check "the watchdog names the hung run's seed ($hang)" test -n "$hang"
replay="$(sed -n 's/^replay: \(L4SIM_DETERMINISTIC=1 L4SIM_SEED=[0-9]* TEST_FILTER=hangs .*\)$/\1/p' \
    "$tmp/all.txt")"
check "the watchdog prints a replay line" grep -q "L4SIM_SEED=${hang#run 1: seed } " <<<"$replay"
read -r -a words <<<"$replay"
env "${words[@]}" >"$tmp/hang.txt" 2>&1
check "the replayed hang ends by the watchdog again (exit 70)" test $? -eq 70
check "the replayed hang names the same seed" grep -q "^harness: hangs, $hang$" "$tmp/hang.txt"

exit "$fail"
