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

# The memory demos: pagefault, fork (copy on write) and swap.
add_test(NAME sim_demo_memory COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_demo_memory.sh
                                      $<TARGET_FILE:l4sim_cmd> ${L4RT_IMAGES_DIR})
set_tests_properties(sim_demo_memory PROPERTIES LABELS no-valgrind TIMEOUT 180)

# The trace views: Chrome JSON, the filter, the mscgen chart, --step, colour.
add_test(NAME sim_trace COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_trace.sh $<TARGET_FILE:l4sim_cmd>
                                ${L4RT_IMAGES_DIR})
set_tests_properties(sim_trace PROPERTIES LABELS no-valgrind TIMEOUT 180 SKIP_RETURN_CODE 77)

# l4sim shell: commands through a pipe on a booted system.
add_test(NAME sim_shell COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_shell.sh $<TARGET_FILE:l4sim_cmd>
                                ${L4RT_IMAGES_DIR})
set_tests_properties(sim_shell PROPERTIES LABELS no-valgrind TIMEOUT 120)

# The demos of the standard system (boot, kill, naming): narration, facts, replay, lost messages.
add_test(NAME sim_demo_system COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/sim_demo_system.sh
                                      $<TARGET_FILE:l4sim_cmd> ${L4RT_IMAGES_DIR})
set_tests_properties(sim_demo_system PROPERTIES LABELS no-valgrind TIMEOUT 300)
