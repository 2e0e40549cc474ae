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
