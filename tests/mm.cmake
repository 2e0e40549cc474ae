# The MM server's suites (issue 5): the server against real client tasks.
foreach(suite mm)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()
