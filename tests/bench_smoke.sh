#!/bin/sh
# The bench_smoke test: l4sim-bench's output lines have the documented JSON
# shape, for both placements when two CPUs are available (no python needed).
# usage: bench_smoke.sh PATH_TO_L4SIM_BENCH
set -eu
bench=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT

entry='^\{"name":"[a-z0-9_]+","placement":"(same|split)",'
entry=$entry'"median_ns":[0-9]+,"p99_ns":[0-9]+,"iters":[0-9]+\}$'
ratio='^\{"name":"[a-z0-9_]+","placement":"(same|split)","ratio":[0-9]+\.[0-9]+\}$'

check() { # check PLACEMENT
    "$bench" --placement="$1" --iters=200 futex_rt unix_socket_rt >"$out"
    cat "$out"
    bad=$(grep -Ev "$entry|$ratio" "$out" || true)
    if [ -n "$bad" ]; then
        echo "FAIL: malformed lines: $bad"
        exit 1
    fi
    for name in futex_rt unix_socket_rt; do
        n=$(grep -Ec "^\{\"name\":\"$name\",\"placement\":\"$1\"" "$out" || true)
        if [ "$n" != 1 ]; then
            echo "FAIL: want one $name line for placement $1, got $n"
            exit 1
        fi
    done
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
echo "bench_smoke: ok"
