# upschedd: the real-users test (tests/daemon/real_users.sh: useradd'ed
# alice and bob talk to the daemon through `upsched`; skipped unless root).
if(TARGET upsched AND TARGET upschedd AND TARGET policies)
  add_test(NAME daemon_real_users
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/daemon/real_users.sh ${PROJECT_BINARY_DIR} ${UPS_POLICY_DIR})
  set_tests_properties(daemon_real_users PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60 RUN_SERIAL TRUE)
endif()
# The server tests run SDK policies; the socket-activation test, upschedd.
if(TARGET test_daemon)
  target_compile_definitions(test_daemon PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}")
  add_dependencies(test_daemon upschedd)
  if(TARGET policies)
    add_dependencies(test_daemon policies)
  endif()
endif()
