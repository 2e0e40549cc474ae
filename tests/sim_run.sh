#!/usr/bin/env bash
# Checks `l4sim run`: a program's output, its exit status passed on, a
# crash and a bad image reported, replay by seed, and usage errors.
set -u
L4SIM="$1"
IMAGES="$2"
. "$(dirname "$0")/sim_lib.sh"
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED L4SIM_FAULTS

out="$("$L4SIM" run "$IMAGES/hello" one two 2>&1)"
rc=$?
check "hello exits 0" test "$rc" -eq 0
for want in "hello, world" "argv[1] = one" "argv[2] = two" "hello exited with status 0" \
    "summary: " "seed 1 (replay: --seed 1)"; do
    check "run output has '$want'" grep -qF -- "$want" <<<"$out"
done
again="$("$L4SIM" run "$IMAGES/hello" one two 2>&1)"
check "the same seed replays the run" test "$(nowall "$out")" = "$(nowall "$again")"

"$L4SIM" run "$IMAGES/crash" exit3 >/dev/null 2>&1
check "a program's exit status is l4sim's" test $? -eq 3
out="$("$L4SIM" run "$IMAGES/crash" null 2>&1)"
rc=$?
check "a crash exits 139 ($rc)" test "$rc" -eq 139
check "a crash is named" grep -qF "crash crashed at address 0x0" <<<"$out"
out="$("$L4SIM" run "$IMAGES/not-an-image.txt" 2>&1)"
rc=$?
check "a file that is no image fails (rc $rc)" test "$rc" -eq 1
check "and says why" grep -qF "bad_image" <<<"$out"
out="$("$L4SIM" run --trace "$IMAGES/hello" 2>&1)"
check "--trace shows kernel events" grep -qF "| t=" <<<"$out"

"$L4SIM" run >/dev/null 2>&1
check "run without a program is a usage error" test $? -eq 2
out="$("$L4SIM" run /nonexistent/program 2>&1)"
rc=$?
check "a missing program is refused (rc $rc)" test "$rc" -eq 2
check "and named" grep -qF "/nonexistent/program is not a file" <<<"$out"
"$L4SIM" run --seed x "$IMAGES/hello" >/dev/null 2>&1
check "a bad seed is a usage error" test $? -eq 2
exit $fail
