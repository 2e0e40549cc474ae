# bench_smoke: l4sim-bench runs its baselines, ipc_rt and its variants
# (63 words, a 4 KiB string, deterministic), pagefault, map_unmap, the
# MM-server and task entries, map_budget_pages and det_switches_per_s (few
# iterations) and prints well-formed JSON lines; the numbers themselves are
# not checked.
# See bench_smoke.sh.
add_test(NAME bench_smoke
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/bench_smoke.sh $<TARGET_FILE:l4sim-bench>)
# A timing program and a shell script: nothing for valgrind to add.
set_tests_properties(bench_smoke PROPERTIES LABELS no-valgrind TIMEOUT 120)

# bench_campaign: bench/campaign.sh (campaign throughput with and without
# faults) runs 20 seeds a scenario and prints well-formed lines whose
# outcomes add up. See bench_campaign.sh.
add_test(NAME bench_campaign
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/bench_campaign.sh ${PROJECT_SOURCE_DIR}/bench/campaign.sh
          $<TARGET_FILE:l4sim_cmd>)
set_tests_properties(bench_campaign PROPERTIES LABELS no-valgrind TIMEOUT 120)
