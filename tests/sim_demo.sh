#!/usr/bin/env bash
# Checks the l4sim command: the ipc demo narrates every step and ends ok,
# and help and bad subcommands give clear text and exit codes.
set -u
L4SIM="$1"
. "$(dirname "$0")/sim_lib.sh"

# Deterministic by default: the same text every time, whatever the caller's
# environment says; a free-running run is checked at the end.
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED
out="$("$L4SIM" demo ipc 2>&1)"
rc=$?
check "demo ipc exits 0" test "$rc" -eq 0
for want in "thread.create 40.1 34.1" "send 34.1 -> 40.1 label=0x1 u=2 t=0" \
    "recv 34.1 <- 40.1 label=0x0 u=1 t=0" "reply: 2 + 3 = 5" "HELLO, MICROKERNEL" \
    "the receive failed: receive timeout" "thread.halt 40.1 entry function returned" \
    "demo ipc: ok"; do
    check "demo output has '$want'" grep -qF -- "$want" <<<"$out"
done
steps="$(grep -c '^\[[0-9]\]' <<<"$out")"
check "demo narrates 8 steps (got $steps)" test "$steps" -eq 8

again="$("$L4SIM" demo ipc 2>&1)"
check "the same seed replays the demo byte for byte" test "$(nowall "$out")" = "$(nowall "$again")"
check "the demo names its seed" grep -qF "seed 1" <<<"$out"

quiet="$("$L4SIM" demo --no-trace 2>&1)"
check "--no-trace hides the trace" bash -c '! grep -q "^    | " <<<"$1"' _ "$quiet"
check "default demo is ipc" grep -qF "demo ipc: ok" <<<"$quiet"

"$L4SIM" --help >/dev/null 2>&1
check "--help exits 0" test $? -eq 0
"$L4SIM" frobnicate >/dev/null 2>&1
check "unknown command exits 2" test $? -eq 2
"$L4SIM" demo nosuchdemo >/dev/null 2>&1
check "unknown demo exits 2" test $? -eq 2
err="$("$L4SIM" demo nosuchdemo 2>&1)"
check "unknown demo is named" grep -qF "no demo called 'nosuchdemo'" <<<"$err"
"$L4SIM" >/dev/null 2>&1
check "no command exits 2" test $? -eq 2
for topic in demos trace faults run gdb shell; do
    page="$("$L4SIM" help "$topic" 2>&1)"
    check "help $topic exits 0" test $? -eq 0
    check "help $topic has a page" test "$(wc -l <<<"$page")" -ge 5
done
check "help demos lists every demo" grep -qE '^  restart +' <<<"$("$L4SIM" help demos)"
"$L4SIM" help nosuchtopic >/dev/null 2>&1
check "an unknown help topic exits 2" test $? -eq 2
check "an unknown help topic lists the topics" \
    grep -qF "no topic 'nosuchtopic'; the topics:" <<<"$("$L4SIM" help nosuchtopic 2>&1)"

free="$(L4SIM_DETERMINISTIC=0 "$L4SIM" demo ipc 2>&1)"
check "free-running demo ends ok" grep -qF "demo ipc: ok" <<<"$free"

# restart: a supervisor reincarnates echod after a crash and after a hang.
out="$("$L4SIM" demo restart 2>&1)"
check "demo restart exits 0" test $? -eq 0
for want in "incarnation 1: task" "echo 1: 2, from incarnation 1" "echod crashed at address 0x0" \
    "restart 1 of at most 3" "echo 2: 3, from incarnation 2" "receive timeout" \
    "Ping: the region mapper answers" "echod hangs: restart 2 of at most 3" \
    "echo 4: 5, from incarnation 3" "3 incarnations, 2 restarts" "demo restart: ok"; do
    check "restart output has '$want'" grep -qF -- "$want" <<<"$out"
done
noimg="$(L4SIM_IMAGES=/nonexistent "$L4SIM" demo restart 2>&1)"
check "restart without images exits 1" test $? -eq 1
check "restart without images says so" \
    grep -qF "l4sim demo restart: the l4sim images are not installed or built" <<<"$noimg"
free="$(L4SIM_DETERMINISTIC=0 "$L4SIM" demo restart --no-trace 2>&1)"
check "free-running restart demo ends ok" grep -qF "demo restart: ok" <<<"$free"
# Under faults after boot it never hangs or crashes: every run ends ok, recovered or failed.
camp="$("$L4SIM" campaign restart --seeds 1-40 -j2 \
    --faults 'ipc/send/drop:p=0.02;task/crash:p=0.05;thread/crash:p=0.002' 2>&1)"
check "restart campaign runs" grep -qE '^  total +40$' <<<"$camp"
check "restart campaign has no deadlock" grep -qE '^  deadlock +0 ' <<<"$camp"
check "restart campaign has no crash" grep -qE '^  crash +0 ' <<<"$camp"

exit $fail
