# ELF task images (issue 6): the test images, the ELF loader's suite with
# the runtime's end-to-end check, and the loader's fuzz target.
add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/images)

# The loader's suite. It reads the images from L4SIM_IMAGES_DIR (also its
# modules_dir) and links libelf itself, to find symbols in them.
l4sim_test(test_elf ${CMAKE_CURRENT_SOURCE_DIR}/test_elf.c ${CMAKE_CURRENT_SOURCE_DIR}/naming_util.c)
target_link_libraries(test_elf PRIVATE l4sim_test_harness PkgConfig::L4SIM_LIBELF)
target_compile_definitions(test_elf PRIVATE L4SIM_IMAGES_DIR="${L4RT_IMAGES_DIR}")
add_dependencies(test_elf hello heap fork crash threads rtcheck)

# The loader's fuzz target. fuzz_elf_replay (the project's compiler, every
# pass) replays files or directories through it: here the images, so that
# the valgrind pass checks the loader on them too.
add_executable(fuzz_elf_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf.c
                               ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf_main.c)
target_link_libraries(fuzz_elf_replay PRIVATE l4sim_static PkgConfig::L4SIM_LIBELF)
add_dependencies(fuzz_elf_replay hello heap fork crash threads rtcheck)
add_test(NAME fuzz_elf_replay COMMAND fuzz_elf_replay ${L4RT_IMAGES_DIR})

# fuzz_elf: libFuzzer, which needs clang. It runs for a bounded time in the
# ASan+UBSan pass only (L4SIM_SANITIZE with address): it is a sanitizer run
# itself, and the plain and valgrind passes stay as fast as they were.
set(L4SIM_FUZZ_SECONDS 25 CACHE STRING "How long the fuzz_elf test fuzzes")
if(L4SIM_SANITIZE MATCHES "address")
  find_program(L4SIM_CLANG NAMES clang clang-14)
  set(_fuzz_ok FALSE)
  if(L4SIM_CLANG)
    set(_probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe.c)
    file(WRITE ${_probe} "#include <stddef.h>\n#include <stdint.h>\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }\n")
    execute_process(COMMAND ${L4SIM_CLANG} -fsanitize=fuzzer,address,undefined ${_probe}
                            -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe
                    RESULT_VARIABLE _probe_rc OUTPUT_QUIET ERROR_QUIET)
    if(_probe_rc EQUAL 0)
      set(_fuzz_ok TRUE)
    endif()
  endif()
  if(_fuzz_ok)
    set(_fuzzer ${CMAKE_CURRENT_BINARY_DIR}/fuzz_elf)
    add_custom_command(OUTPUT ${_fuzzer}
      COMMAND ${L4SIM_CLANG} -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
              -I${PROJECT_SOURCE_DIR}/include ${L4SIM_LIBELF_CFLAGS}
              ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf.c ${PROJECT_SOURCE_DIR}/src/taskserver/elf.c
              ${L4SIM_LIBELF_LDFLAGS} -o ${_fuzzer}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf.c ${PROJECT_SOURCE_DIR}/src/taskserver/elf.c
              ${PROJECT_SOURCE_DIR}/src/taskserver/elf.h
      COMMENT "Building the libFuzzer target fuzz_elf with clang" VERBATIM)
    add_custom_target(fuzz_elf ALL DEPENDS ${_fuzzer} hello heap fork crash threads rtcheck)
    add_test(NAME fuzz_elf COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_elf.sh ${_fuzzer}
                                   ${L4RT_IMAGES_DIR} ${CMAKE_CURRENT_BINARY_DIR}/fuzz-artifacts
                                   ${L4SIM_FUZZ_SECONDS})
    set_tests_properties(fuzz_elf PROPERTIES LABELS no-valgrind TIMEOUT 300)
  else()
    message(STATUS "fuzz_elf: no clang with libFuzzer; the fuzz test is left out")
  endif()
endif()
