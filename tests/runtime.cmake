# runtime tests: the SDK's policies (built by sdk/ into ${UPS_POLICY_DIR})
# loaded into the real runtime through the CLI's policy factory.
target_compile_definitions(test_runtime PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}")
if(TARGET policies)
  add_dependencies(test_runtime policies)
endif()
# WorkloadRun tests compare counts with the simulator's run of one workload.
target_link_libraries(test_runtime PRIVATE upsched_sim)
