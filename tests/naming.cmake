# Name service, file protocol, /modules, /stats, devices and the log
# service (issue 7): suites that boot the standard system with l4srv_run.
foreach(suite naming files)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c
             ${CMAKE_CURRENT_SOURCE_DIR}/naming_util.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()
