#!/bin/sh
# The bench_campaign test: bench/campaign.sh runs a few seeds of each
# scenario with and without faults and prints its JSON lines: one per
# campaign, whose outcomes add up to the seeds, and one cost ratio per
# scenario. The figures themselves are not checked.
# usage: bench_campaign.sh PATH_TO_CAMPAIGN_SH PATH_TO_L4SIM
set -eu
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$1" -n 20 -j 2 "$2" >"$out"
cat "$out"
line='^\{"name":"campaign_[a-z]+(_nofaults)?","scenario":"[a-z]+","seeds":20,"jobs":2,'
line=$line'"seeds_per_cpu_s":[0-9.]+,"sim_wall_ratio":[0-9.]+,"outcomes":\{"ok":([0-9]+),'
line=$line'"recovered":([0-9]+),"failed":([0-9]+),"deadlock":([0-9]+),"crash":([0-9]+)\}\}$'
ratio='^\{"name":"campaign_[a-z]+_cost_ratio","ratio":[0-9]+\.[0-9]+\}$'
fail() {
    echo "FAIL: $*"
    exit 1
}
[ "$(grep -Ec "$line" "$out")" = 6 ] || fail "want 6 campaign lines"
[ "$(grep -Ec "$ratio" "$out")" = 3 ] || fail "want 3 ratio lines"
[ "$(wc -l <"$out")" = 9 ] || fail "unexpected lines"
sums=$(grep -E "$line" "$out" | sed -E "s/$line/\\2 \\3 \\4 \\5 \\6/" |
    awk '{ print $1 + $2 + $3 + $4 + $5 }')
for s in $sums; do
    [ "$s" = 20 ] || fail "outcomes add up to $s, not 20"
done
for s in ipc fork restart; do
    grep -q "\"name\":\"campaign_${s}_nofaults\".*\"ok\":20," "$out" || fail "$s without faults is not all ok"
done
echo "ok   bench/campaign.sh"
