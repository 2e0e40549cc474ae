# install_consumers: install the build into a temporary prefix and build
# two consumers against it, one through pkg-config and one through
# find_package(L4Sim); see install_consumer/run.sh.
set(_l4sim_consumer_flags "")
if(L4SIM_SANITIZE)
  # The installed libraries are instrumented; their consumers must link the
  # sanitizer runtimes too.
  set(_l4sim_consumer_flags "-fsanitize=${L4SIM_SANITIZE}")
endif()
add_test(NAME install_consumers
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install_consumer/run.sh
          ${PROJECT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/install_consumer
          ${CMAKE_INSTALL_LIBDIR} ${CMAKE_COMMAND} ${PKG_CONFIG_EXECUTABLE} ${CMAKE_C_COMPILER}
          "${_l4sim_consumer_flags}")
# It runs cmake and the compiler: nothing of ours for valgrind to check.
set_tests_properties(install_consumers PROPERTIES LABELS no-valgrind TIMEOUT 300)
