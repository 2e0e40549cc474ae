# Address-space suites (issue 3): page faults, exceptions, map/grant/unmap,
# sigma0 and windows, each a CMocka executable sharing the kernel harness.
foreach(suite memory pagefault mapping string_fault memory_badinput)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()

# Open work: X.2 behaviour l4sim does not have yet. These must fail; once
# the kernel does it, the test turns red (an unexpected pass) and its
# WILL_FAIL goes.
#  - test_string_fault_open: receive buffers are faulted in before the send
#    phase (message_prefault in ipc_do), so a Call whose buffer page the
#    pager refuses sends nothing, yet reports a receive-phase error.
l4sim_test(test_string_fault_open ${CMAKE_CURRENT_SOURCE_DIR}/test_string_fault_open.c)
target_link_libraries(test_string_fault_open PRIVATE l4sim_test_harness)
set_tests_properties(test_string_fault_open PROPERTIES WILL_FAIL TRUE)

# Maps some 31000 single pages to reach the host-mapping budget: 1.5 s
# natively, but under Valgrind it is slow and then fatal ("VG_N_SEGMENTS is
# too low": Valgrind's table of host mappings is smaller than the budget).
l4sim_test(test_memory_limits ${CMAKE_CURRENT_SOURCE_DIR}/test_memory_limits.c)
target_link_libraries(test_memory_limits PRIVATE l4sim_test_harness)
set_tests_properties(test_memory_limits PROPERTIES LABELS slow)
