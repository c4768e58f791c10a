# policy host tests: load the SDK's example policies (built by sdk/ into
# ${UPS_POLICY_DIR}) through the CLI's policy factory and run them in the
# simulator next to their native twins.
target_compile_definitions(test_policy PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}"
                           UPS_POLICY_SRC_DIR="${PROJECT_SOURCE_DIR}/sdk/policies")
if(TARGET policies)
  add_dependencies(test_policy policies)
endif()
target_link_libraries(test_policy PRIVATE upsched_sim upsched_cli_lib)
