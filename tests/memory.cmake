# Address-space suites (issue 3): page faults, exceptions, map/grant/unmap,
# sigma0 and windows, each a CMocka executable sharing the kernel harness.
foreach(suite pagefault mapping)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()
