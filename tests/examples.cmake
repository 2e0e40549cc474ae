# The README's first example must build and print 42.
add_executable(example_first ${CMAKE_CURRENT_SOURCE_DIR}/example_first.c)
target_link_libraries(example_first PRIVATE l4sim_static)
add_test(NAME example_first COMMAND example_first)
set_tests_properties(example_first PROPERTIES PASS_REGULAR_EXPRESSION "^42\n$")
