# The l4sim command: demos narrate their steps; help and errors behave.
add_test(NAME sim_demo COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_demo.sh $<TARGET_FILE:l4sim_cmd>)
set_tests_properties(sim_demo PROPERTIES LABELS no-valgrind TIMEOUT 120)

# l4sim mount: the FUSE host view of the namespace (skipped where FUSE is not usable).
add_test(NAME sim_mount COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_mount.sh $<TARGET_FILE:l4sim_cmd>)
set_tests_properties(sim_mount PROPERTIES LABELS no-valgrind TIMEOUT 60 SKIP_RETURN_CODE 77)

# l4sim run: an ELF image as a task of a booted system.
add_test(NAME sim_run COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_run.sh $<TARGET_FILE:l4sim_cmd>
                              ${L4RT_IMAGES_DIR})
set_tests_properties(sim_run PROPERTIES LABELS no-valgrind TIMEOUT 120)

# The demos of the standard system (boot, kill, naming): narration, facts, replay, lost messages.
add_test(NAME sim_demo_system COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_demo_system.sh
                                      $<TARGET_FILE:l4sim_cmd> ${L4RT_IMAGES_DIR})
set_tests_properties(sim_demo_system PROPERTIES LABELS no-valgrind TIMEOUT 300)
