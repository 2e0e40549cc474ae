#!/usr/bin/env bash
# The seed sweep: concurrency-heavy suites run deterministically under every
# seed from FIRST to LAST (L4SIM_SEED: each run of a case gets that seed).
# A failure shows the suite's output, with the harness's replay line, and
# the seed; the sweep goes on, up to five failures.
# usage: det_sweep.sh FIRST LAST PROGRAM[:CASE_FILTER]...
set -u
first="$1" last="$2"
shift 2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
unset L4SIM_POLICY L4SIM_TRACE L4SIM_FAULTS TEST_FILTER
export L4SIM_DETERMINISTIC=1 # also in the sanitizer pass, which runs the rest free-running

failed=0 start=$SECONDS
for ((seed = first; seed <= last && failed < 5; seed++)); do
    for entry in "$@"; do
        program="${entry%%:*}" filter=""
        [[ "$entry" != *:* ]] || filter="${entry#*:}"
        if ! L4SIM_SEED="$seed" TEST_FILTER="$filter" "$program" >"$log" 2>&1; then
            cat "$log"
            echo "FAIL seed $seed: $(basename "$program") ${filter:-(every case)}:" \
                "replay: L4SIM_DETERMINISTIC=1 L4SIM_SEED=$seed TEST_FILTER=${filter:-'*'} $program"
            failed=$((failed + 1))
        fi
    done
done
echo "seeds $first-$((seed - 1)) over $# suites: $failed failed ($((SECONDS - start)) s)"
((failed == 0))
