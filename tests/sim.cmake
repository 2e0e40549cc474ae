# The l4sim command: demos narrate their steps; help and errors behave.
add_test(NAME sim_demo COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_demo.sh $<TARGET_FILE:l4sim_cmd>)
set_tests_properties(sim_demo PROPERTIES LABELS no-valgrind TIMEOUT 120)
