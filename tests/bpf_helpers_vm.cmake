# The helper tests include end-to-end runs of BPF code in the interpreter
# (bpf_loop and timer callbacks, map handles).
target_link_libraries(test_bpf_helpers PRIVATE upsched_vm)
