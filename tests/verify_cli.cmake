# `upsched verify` tests run the binary on the SDK's example policies.
if(TARGET test_cli)
  target_compile_definitions(test_cli PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}")
  if(TARGET policies)
    add_dependencies(test_cli policies)
  endif()
endif()
