# The newcomer's path: the demo builds only what it needs; `cmake --install`
# gives a working upsched and SDK (tests/fast_start.sh).
if(TARGET upsched AND TARGET policies AND UPS_CLANGS)
  foreach(mode demo-targets install)
    add_test(NAME fast_start_${mode}
             COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fast_start.sh ${mode} ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    set_tests_properties(fast_start_${mode} PROPERTIES LABELS docs)
  endforeach()
endif()
