#!/usr/bin/env bash
# Campaign throughput: runs `l4sim campaign` over many seeds of the ipc, fork
# and restart demos, with the fault specs of tests/sim_campaign.sh, and in the
# same run the same seeds without faults as the baseline. One JSON object per
# line, like l4sim-bench: seeds per CPU-second, simulated/wall time and the
# outcomes of each campaign, then each scenario's cost ratio with faults to
# without. The replay lines of runs that failed, deadlocked or crashed go
# to stderr.
#
#   bench/campaign.sh [-n SEEDS] [-j JOBS] [L4SIM]
#
# SEEDS defaults to 10000, JOBS to the number of CPUs, L4SIM to
# build/sim/l4sim. docs/performance.md has the figures.
set -euo pipefail

seeds=10000
jobs="$(nproc 2>/dev/null || echo 2)"
while getopts "n:j:" opt; do
    case "$opt" in
    n) seeds="$OPTARG" ;;
    j) jobs="$OPTARG" ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
L4SIM="${1:-$(dirname "$0")/../build/sim/l4sim}"
[[ -x "$L4SIM" ]] || {
    echo "campaign.sh: $L4SIM is not built (scripts/run.sh build)" >&2
    exit 1
}
unset L4SIM_FAULTS L4SIM_SEED L4SIM_TRACE L4SIM_DETERMINISTIC

KERNEL_SPEC='ipc/send/drop:p=0.1;ipc/mr/corrupt:p=0.05;ipc/string/truncate:p=0.1;thread/crash:p=0.02,src=40'
SYSTEM_SPEC='ipc/send/drop:p=0.01;task/crash:p=0.05;thread/crash:p=0.001;mm/swap/io-error:p=0.05'
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# campaign NAME SCENARIO SPEC: run it, print its JSON line, leave its
# runs per CPU-second in $tmp/NAME.rate.
campaign() {
    local name="$1" scenario="$2" spec="$3" out="$tmp/$1.txt"
    "$L4SIM" campaign "$scenario" --seeds "1-$seeds" --faults "$spec" -j "$jobs" \
        --out /dev/null >"$out" 2>&1 || {
        cat "$out" >&2
        exit 1
    }
    local line rate ratio outcomes="" o n
    line="$(grep -E '^  wall ' "$out")"
    rate="$(sed -E 's/.*, ([0-9.]+) runs per CPU-second.*/\1/' <<<"$line")"
    ratio="$(sed -E 's/.*simulated\/wall time ([0-9.]+).*/\1/' <<<"$line")"
    for o in ok recovered failed deadlock crash; do
        n="$(sed -n -E "s/^  $o +([0-9]+) .*/\1/p" "$out")"
        outcomes+="${outcomes:+,}\"$o\":$n"
    done
    printf '{"name":"%s","scenario":"%s","seeds":%s,"jobs":%s,"seeds_per_cpu_s":%s,"sim_wall_ratio":%s,"outcomes":{%s}}\n' \
        "$name" "$scenario" "$seeds" "$jobs" "$rate" "$ratio" "$outcomes"
    echo "$rate" >"$tmp/$name.rate"
    # The runs to look at, as the campaign names them: on stderr.
    sed -n '/^replay/,$p' "$out" | sed "s/^/$name: /" >&2
}

for scenario in ipc fork restart; do
    spec="$SYSTEM_SPEC"
    [[ "$scenario" == ipc ]] && spec="$KERNEL_SPEC"
    campaign "campaign_${scenario}_nofaults" "$scenario" ''
    campaign "campaign_${scenario}" "$scenario" "$spec"
    # Cost of a run with faults relative to one without: the inverse ratio of the rates.
    awk -v a="$(cat "$tmp/campaign_${scenario}_nofaults.rate")" \
        -v b="$(cat "$tmp/campaign_${scenario}.rate")" -v n="campaign_${scenario}_cost_ratio" \
        'BEGIN { printf "{\"name\":\"%s\",\"ratio\":%.2f}\n", n, a / b }'
done
