# The bad-input suite (tests/bad_input/): damaged policy objects and workload
# files through the built `upsched`. Labelled slow (one label: a list in
# gtest_discover_tests PROPERTIES is split into separate properties): about 2 minutes in a
# release build, and left out of the ASan pass (-LE slow) where every
# process runs several times slower.
if(TARGET upsched AND TARGET policies)
  add_executable(test_bad_input ${CMAKE_CURRENT_SOURCE_DIR}/bad_input/bad_input_test.cpp)
  target_link_libraries(test_bad_input PRIVATE upsched_base fmt::fmt GTest::gtest GTest::gtest_main)
  target_compile_definitions(test_bad_input PRIVATE
    UPS_SOURCE_DIR="${PROJECT_SOURCE_DIR}" UPS_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_dependencies(test_bad_input upsched policies)
  gtest_discover_tests(test_bad_input DISCOVERY_TIMEOUT 120 PROPERTIES LABELS slow TIMEOUT 600)
endif()
