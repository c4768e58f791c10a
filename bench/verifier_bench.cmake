target_link_libraries(verifier_bench PRIVATE upsched_verifier)
# The example policies are verified with the policy host's verifier inputs.
if(TARGET upsched_policy)
  target_link_libraries(verifier_bench PRIVATE upsched_policy)
  target_compile_definitions(verifier_bench PRIVATE UPS_BENCH_HAVE_POLICY=1)
endif()
