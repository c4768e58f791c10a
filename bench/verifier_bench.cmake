target_link_libraries(verifier_bench PRIVATE upsched_verifier)
# The example policies are verified through the CLI's sched_ext API adapter.
if(TARGET upsched_cli_lib)
  target_link_libraries(verifier_bench PRIVATE upsched_cli_lib)
  target_compile_definitions(verifier_bench PRIVATE UPS_BENCH_HAVE_CLI=1)
endif()
