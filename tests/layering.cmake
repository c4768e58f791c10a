# The layering check (cmake/layering.cmake) on the real tree, and on a tree
# that breaks it on purpose, so that the check is shown able to fail.
add_test(NAME layering_src
         COMMAND ${CMAKE_COMMAND} -DUPS_LAYERING_ROOT=${PROJECT_SOURCE_DIR}/src
                 -P ${PROJECT_SOURCE_DIR}/cmake/layering.cmake)
set_tests_properties(layering_src PROPERTIES LABELS layering)
# Exit status non-zero, both bad includes named, no good file named.
add_test(NAME layering_finds_violations
         COMMAND ${CMAKE_COMMAND} -DUPS_LAYERING_ROOT=${PROJECT_SOURCE_DIR}/tests/data/layering/src
                 -P ${PROJECT_SOURCE_DIR}/cmake/layering.cmake)
set_tests_properties(layering_finds_violations PROPERTIES LABELS layering WILL_FAIL TRUE)
add_test(NAME layering_names_each_violation
         COMMAND ${CMAKE_COMMAND} -DUPS_LAYERING_ROOT=${PROJECT_SOURCE_DIR}/tests/data/layering/src
                 -P ${PROJECT_SOURCE_DIR}/cmake/layering.cmake)
set_tests_properties(layering_names_each_violation PROPERTIES LABELS layering
  PASS_REGULAR_EXPRESSION "policy/uses_sim.h: #include \"sim/world.h\"\n *runtime/uses_sim.cpp: #  include <sim/event_queue.h>"
  FAIL_REGULAR_EXPRESSION "fine\\.")
