# ups_module(NAME [DIR dir] DEPS ...): library upsched_NAME from the .cpp
# files directly in DIR (default: the current source dir), or an interface
# library when there are none. Sources are globbed so that adding a file
# needs no CMake edit. Sub-folders are separate modules (own libraries), so
# that engineers working on different parts never break each other's build.
function(ups_module name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS" ${ARGN})
  if(NOT ARG_DIR)
    set(ARG_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  elseif(NOT IS_ABSOLUTE ${ARG_DIR})
    set(ARG_DIR ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_DIR})
  endif()
  file(GLOB srcs CONFIGURE_DEPENDS ${ARG_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX ".*/main\\.cpp$")
  set(deps ${ARG_DEPS})
  if(srcs)
    add_library(upsched_${name} STATIC ${srcs})
    target_include_directories(upsched_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(upsched_${name} PUBLIC ${deps})
  else()
    add_library(upsched_${name} INTERFACE)
    target_include_directories(upsched_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(upsched_${name} INTERFACE ${deps})
  endif()
endfunction()

# ups_unit_tests(DIR DEPS ...): one GoogleTest executable test_DIR from
# tests/unit/DIR/*.cpp; each TEST is its own ctest test.
function(ups_unit_tests module)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/unit/${module}/*.cpp)
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
