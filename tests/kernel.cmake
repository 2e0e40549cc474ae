# Kernel-core suites (issue 2): one CMocka executable per subject, all
# sharing the harness that boots a system per test case.
add_library(l4sim_test_harness STATIC ${CMAKE_CURRENT_SOURCE_DIR}/harness.c)
target_link_libraries(l4sim_test_harness PUBLIC l4sim_static PkgConfig::CMOCKA)

foreach(suite boot threads space ipc strings exregs schedule badinput stress)
  l4sim_test(test_${suite} ${CMAKE_CURRENT_SOURCE_DIR}/test_${suite}.c)
  target_link_libraries(test_${suite} PRIVATE l4sim_test_harness)
endforeach()
