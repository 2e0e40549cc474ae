# The MM server's suites (issues 5 and 6): the server against real client
# tasks; test_mm_task covers what the task server's region mappers and fork
# need of it (filled regions, copy-on-write, threads without stacks).
foreach(suite mm mm_task)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c
             ${CMAKE_CURRENT_SOURCE_DIR}/mm_util.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()
