# The task server (issue 6): New, Fork, Exec, Kill, threads, Ping and the
# rest against the project's own ELF test images.
l4sim_test(test_task ${CMAKE_CURRENT_SOURCE_DIR}/test_task.c ${CMAKE_CURRENT_SOURCE_DIR}/naming_util.c)
target_link_libraries(test_task PRIVATE l4sim_test_harness)
target_compile_definitions(test_task PRIVATE L4SIM_IMAGES_DIR="${L4RT_IMAGES_DIR}")
add_dependencies(test_task hello heap fork crash threads)

# Seed 001's task objects (/tasks) and the generated files of /stats/tasks.
l4sim_test(test_task_objects ${CMAKE_CURRENT_SOURCE_DIR}/test_task_objects.c
           ${CMAKE_CURRENT_SOURCE_DIR}/naming_util.c)
target_link_libraries(test_task_objects PRIVATE l4sim_test_harness)
target_compile_definitions(test_task_objects PRIVATE L4SIM_IMAGES_DIR="${L4RT_IMAGES_DIR}")
add_dependencies(test_task_objects hello crash whoami)
