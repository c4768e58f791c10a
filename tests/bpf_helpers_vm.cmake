# The helper tests include end-to-end runs of BPF code in the interpreter
# (bpf_loop and timer callbacks, map handles): link the VM when it exists.
if(TARGET test_bpf_helpers AND TARGET upsched_vm)
  target_link_libraries(test_bpf_helpers PRIVATE upsched_vm)
  target_compile_definitions(test_bpf_helpers PRIVATE UPS_HAVE_VM=1)
endif()
