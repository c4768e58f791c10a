# `upsched bpf disasm` tests (tests/unit/cli/disasm_cli_test.cpp) read the
# SDK policies' sources next to their objects, and the loader-test objects
# (tests/bpf_objects.cmake) for kfuncs the host lacks.
target_compile_definitions(test_cli PRIVATE UPS_POLICY_SRC_DIR="${PROJECT_SOURCE_DIR}/sdk/policies"
                                            UPS_TEST_BPF_DIR="${UPS_TEST_BPF_DIR}")
add_dependencies(test_cli test_bpf_objects)
