# policy host tests: load the SDK's example policies (built by sdk/ into
# ${UPS_POLICY_DIR}) and run them in the simulator next to their native twins.
if(TARGET test_policy)
  target_compile_definitions(test_policy PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}")
  if(TARGET policies)
    add_dependencies(test_policy policies)
  endif()
  if(TARGET upsched_sim)
    target_link_libraries(test_policy PRIVATE upsched_sim)
  endif()
endif()
