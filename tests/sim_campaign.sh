#!/usr/bin/env bash
# Checks `l4sim campaign`: a short campaign over the ipc demo writes one JSON
# line per seed in seed order, a summary whose counts add up, a coverage
# list naming the points never reached, replay commands that reproduce a
# run, and the same results when run again; bad input gets exit status 2.
set -u
L4SIM="$1"
. "$(dirname "$0")/sim_lib.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
unset L4SIM_FAULTS L4SIM_SEED L4SIM_TRACE
SPEC='ipc/send/drop:p=0.1;ipc/mr/corrupt:p=0.05;ipc/string/truncate:p=0.1;thread/crash:p=0.02,src=40'

"$L4SIM" campaign ipc --seeds 1-20 --faults "$SPEC" -j2 --out "$tmp/a.jsonl" >"$tmp/a.txt" 2>&1
check "campaign exits 0" test $? -eq 0
check "20 JSON lines" test "$(wc -l <"$tmp/a.jsonl")" -eq 20
seeds="$(sed -n 's/^{"seed":\([0-9]*\),.*/\1/p' "$tmp/a.jsonl" | tr '\n' ' ')"
check "lines in seed order" test "$seeds" = "$(seq -s ' ' 1 20) "
check "every line has the fields" test "$(grep -c '"outcome":"\(ok\|recovered\|failed\|deadlock\|crash\)","faults_fired":[0-9]*,"fired":{.*"trace_hash":.*"virtual_us":.*"wall_us":[0-9]*' "$tmp/a.jsonl")" -eq 20
if command -v python3 >/dev/null; then
    check "JSON lines parse" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/a.jsonl"
fi
total=0
for o in ok recovered failed deadlock crash; do
    n="$(sed -n "s/^  $o  *\([0-9]*\) .*/\1/p" "$tmp/a.txt")"
    lines="$(grep -c "\"outcome\":\"$o\"" "$tmp/a.jsonl")"
    check "summary count of $o ($n) matches the JSON lines ($lines)" test "${n:-x}" = "$lines"
    total=$((total + ${n:-0}))
done
check "summary counts add up to 20" test "$total" -eq 20
check "coverage names points never reached" grep -q '^never reached: .*mm/frames/exhaust' "$tmp/a.txt"
check "coverage lists ipc/send/drop as reached" grep -Eq '^  ipc/send/drop +[1-9]' "$tmp/a.txt"

# 200 seeds of the standard system's demos, with faults after boot in
# clients and servers alike: every run ends, and the counts add up.
SYSTEM_SPEC='ipc/send/drop:p=0.01;task/crash:p=0.05;thread/crash:p=0.001;mm/swap/io-error:p=0.05'
for scenario in restart fork; do
    "$L4SIM" campaign "$scenario" --seeds 1-100 --faults "$SYSTEM_SPEC" -j2 \
        --out "$tmp/$scenario.jsonl" >"$tmp/$scenario.txt" 2>&1
    check "campaign $scenario exits 0" test $? -eq 0
    check "campaign $scenario: 100 JSON lines" test "$(wc -l <"$tmp/$scenario.jsonl")" -eq 100
    sum=0
    for o in ok recovered failed deadlock crash; do
        n="$(sed -n "s/^  $o  *\([0-9]*\) .*/\1/p" "$tmp/$scenario.txt")"
        sum=$((sum + ${n:-0}))
    done
    check "campaign $scenario: the counts add up to 100 ($sum)" test "$sum" -eq 100
    check "campaign $scenario: total 100" grep -qE '^  total +100$' "$tmp/$scenario.txt"
    check "campaign $scenario: no run crashed the process" grep -qE '^  crash +0 ' "$tmp/$scenario.txt"
done

"$L4SIM" campaign ipc --seeds 1-20 --faults "$SPEC" -j 1 --out "$tmp/b.jsonl" >/dev/null 2>&1
strip() { sed 's/,"wall_us":[0-9]*//' "$1"; }
check "a second campaign gives the same results" test "$(strip "$tmp/a.jsonl")" = "$(strip "$tmp/b.jsonl")"

# Replay: the demo with a failing seed's command line gives the same hash.
line="$(grep -m1 '"outcome":"\(failed\|recovered\)"' "$tmp/a.jsonl")"
if [[ -n "$line" ]]; then
    seed="$(sed 's/^{"seed":\([0-9]*\),.*/\1/' <<<"$line")"
    hash="$(sed 's/.*"trace_hash":"\([0-9a-f]*\)".*/\1/' <<<"$line")"
    out="$("$L4SIM" demo ipc --seed "$seed" --faults "$SPEC" --trace 2>&1)"
    check "demo --seed $seed replays the campaign's run" grep -q "trace hash $hash" <<<"$out"
    check "demo reports the faults that fired" grep -q "faults fired: " <<<"$out"
    check "demo trace shows the fault events" grep -q "| t=[0-9]* fault " <<<"$out"
fi
if grep -q '"outcome":"\(failed\|deadlock\|crash\)"' "$tmp/a.jsonl"; then
    check "replay commands are printed" grep -q "demo ipc --seed [0-9]* --faults '.*' --trace" "$tmp/a.txt"
fi

"$L4SIM" campaign ipc --seeds 1-3 --faults 'ipc/send/dorp' >"$tmp/bad.txt" 2>&1
check "a bad spec exits 2" test $? -eq 2
check "a bad spec is explained" grep -q "unknown fault point 'ipc/send/dorp'" "$tmp/bad.txt"
"$L4SIM" campaign nosuch --seeds 1-3 >/dev/null 2>&1
check "an unknown scenario exits 2" test $? -eq 2
"$L4SIM" campaign ipc --seeds 5-1 >/dev/null 2>&1
check "bad seeds exit 2" test $? -eq 2
"$L4SIM" demo ipc --faults 'thread/crash:nth=x' >/dev/null 2>&1
check "demo refuses a bad spec with 2" test $? -eq 2
check "l4sim faults lists the points" bash -c '"$1" faults | grep -q "server/hang"' _ "$L4SIM"

exit $fail
