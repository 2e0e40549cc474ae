# Fault injection (issue 9): fault points, triggers, filters, replay, invariants,
# and a short campaign through the l4sim command.
l4sim_test(test_faults ${CMAKE_CURRENT_SOURCE_DIR}/test_faults.c)
target_link_libraries(test_faults PRIVATE l4sim_test_harness)
add_test(NAME sim_campaign COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_campaign.sh $<TARGET_FILE:l4sim_cmd>)
set_tests_properties(sim_campaign PROPERTIES LABELS no-valgrind TIMEOUT 120)
