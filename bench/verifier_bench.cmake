target_link_libraries(verifier_bench PRIVATE upsched_verifier)
# The example policies are verified with the policy host's verifier inputs.
target_link_libraries(verifier_bench PRIVATE upsched_policy)
