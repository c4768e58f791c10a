# `upsched verify` tests run the binary on the SDK's example policies
# (tests/sim_cli.cmake makes test_cli depend on them).
target_compile_definitions(test_cli PRIVATE UPS_POLICY_DIR="${UPS_POLICY_DIR}")
