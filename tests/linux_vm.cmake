# The sdk policies in a real Linux sched_ext kernel (scripts/linux-vm.sh):
# one qemu guest loads each policy with bpftool, runs a workload under it
# and checks each outcome against tests/linux_vm/expect.txt. Label linuxvm;
# the script exits 77 (reported as skipped, with the reason in the output)
# when the kernel packages cannot be fetched or qemu is missing. About 4
# minutes on 2 cores, most of it the emulated guest. Not in sanitizer
# builds: it runs no upsched code.
if(NOT UPS_SANITIZE)
  add_test(NAME linux_vm
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/linux-vm.sh --check
                   --out ${PROJECT_BINARY_DIR}/linux-vm-results.jsonl)
  set_tests_properties(linux_vm PROPERTIES
    LABELS linuxvm
    SKIP_RETURN_CODE 77
    TIMEOUT 600
    ENVIRONMENT "UPS_LINUX_VM_TIMEOUT=420")
endif()
