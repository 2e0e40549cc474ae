# Installation and packaging: libl4sim (shared and static), the headers, the
# commands, l4sim.pc for pkg-config and the L4Sim CMake package. Included last
# from the top CMakeLists.txt, so every target it looks at exists by then.
include(CMakePackageConfigHelpers)

set(L4SIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/L4Sim)

# The libraries are built from l4sim_objects' objects (as sources), which
# needs nothing in the export set. Should the object library ever be linked
# instead, the static library's interface names it and it must be exported
# too, or install(EXPORT) fails.
set(L4SIM_EXPORTED l4sim l4sim_static)
foreach(lib l4sim l4sim_static)
  get_target_property(_l4sim_links ${lib} LINK_LIBRARIES)
  if(_l4sim_links AND "l4sim_objects" IN_LIST _l4sim_links)
    list(APPEND L4SIM_EXPORTED l4sim_objects)
  endif()
endforeach()
list(REMOVE_DUPLICATES L4SIM_EXPORTED)

install(TARGETS ${L4SIM_EXPORTED} EXPORT L4SimTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/l4sim-objects
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/l4 ${PROJECT_SOURCE_DIR}/include/l4sim
        ${PROJECT_SOURCE_DIR}/include/l4srv
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# The commands. sim/ cannot call its command target "l4sim" (the library has
# that name), so look for the executable there whose output is named l4sim.
if(TARGET l4sim-bench)
  install(TARGETS l4sim-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
get_property(_l4sim_sim_targets DIRECTORY ${PROJECT_SOURCE_DIR}/sim PROPERTY BUILDSYSTEM_TARGETS)
foreach(tgt IN LISTS _l4sim_sim_targets)
  get_target_property(_type ${tgt} TYPE)
  get_target_property(_out ${tgt} OUTPUT_NAME)
  if(_type STREQUAL "EXECUTABLE" AND (tgt STREQUAL "l4sim" OR _out STREQUAL "l4sim"))
    install(TARGETS ${tgt} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# CMake package: find_package(L4Sim) -> L4Sim::l4sim, L4Sim::l4sim_static.
install(EXPORT L4SimTargets NAMESPACE L4Sim:: DESTINATION ${L4SIM_CMAKE_DIR}
  FILE L4SimTargets.cmake)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/L4SimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/L4SimConfig.cmake INSTALL_DESTINATION ${L4SIM_CMAKE_DIR})
# Before 1.0 a minor release may change the ABI, so only x.y.* match x.y.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/L4SimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/L4SimConfig.cmake ${PROJECT_BINARY_DIR}/L4SimConfigVersion.cmake
  DESTINATION ${L4SIM_CMAKE_DIR})

# pkg-config. Libs.private lists what a static link needs besides -ll4sim:
# pthreads always, plus every plain library (rt, ...) the library targets
# link. libelf, an imported target found through pkg-config, goes into
# Requires.private instead, so that `pkg-config --static` also brings the
# libraries libelf itself needs.
set(_l4sim_pc_private -lpthread)
set(_l4sim_pc_requires "")
foreach(tgt l4sim_objects l4sim l4sim_static)
  foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(_l4sim_links ${tgt} ${prop})
    if(NOT _l4sim_links)
      continue()
    endif()
    foreach(lib IN LISTS _l4sim_links)
      if(lib MATCHES "^\\$<" OR lib MATCHES "^l4sim")
        continue()
      elseif(TARGET ${lib})
        if(lib MATCHES "[Ll][Ii][Bb][Ee][Ll][Ff]")
          list(APPEND _l4sim_pc_requires libelf)
        endif()
      elseif(lib MATCHES "^-l")
        list(APPEND _l4sim_pc_private ${lib})
      elseif(lib MATCHES "^[A-Za-z0-9_+.-]+$")
        list(APPEND _l4sim_pc_private -l${lib})
      endif()
    endforeach()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _l4sim_pc_private)
list(JOIN _l4sim_pc_private " " L4SIM_PC_LIBS_PRIVATE)
list(REMOVE_DUPLICATES _l4sim_pc_requires)
list(JOIN _l4sim_pc_requires ", " L4SIM_PC_REQUIRES_PRIVATE)

# The prefix is only known at install time (cmake --install --prefix
# overrides the configured one), so l4sim.pc is generated then, into the build
# tree, and installed from there by the install(FILES) that follows.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(L4SIM_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    # Escaped twice: once for this file, once for the install script.
    set(L4SIM_PC_${dir} "\\\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
install(CODE "
  set(L4SIM_PC_LIBDIR \"${L4SIM_PC_LIBDIR}\")
  set(L4SIM_PC_INCLUDEDIR \"${L4SIM_PC_INCLUDEDIR}\")
  set(L4SIM_PC_VERSION \"${PROJECT_VERSION}\")
  set(L4SIM_PC_LIBS_PRIVATE \"${L4SIM_PC_LIBS_PRIVATE}\")
  set(L4SIM_PC_REQUIRES_PRIVATE \"${L4SIM_PC_REQUIRES_PRIVATE}\")
  configure_file(\"${CMAKE_CURRENT_LIST_DIR}/l4sim.pc.in\" \"${PROJECT_BINARY_DIR}/l4sim.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/l4sim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
