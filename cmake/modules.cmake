# ups_module(NAME DEPS ...): a library from every .cpp under src/NAME, or an
# interface library when the module is header-only. Sources are globbed so
# that adding a file needs no CMake edit.
function(ups_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX ".*/main\\.cpp$")
  if(srcs)
    add_library(upsched_${name} STATIC ${srcs})
    target_include_directories(upsched_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(upsched_${name} PUBLIC ${ARG_DEPS})
  else()
    add_library(upsched_${name} INTERFACE)
    target_include_directories(upsched_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(upsched_${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

# ups_unit_tests(MODULE DEPS ...): one GoogleTest executable test_MODULE from
# tests/unit/MODULE/*_test.cpp; each TEST is its own ctest test.
function(ups_unit_tests module)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${module}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(test_${module} ${srcs})
  target_link_libraries(test_${module} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(test_${module} PRIVATE
    UPS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" UPS_BINARY_DIR="${PROJECT_BINARY_DIR}"
    UPS_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  gtest_discover_tests(test_${module} DISCOVERY_TIMEOUT 120 PROPERTIES LABELS ${module})
endfunction()
