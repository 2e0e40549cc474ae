#!/usr/bin/env bash
# Checks the memory demos of the l4sim command (pagefault, fork, swap): each
# ends ok with its narrated steps and key figures, replays byte for byte
# with the same seed, passes free-running and with --no-trace, fails
# clearly without its images, and a short campaign with lost messages after
# the boot never leaves one hanging or crashed.
set -u
L4SIM="$1"
export L4SIM_IMAGES="$2"
. "$(dirname "$0")/sim_lib.sh"
has() { # has DEMO-OUTPUT TEXT
    grep -qF -- "$2" <<<"$1"
}
export L4SIM_DETERMINISTIC=1
unset L4SIM_SEED L4SIM_FAULTS L4SIM_TRACE
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

common_checks() { # common_checks DEMO STEPS
    local demo="$1" steps="$2" out again quiet free n
    out="$("$L4SIM" demo "$demo" 2>&1)"
    check "demo $demo exits 0" test $? -eq 0
    check "demo $demo ends ok" has "$out" "demo $demo: ok"
    n="$(grep -c '^\[[0-9]*\] ' <<<"$out")"
    check "demo $demo narrates $steps steps (got $n)" test "$n" -eq "$steps"
    check "demo $demo shows the trace" grep -q '^    | t=[0-9]* ' <<<"$out"
    again="$("$L4SIM" demo "$demo" 2>&1)"
    check "demo $demo replays byte for byte" test "$(nowall "$out")" = "$(nowall "$again")"
    quiet="$("$L4SIM" demo "$demo" --no-trace 2>&1)"
    check "demo $demo --no-trace ends ok" has "$quiet" "demo $demo: ok"
    check "demo $demo --no-trace hides the trace" bash -c '! grep -q "^    | " <<<"$1"' _ "$quiet"
    free="$(L4SIM_DETERMINISTIC=0 "$L4SIM" demo "$demo" --no-trace 2>&1)"
    check "demo $demo free-running ends ok" has "$free" "demo $demo: ok"
    printf '%s\n' "$out" >"$tmp/$demo.txt"
    printf '%s\n' "$quiet" >"$tmp/$demo-quiet.txt"
}

# ------------------------------------------------------------ pagefault
common_checks pagefault 9
out="$(cat "$tmp/pagefault.txt")"
for want in \
    "| t=8 pagefault 40.1 -> 34.1 addr=w1+0x10008 read" \
    "label 0xffffffffffe4 = (-2<<4) | 4 (r-- access), u=2 t=0" \
    "MR1 fault address = window+0x10008, MR2 IP = toucher+0x" \
    "reply: map item, fpage = RAM+0x0, 4 KiB, rights r--; send base = window+0x10000" \
    "the thread read 0x1234" \
    "pagefault 40.1 -> 34.1 addr=w1+0x10008 write" \
    "label 0xffffffffffe2 = (-2<<4) | 2 (-w- access), u=2 t=0" \
    "rights rw-; send base = window+0x10000" \
    "the thread reads back 0x1235; the root reads 0x1235 at RAM+0x0: one frame, two mappings" \
    "unmap 34.1 fpage=w0+0x0/12" \
    "referenced yes, written yes" \
    "the thread reads 0x1235: the frame kept its contents" \
    "space.delete its last thread is gone" \
    "summary: 3 threads created, 14 messages, 3 page faults"; do
    check "pagefault has '$want'" has "$out" "$want"
done
n="$(grep -c 'page-fault IPC from 40.1' <<<"$out")"
check "pagefault shows 3 page-fault IPCs (got $n)" test "$n" -eq 3

# ----------------------------------------------------------------- fork
common_checks fork 7
out="$(cat "$tmp/fork-quiet.txt")"
check "fork echoes the program's lines" has "$out" "    log: cow: parent wrote 8 pages, forking"
# Right after the fork both sides share the same number of pages, at least the 8 written.
after_fork="$(sed -n '/^\[2\]/,/^\[3\]/p' <<<"$out")"
ps="$(grep -m1 'parent (task' <<<"$after_fork" | grep -oE '[0-9]+ shared' | grep -oE '[0-9]+')"
cs="$(grep -m1 'child  (task' <<<"$after_fork" | grep -oE '[0-9]+ shared' | grep -oE '[0-9]+')"
check "after the fork the parent shares at least 8 pages (${ps:-none})" test "${ps:-0}" -ge 8
check "after the fork both sides share as many (${ps:-none}, ${cs:-none})" test "${ps:-x}" = "${cs:-y}"
before="$(grep -m1 'parent (task' <<<"$out" | grep -oE '[0-9]+ shared' | grep -oE '[0-9]+')"
check "before the fork the parent shares nothing (${before:-none})" test "${before:-x}" = 0
n="$(grep -c ': 3 pages became private' <<<"$out")"
check "the child's 3 writes made 3 pages private on both sides (got $n lines)" test "$n" -eq 2
n="$(grep -c ': 2 pages became private' <<<"$out")"
check "the parent's 2 writes made 2 pages private on both sides (got $n lines)" test "$n" -eq 2
for want in "the child reports 8 of 8 pages right, 0 wrong" \
    "the parent reports 8 of 8 pages right, 0 wrong" \
    "log: cow: child sees its own value in pages 0-2 and the original in the other 5: right" \
    "log: cow: parent sees its own value in pages 3-4 and the original in the other 6: right" \
    "the parent ended in state 2 (exited) with status 0"; do
    check "fork has '$want'" has "$out" "$want"
done
check "fork's trace shows the child's copy-on-write faults" \
    grep -q '| t=[0-9]* pagefault 293.1 -> 292.1 addr=w2+0x[0-9a-f]*000 write' "$tmp/fork.txt"

# ----------------------------------------------------------------- swap
common_checks swap 6
out="$(cat "$tmp/swap-quiet.txt")"
written="$(sed -n '/^\[3\]/,/^\[4\]/p' <<<"$out")"
read_back="$(sed -n '/^\[4\]/,/^\[5\]/p' <<<"$out")"
outs="$(grep -m1 -oE '[0-9]+ paged out' <<<"$written" | grep -oE '^[0-9]+')"
swapped="$(grep -m1 -oE '[0-9]+ only in swap' <<<"$written" | grep -oE '^[0-9]+')"
ins_before="$(grep -m1 -oE '[0-9]+ paged in' <<<"$written" | grep -oE '^[0-9]+')"
ins="$(grep -m1 -oE '[0-9]+ paged in' <<<"$read_back" | grep -oE '^[0-9]+')"
check "writing 96 pages into 64 frames paged some out (${outs:-none})" test "${outs:-0}" -gt 0
check "pages were only in swap after writing (${swapped:-none})" test "${swapped:-0}" -gt 0
check "reading them back paged some in (${ins_before:-none} -> ${ins:-none})" \
    test "${ins:-0}" -gt "${ins_before:-0}"
for want in "RAM: 64 frames, 64 free; swap: 0 of 256 slots used" \
    "log: swapper: read back 96 pages: 96 intact, 0 damaged" \
    "the program found 96 pages intact, 0 damaged" \
    "the swapper ended in state 2 (exited) with status 0"; do
    check "swap has '$want'" has "$out" "$want"
done
last="$(grep 'RAM: ' <<<"$out" | tail -1)"
check "after the task ended every frame is free and no slot used" \
    has "$last" "RAM: 64 frames, 64 free; swap: 0 of 256 slots used"
summary="$(grep -m1 'summary:' <<<"$out")"
check "the summary counts page-outs and page-ins" \
    grep -qE '[1-9][0-9]* paged out, [1-9][0-9]* paged in' <<<"$summary"

# ------------------------------------------------------- missing images
for demo in fork swap; do
    L4SIM_IMAGES="$tmp/none" "$L4SIM" demo "$demo" --no-trace >/dev/null 2>"$tmp/err"
    rc=$?
    check "demo $demo without images exits 1 (got $rc)" test "$rc" -eq 1
    check "demo $demo without images says so on stderr" \
        grep -qF "l4sim demo $demo: the l4sim images are not installed or built" "$tmp/err"
    mkdir -p "$tmp/empty"
    err="$(L4SIM_IMAGES="$tmp/empty" "$L4SIM" demo "$demo" --no-trace 2>&1)"
    check "demo $demo names the missing image" has "$err" "$tmp/empty has no '"
done

# ------------------------------------------------ the mapping tree
"$L4SIM" demo pagefault --no-trace --maps-dot "$tmp/pf.dot" >/dev/null 2>&1
check "pagefault --maps-dot draws the frame the root mapped to the thread" \
    grep -qF 'label="space w1: 40.1";' "$tmp/pf.dot"
check "pagefault --maps-dot names the root" grep -qF '34.1 root' "$tmp/pf.dot"
"$L4SIM" demo fork --no-trace --maps-dot "$tmp/fork.dot" >/dev/null 2>&1
check "fork --maps-dot shows frames parent and child share" \
    grep -qE 's[0-9]+ -> s[0-9]+ \[dir=none, style=dashed, label="[0-9]+ frames shared"\]' "$tmp/fork.dot"
if command -v dot >/dev/null; then
    check "Graphviz accepts both pictures" dot -Tsvg -o /dev/null "$tmp/pf.dot" "$tmp/fork.dot"
fi

# ------------------------------------------------ lost messages, campaign
# Faults wait for the standard servers' boot, and every stub times out, so
# every run must end ok or recovered.
for demo in pagefault fork swap; do
    "$L4SIM" campaign "$demo" --seeds 1-12 --faults "ipc/send/drop:p=0.05" -j2 \
        --out "$tmp/$demo.jsonl" >/dev/null 2>&1
    check "campaign $demo exits 0" test $? -eq 0
    n="$(grep -c '"outcome":"\(ok\|recovered\)"' "$tmp/$demo.jsonl")"
    check "campaign $demo: lost messages leave every run ok or recovered ($n of 12)" test "$n" -eq 12
    "$L4SIM" campaign "$demo" --seeds 1-12 --faults 'pagefault/pager/refuse:p=0.05' -j2 \
        --out "$tmp/$demo-refuse.jsonl" >/dev/null 2>&1
    n="$(grep -c '"outcome":"\(ok\|recovered\)"' "$tmp/$demo-refuse.jsonl")"
    check "campaign $demo: refused faults leave every run ok or recovered ($n of 12)" test "$n" -eq 12
done

exit $fail
