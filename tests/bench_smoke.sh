#!/bin/sh
# The bench_smoke test: l4sim-bench's output lines have the documented JSON
# shape, for both placements when two CPUs are available (no python needed),
# and its l4sim entries (ipc_rt and its 63-word, 4 KiB-string and
# deterministic variants; pagefault and map_unmap, each with a thread in a
# second space; the map_budget_pages and det_switches_per_s figures) run
# next to the baselines.
# usage: bench_smoke.sh PATH_TO_L4SIM_BENCH
set -eu
bench=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

entry='^\{"name":"[a-z0-9_]+","placement":"(same|split)",'
entry=$entry'"median_ns":[0-9]+,"p99_ns":[0-9]+,"iters":[0-9]+\}$'
ratio='^\{"name":"[a-z0-9_]+","placement":"(same|split)","ratio":[0-9]+\.[0-9]+\}$'
figure='^\{"name":"map_budget_pages","value":[1-9][0-9]*,"vma_budget":[1-9][0-9]*\}$'
switches='^\{"name":"det_switches_per_s","value":[1-9][0-9]*,"decisions":[1-9][0-9]*,"wall_us":[1-9][0-9]*\}$'

entries="futex_rt unix_socket_rt ipc_rt ipc_rt_63w string_rt_4k ipc_rt_det minor_fault sigsegv_mmap pagefault map_unmap pread_page mmap_munmap mm_fault mm_swap_in mm_malloc_free posix_spawn_hello task_new_kill"

check() { # check PLACEMENT
    # shellcheck disable=SC2086 # one word per entry
    "$bench" --placement="$1" --iters=200 $entries map_budget_pages det_switches_per_s >"$out"
    cat "$out"
    bad=$(grep -Ev "$entry|$ratio|$figure|$switches" "$out" || true)
    if [ -n "$bad" ]; then
        echo "FAIL: malformed lines: $bad"
        exit 1
    fi
    for name in $entries ipc_rt_ratio_vs_futex pagefault_ratio mm_fault_ratio mm_swap_in_ratio task_new_kill_ratio; do
        n=$(grep -Ec "^\{\"name\":\"$name\",\"placement\":\"$1\"" "$out" || true)
        if [ "$n" != 1 ]; then
            echo "FAIL: want one $name line for placement $1, got $n"
            exit 1
        fi
    done
    if [ "$(grep -Ec "$figure" "$out" || true)" != 1 ]; then
        echo "FAIL: want one map_budget_pages line"
        exit 1
    fi
    if [ "$(grep -Ec "$switches" "$out" || true)" != 1 ]; then
        echo "FAIL: want one det_switches_per_s line"
        exit 1
    fi
}

check same
if [ "$(nproc)" -ge 2 ]; then
    check split
else
    echo "one CPU: split placement not checked"
fi

# Misuse fails with a message rather than printing anything.
if "$bench" no_such_entry >"$out" 2>&1; then
    echo "FAIL: an unknown entry name was accepted"
    exit 1
fi
"$bench" --list | grep -q '^futex_rt '
"$bench" --list | grep -q '^ipc_rt '
"$bench" --list | grep -q '^pagefault '
echo "bench_smoke: ok"
