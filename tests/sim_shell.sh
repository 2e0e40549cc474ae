#!/usr/bin/env bash
# Checks `l4sim shell` driven through a pipe: tasks started, waited for,
# pinged and killed; the namespace listed and read; the trace shown and
# hidden; step holding the system after exactly N events; errors reported
# while the shell carries on, also under injected faults; exit codes; EOF;
# replay in deterministic mode.
set -u -o pipefail
L4SIM="$1"
IMAGES="$2"
. "$(dirname "$0")/sim_lib.sh"
has() { grep -qE -- "$2" <<<"$1"; }
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED L4SIM_FAULTS L4SIM_TRACE
seen="$(mktemp)"
trap 'rm -f "$seen"' EXIT
shell() { "$L4SIM" shell --modules "$IMAGES" "$@" 2>&1 | tee -a "$seen"; }
trace_lines() { grep -c '^    | ' <<<"$1"; }

# Tasks are named NAME-N, N counting the tasks started so far.
session='ps
start ticker
start hello one two
wait hello-2
run 150
ps
ping ticker-1
trace on
step 3
trace off
ls /
ls /tasks
cat /stats/system
kill ticker-1
ps
frobnicate now
kill
kill nosuchtask
wait 1.x
step x
run -5
cat /nope
ls bad//path
cat /tasks/ticker-1
start nosuchprogram
ls /services'
out="$(shell <<<"$session")"
rc=$?
check "a session with failed commands exits 1 when piped (rc $rc)" test "$rc" -eq 1
check "ps before any start: no tasks" has "$out" "^no tasks"
check "start names the task" has "$out" "^started /modules/hello as task [0-9]+\.[0-9]+ \(hello-2\)"
for want in "hello, world" "argv\[0\] = hello" "argv\[1\] = one" "argv\[2\] = two"; do
    check "hello's output: '$want'" has "$out" "^$want\$"
done
check "wait reports exit status 0" has "$out" "^task [0-9.]+ exited 0\$"
check "ps shows the ticker running" has "$out" "^[0-9.]+ +ticker-1 +running +1\$"
check "ps shows hello exited" has "$out" "^[0-9.]+ +hello-2 +exited 0 +0\$"
check "ping answers" has "$out" "^task [0-9.]+ answers\$"
n="$(trace_lines "$out")"
check "trace on + step 3 shows exactly 3 trace lines, trace off hides the rest ($n)" test "$n" -eq 3
for want in "^modules +directory" "^tasks +directory" "^stats +directory" "^hello-2 +task" \
    "^ticker-1 +task" "^uptime_us [0-9]+" "^frames_total [0-9]+" "^killed task [0-9.]+\$" \
    "^[0-9.]+ +ticker-1 +killed +0\$" "^log +service\$"; do
    check "session output has '$want'" has "$out" "$want"
done
for want in "unknown command 'frobnicate' \(help lists the commands\)" "usage: kill ID\|NAME" \
    "kill: no task called 'nosuchtask'" "wait: no task called '1.x'" \
    "step: N must be a whole number from 1 to [0-9]+, not 'x'" \
    "run: MS must be a whole number of milliseconds" "cat: /nope: no such object \(non_existent\)" \
    "ls: bad//path: not a valid path" "cat: /tasks/ticker-1 is a task, not a file" "start: /modules/nosuchprogram: no such program: invalid_path"; do
    check "error reported: '$want'" has "$out" "$want"
done
check "the summary ends the run" has "$out" "^    summary: "
again="$(shell <<<"$session")"
check "the same piped session replays byte for byte" test "$(nowall "$out")" = "$(nowall "$again")"

seeded="$(shell --seed 7 <<<"$session")"
check "--seed 7 is named" has "$seeded" "^Deterministic run, seed 7 "
check "and replays too" test "$(nowall "$seeded")" = "$(nowall "$(shell --seed 7 <<<"$session")")"

# The ticker's ID from the session above: the same commands give it again.
tid="$(sed -nE 's/^started \/modules\/ticker as task ([0-9.]+) .*/\1/p' <<<"$out")"
out="$(shell <<<"start ticker
ping $tid 50
kill ${tid%.*}
wait $tid")"
rc=$?
check "ID and thread number name tasks (rc $rc)" test "$rc" -eq 0
check "ping by ID" has "$out" "^task $tid answers\$"
check "kill by thread number" has "$out" "^killed task $tid\$"
check "wait after a kill" has "$out" "^task $tid killed\$"

# The system stands still while the shell waits: slow input changes nothing.
slow="$( (for line in 'start ticker' 'run 150' 'step 2' 'ps' 'wait ticker-1 100' 'kill ticker-1' \
    'ps'; do
    echo "$line"
    sleep 0.1
done) | shell)"
fast="$(shell <<<'start ticker
run 150
step 2
ps
wait ticker-1 100
kill ticker-1
ps')"
check "input that comes slowly gives the same run" test "$(nowall "$slow")" = "$(nowall "$fast")"
check "a wait that times out says so" has "$fast" "^wait: task [0-9.]+ has not ended after 100 ms\$"
check "a kill after that wait" has "$fast" "^killed task [0-9.]+\$"
check "and ps agrees" has "$fast" "^[0-9.]+ +ticker-1 +killed"

out="$(shell <<<'ps
ls /
cat /stats/system')"
check "only successful commands: exit 0 ($?)" test "$?" -eq 0
out="$(printf 'ps' | shell)"
rc=$?
check "a last line without newline runs, EOF ends cleanly (rc $rc)" test "$rc" -eq 0
check "and the run is summarised" has "$out" "^    summary: "
out="$(shell </dev/null)"
check "empty input ends cleanly ($?)" test "$?" -eq 0

out="$(shell <<<'trace on
ps
trace off
ps')"
first="$(sed -n '/^no tasks/q;p' <<<"$out")"
after="$(sed -n '/^no tasks/,$p' <<<"$out")"
check "trace on shows a command's kernel events" test "$(trace_lines "$first")" -gt 10
check "trace off hides them" test "$(trace_lines "$after")" -eq 0

out="$(shell <<<'start ticker
run 150
step 2
step
step 3
ps
step 0')"
rc=$?
check "steps typed while the system is held add up ($(trace_lines "$out"))" \
    test "$(trace_lines "$out")" -eq 6
check "a line for the shell ends the hold" has "$out" "^[0-9.]+ +ticker-1 +running"
check "a bad step is refused (rc $rc)" test "$rc" -eq 1
out="$(printf 'start ticker\nrun 150\nstep 2' | shell)"
rc=$?
check "EOF while a step holds the system ends cleanly (rc $rc)" test "$rc" -eq 0
check "after exactly the events asked for" test "$(trace_lines "$out")" -eq 2
out="$(shell <<<'step')"
rc=$?
check "step with nothing to run gives up (rc $rc)" has "$out" "^step: nothing happened for"
check "and is no failure" test "$rc" -eq 0

long="$(head -c 3000 /dev/zero | tr '\0' x)"
out="$(shell <<<"$long
ps")"
check "an over-long line is refused" has "$out" "a line of over 1024 bytes: ignored"
check "and the shell carries on" has "$out" "^no tasks"

out="$(L4SIM_DETERMINISTIC=0 shell <<<'start hello free
wait hello-1
step
run 20')"
rc=$?
check "free-running: the task runs" has "$out" "^argv\[1\] = free\$"
check "free-running: wait" has "$out" "^task [0-9.]+ exited 0\$"
check "free-running: step is refused" has "$out" "^step: only in deterministic mode"
check "free-running: exit 1 after the refusal (rc $rc)" test "$rc" -eq 1

out="$(L4SIM_IMAGES="$IMAGES" "$L4SIM" shell 2>&1 <<<'ls /modules')"
check "the images are /modules by default" has "$out" "^hello +module\$"
"$L4SIM" shell --bogus </dev/null >/dev/null 2>&1
check "an unknown option is a usage error" test $? -eq 2
out="$("$L4SIM" shell --modules /nonexistent </dev/null 2>&1)"
check "a missing modules directory is refused ($?)" has "$out" "/nonexistent is not a directory"
# Faults: lost messages make commands report errors; the shell carries on,
# and the same seed and input replay the same session.
faulty='ps
start hello a b
ls /tasks
cat /stats/system'
out="$(shell --faults 'ipc/send/drop:p=0.05' --seed 3 <<<"$faulty")"
rc=$?
check "faults: a command reports the lost answer" has "$out" ": unresponsive$"
check "faults: later commands still run" has "$out" "^frames_total [0-9]+$"
check "faults: the summary names what fired" has "$out" "faults fired: ipc/send/drop x[0-9]"
check "faults: exit 1 after the failed commands (rc $rc)" test "$rc" -eq 1
again="$(shell --faults 'ipc/send/drop:p=0.05' --seed 3 <<<"$faulty")"
check "faults: the same seed replays the session" test "$(nowall "$out")" = "$(nowall "$again")"
out="$(L4SIM_FAULTS='ipc/send/drop:p=0.05' shell --seed 3 <<<"$faulty")"
check "L4SIM_FAULTS works as --faults" test "$(nowall "$out")" = "$(nowall "$again")"
out="$("$L4SIM" shell --help)"
check "--help documents the exit status" has "$out" "^Exit status: "
out="$("$L4SIM" --help)"
check "l4sim --help lists the shell" has "$out" "^  shell "
check "no sanitizer reports in any session" \
    test "$(grep -cE 'Sanitizer|runtime error:' "$seen")" -eq 0
exit $fail
