# Deterministic mode (issue 4): same seed same run, seeds explore, deadlocks reported.
l4sim_test(test_det ${CMAKE_CURRENT_SOURCE_DIR}/test_det.c)
target_link_libraries(test_det PRIVATE l4sim_test_harness)

# A failing test names its seed and a replay line that reproduces the run:
# det_failures fails on purpose in every way a case can, det_replay.sh
# checks what it prints and replays it.
add_executable(det_failures ${CMAKE_CURRENT_SOURCE_DIR}/det_failures.c)
target_link_libraries(det_failures PRIVATE l4sim_test_harness)
target_include_directories(det_failures PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
add_test(NAME det_replay COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/det_replay.sh
                                 $<TARGET_FILE:det_failures>)
set_tests_properties(det_replay PROPERTIES LABELS no-valgrind TIMEOUT 120)

# The seed sweep of the test command: the concurrency-heavy suites under 100
# seeds. test_ipc, test_threads, test_exregs, test_schedule, test_kstack,
# test_strings, test_string_fault, test_mapping and test_pagefault whole, and
# test_stress's four clients with 2000 calls each: about 100 s in a Debug
# build. Left out for time: test_stress's 200 thread creations (2 s a seed,
# host thread start-up rather than interleavings) and test_mm (1.5 s a seed).
# Labelled slow, so the valgrind pass leaves it out; the plain and sanitizer
# passes run it (deterministic in both).
add_test(NAME det_sweep
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/det_sweep.sh 1 100
                 $<TARGET_FILE:test_ipc>
                 $<TARGET_FILE:test_stress>:four_clients_make_2000_calls_each
                 $<TARGET_FILE:test_threads> $<TARGET_FILE:test_exregs>
                 $<TARGET_FILE:test_schedule> $<TARGET_FILE:test_kstack>
                 $<TARGET_FILE:test_strings> $<TARGET_FILE:test_string_fault>
                 $<TARGET_FILE:test_mapping> $<TARGET_FILE:test_pagefault>)
set_tests_properties(det_sweep PROPERTIES LABELS slow TIMEOUT 900)
