# Deterministic mode (issue 4): same seed same run, seeds explore, deadlocks reported.
l4sim_test(test_det ${CMAKE_CURRENT_SOURCE_DIR}/test_det.c)
target_link_libraries(test_det PRIVATE l4sim_test_harness)
