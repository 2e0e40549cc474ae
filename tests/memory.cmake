# Address-space suites (issue 3): page faults, exceptions, map/grant/unmap,
# sigma0 and windows, each a CMocka executable sharing the kernel harness.
foreach(suite memory pagefault kstack mapping maps_dot string_fault string_fault_order
              memory_badinput)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()

# Maps some 31000 single pages to reach the host-mapping budget, splits
# 64 MiB mappings page by page against it, and uses up the process's host
# mappings: 3 s natively, but under Valgrind it is slow and then fatal
# ("VG_N_SEGMENTS is too low": Valgrind's table of host mappings is smaller
# than the budget).
l4sim_test(test_memory_limits ${CMAKE_CURRENT_SOURCE_DIR}/test_memory_limits.c)
target_link_libraries(test_memory_limits PRIVATE l4sim_test_harness)
set_tests_properties(test_memory_limits PROPERTIES LABELS slow)
