#!/usr/bin/env bash
# Checks the l4sim command: the ipc demo narrates every step and ends ok,
# and help and bad subcommands give clear text and exit codes.
set -u
L4SIM="$1"
fail=0
check() { # check DESCRIPTION COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

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
nowall() { grep -v '^    wall time ' <<<"$1"; }
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

free="$(L4SIM_DETERMINISTIC=0 "$L4SIM" demo ipc 2>&1)"
check "free-running demo ends ok" grep -qF "demo ipc: ok" <<<"$free"

exit $fail
