#!/usr/bin/env bash
# Checks the trace views of `l4sim demo` and `l4sim run`: Chrome JSON with
# thread names and paired flows, the filter (and a bad one refused before
# the run), the mscgen chart and its SVG, --step fed from a pipe, and
# colour only when asked for or on a terminal.
set -u
L4SIM="$1"
IMAGES="$2"
. "$(dirname "$0")/sim_lib.sh"
skip() { echo "skip $1"; }
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED L4SIM_FAULTS NO_COLOR
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v python3 >/dev/null; then
    echo "python3 is needed to read the JSON"
    exit 77
fi

# json_ok FILE [NAME...]: the file parses, has thread_name metadata naming
# each NAME, and every flow start has exactly one end with its id (and
# every end one start).
json_ok() {
    python3 -c '
import collections, json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
starts = collections.Counter(e["id"] for e in events if e["ph"] == "s")
ends = collections.Counter(e["id"] for e in events if e["ph"] == "f")
problems = [n for n in sys.argv[2:] if n not in names]
if not names: problems.append("no thread_name metadata")
if set(starts) != set(ends) or any(c != 1 for c in list(starts.values()) + list(ends.values())):
    problems.append("flows not paired: %d starts, %d ends" % (len(starts), len(ends)))
if any(e["ph"] == "f" and e.get("bp") != "e" for e in events):
    problems.append("a flow end without bp=e")
if problems: sys.exit("; ".join(problems))
' "$@"
}

# json_count FILE PYTHON-CONDITION-ON-e: how many events satisfy it.
json_count() {
    python3 -c "
import json, sys
print(sum(1 for e in json.load(open(sys.argv[1]))['traceEvents'] if $2))" "$1"
}

# Chrome JSON from the demo and from a program of the standard system.
"$L4SIM" demo ipc --no-trace --trace-json "$work/ipc.json" >"$work/ipc.out" 2>&1
check "demo ipc --trace-json exits 0" test $? -eq 0
check "demo JSON parses, names threads, pairs flows" json_ok "$work/ipc.json" "sigma0 32" "root 34"
check "demo JSON has a flow per message (7)" test "$(json_count "$work/ipc.json" 'e["ph"] == "s"')" -eq 7
check "demo JSON shows the calls' waits" \
    test "$(json_count "$work/ipc.json" 'e["name"].startswith("wait for")')" -ge 4
check "demo JSON has the timeout as an instant" \
    test "$(json_count "$work/ipc.json" 'e["ph"] == "i" and e["name"].startswith("timeout")')" -eq 1
check "the run says where the JSON went" grep -qF "trace: $work/ipc.json" "$work/ipc.out"

"$L4SIM" run --trace-json "$work/hello.json" "$IMAGES/hello" >"$work/hello.out" 2>&1
check "run --trace-json exits 0" test $? -eq 0
check "the program's output still shows" grep -qF "hello, world" "$work/hello.out"
check "run JSON parses, names the servers, pairs flows" json_ok "$work/hello.json" \
    "sigma0 32" "root 34" "mm 35" "task 39" "naming 40" "log 46"
check "run JSON has one process per space" \
    test "$(json_count "$work/hello.json" 'e["name"] == "process_name"')" -ge 4
# As many page-fault slices as the summary counts faults (how many depends
# on how the image was compiled).
faults="$(sed -n 's/.* messages, \([0-9]*\) page faults.*/\1/p' "$work/hello.out")"
check "run JSON has page faults as slices (${faults:-?} of them)" \
    test "$(json_count "$work/hello.json" 'e["ph"] == "X" and e["name"] == "pagefault"')" = "${faults:-none}"
"$L4SIM" run --trace-json "$work/again.json" "$IMAGES/hello" >/dev/null 2>&1
check "the same seed gives the same JSON" cmp -s "$work/hello.json" "$work/again.json"

# A deadlock (a hung server) and a free-running run still give valid JSON.
"$L4SIM" demo ipc --no-trace --faults 'server/hang:after=10' --trace-json "$work/hang.json" \
    >/dev/null 2>&1
check "a deadlocked demo fails (exit 1)" test $? -eq 1
check "and its JSON is valid" json_ok "$work/hang.json" "root 34"
"$L4SIM" demo ipc --no-trace --faults 'ipc/send/drop:p=0.3' --trace-json "$work/drop.json" \
    >/dev/null 2>&1
check "a dropped message gets no flow" json_ok "$work/drop.json"
L4SIM_DETERMINISTIC=0 "$L4SIM" run --trace-json "$work/free.json" "$IMAGES/hello" >/dev/null 2>&1
check "free-running run JSON is valid with paired flows" json_ok "$work/free.json" "mm 35"

# The filter: only matching lines, on the terminal and in the files.
trace_lines() { grep '^    | ' <<<"$1"; }
out="$("$L4SIM" demo ipc --trace=thread=40 2>&1)"
check "thread=40 shows lines" test "$(trace_lines "$out" | wc -l)" -gt 5
check "thread=40 shows only lines about 40" \
    bash -c '! grep -v " 40\.1" <<<"$1"' _ "$(trace_lines "$out")"
check "the demo still narrates under a filter" grep -qF "demo ipc: ok" <<<"$out"
out="$("$L4SIM" demo ipc --trace=kind=timeout,kind=thread.halt 2>&1)"
check "kind=timeout,kind=thread.halt ORs: 3 lines" test "$(trace_lines "$out" | wc -l)" -eq 3
out="$("$L4SIM" demo ipc --trace=kind=ipc,thread=40.1 2>&1)"
check "kind=ipc,thread=40.1 ANDs: only messages of 40" \
    bash -c '! grep -vE "(send|recv) .*40\.1" <<<"$1"' _ "$(trace_lines "$out")"
check "  all 7 messages, both sides" test "$(trace_lines "$out" | wc -l)" -eq 14
out="$("$L4SIM" run --trace=space=290 "$IMAGES/hello" 2>&1)"
check "space=290 follows the task's threads (290 and 291)" \
    bash -c 'grep -q " 291\.1" <<<"$1" && ! grep -vE " 29[01]\.1( |$)|space.delete" <<<"$1"' _ \
    "$(trace_lines "$out")"
"$L4SIM" run --no-trace --trace=kind=pagefault --trace-json "$work/pf.json" "$IMAGES/hello" \
    >/dev/null 2>&1
check "the filter applies to the JSON" \
    test "$(json_count "$work/pf.json" 'e["ph"] != "M" and e["name"] != "pagefault"')" -eq 0
for bad in kind=bogus thread=x thread=1.x space=root nokey foo=1 kind= ""; do
    err="$("$L4SIM" demo ipc "--trace=$bad" 2>&1)"
    rc=$?
    check "filter '$bad' is refused with exit 2 (got $rc)" test "$rc" -eq 2
    check "  with a message and before the run" \
        bash -c 'grep -qF "bad trace filter" <<<"$1" && ! grep -q summary <<<"$1"' _ "$err"
done

# The message sequence chart and its SVG.
if command -v mscgen >/dev/null; then
    "$L4SIM" demo ipc --no-trace --msc "$work/ipc.msc" --svg "$work/ipc.svg" >/dev/null 2>&1
    check "demo --msc --svg exits 0" test $? -eq 0
    check "mscgen accepts the demo's chart" mscgen -T svg -o "$work/check.svg" "$work/ipc.msc"
    check "the chart has the messages as arcs" test "$(grep -c '^t[0-9]*->' "$work/ipc.msc")" -eq 7
    check "--svg writes an SVG" grep -q "<svg" "$work/ipc.svg"
    "$L4SIM" run --svg "$work/hello.svg" "$IMAGES/hello" >/dev/null 2>&1
    check "run --svg alone writes an SVG" grep -q "<svg" "$work/hello.svg"
    "$L4SIM" run --msc "$work/heap.msc" "$IMAGES/heap" >/dev/null 2>&1
    check "mscgen accepts a capped chart" mscgen -T svg -o "$work/heap.svg" "$work/heap.msc"
    check "a big chart stops at the cap, with a note" grep -qF "more events not drawn" \
        "$work/heap.msc"
    check "  and holds at most 1000 arcs" \
        test "$(grep -cE '^t[0-9]+ ?(->|=>>|:>|-x| [a-z]*box | note )' "$work/heap.msc")" -le 1000
else
    skip "mscgen is not installed: chart checks"
fi
err="$(env PATH=/nonexistent "$L4SIM" demo ipc --svg "$work/no.svg" 2>&1)"
check "--svg without mscgen exits 2" test $? -eq 2
check "  and says mscgen is missing" grep -qF "needs mscgen" <<<"$err"
err="$("$L4SIM" demo ipc --trace-json "$work/no/such/dir.json" 2>&1)"
check "an unwritable file exits 2" test $? -eq 2
check "  and says so" grep -qF "cannot write" <<<"$err"
"$L4SIM" demo ipc --trace-json >/dev/null 2>&1
check "--trace-json without a file exits 2" test $? -eq 2
"$L4SIM" demo ipc --no-trace --maps-dot "$work/maps.dot" >/dev/null 2>&1
check "--maps-dot FILE is accepted" test $? -eq 0

# --step: Enter from a pipe (setsid: no /dev/tty to read instead).
nosession=()
command -v setsid >/dev/null && nosession=(setsid -w)
out="$(yes '' | head -100 | timeout 60 "${nosession[@]}" "$L4SIM" demo ipc --step 2>&1)"
check "--step with enough newlines completes" grep -qF "demo ipc: ok" <<<"$out"
out="$(printf '\n\n\n' | timeout 60 "${nosession[@]}" "$L4SIM" demo ipc --step 2>&1)"
check "--step runs on at the end of input" grep -qF "demo ipc: ok" <<<"$out"
start=$(date +%s%N)
out="$( (sleep 1; echo c) | timeout 60 "${nosession[@]}" "$L4SIM" demo ipc --step 2>&1)"
waited=$((($(date +%s%N) - start) / 1000000))
check "--step waits for Enter (${waited} ms)" test "$waited" -ge 900
check "  and c runs on" grep -qF "demo ipc: ok" <<<"$out"

# Colour: only when forced or on a terminal, and never with NO_COLOR.
esc=$'\033['
out="$("$L4SIM" demo ipc 2>&1)"
check "no colour into a pipe" bash -c '! grep -qF "$1" <<<"$2"' _ "$esc" "$out"
out="$("$L4SIM" demo ipc --color=always 2>&1)"
check "--color=always colours" grep -qF "$esc" <<<"$out"
check "  sends and receives in cyan" grep -qF "${esc}36mt=4 send" <<<"$out"
out="$("$L4SIM" demo ipc --color=never 2>&1)"
check "--color=never does not" bash -c '! grep -qF "$1" <<<"$2"' _ "$esc" "$out"
"$L4SIM" demo ipc --color=sometimes >/dev/null 2>&1
check "--color=sometimes exits 2" test $? -eq 2
if command -v script >/dev/null && script -qc true /dev/null >/dev/null 2>&1; then
    out="$(script -qc "'$L4SIM' demo ipc" /dev/null 2>&1)"
    check "a terminal gets colour" grep -qF "$esc" <<<"$out"
    out="$(NO_COLOR=1 script -qc "'$L4SIM' demo ipc" /dev/null 2>&1)"
    check "NO_COLOR takes it away" bash -c '! grep -qF "$1" <<<"$2"' _ "$esc" "$out"
else
    skip "no script(1): terminal colour checks"
fi

# Without any view the run's output is what it was: no trace lines, same text.
out="$("$L4SIM" demo ipc --no-trace 2>&1)"
check "--no-trace shows no trace line" bash -c '! grep -q "^    | " <<<"$1"' _ "$out"
help="$("$L4SIM" --help)"
for opt in "--trace[=FILTER]" --trace-json --msc --svg --step --color --maps-dot; do
    check "help lists $opt" grep -qF -- "$opt" <<<"$help"
done
exit $fail
