# Interpreter tests beyond test_vm's own sources:
#  - the eBPF conformance suite (bpf_conformance .data files in the steering
#    repository's shared/conformance/bpf/tests) through
#    `upsched bpf conformance`, fast and CHECKED: passes only if all pass;
#  - the conformance plugin (tools/bpf_conformance_plugin) and its contract;
#  - tests/data/vm/diff_funcs.c built by every clang with -target bpf for
#    the differential and disassembler tests in test_vm, and
#    `upsched bpf run` / `upsched bpf disasm` on those objects.
add_subdirectory(${PROJECT_SOURCE_DIR}/tools/bpf_conformance_plugin
                 ${PROJECT_BINARY_DIR}/tools/bpf_conformance_plugin)
# Plugin contract: `mov32 %r0, 0x11; exit` as hex on stdin prints "11".
add_test(NAME vm_conformance_plugin
         COMMAND sh -c "echo b4000000110000009500000000000000 | $<TARGET_FILE:upsched_bpf_conformance_plugin> ''")
set_tests_properties(vm_conformance_plugin PROPERTIES LABELS vm PASS_REGULAR_EXPRESSION "^11\n$")

set(UPS_CONFORMANCE_DIR ${PROJECT_SOURCE_DIR}/../shared/conformance/bpf/tests)
if(EXISTS ${UPS_CONFORMANCE_DIR})
  foreach(mode fast checked)
    set(flag "")
    if(mode STREQUAL "checked")
      set(flag "--checked")
    endif()
    add_test(NAME vm_conformance_${mode}
             COMMAND upsched bpf conformance ${flag} ${UPS_CONFORMANCE_DIR})
    # Exit 0 and a summary with no failure.
    set_tests_properties(vm_conformance_${mode} PROPERTIES
      LABELS vm PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed")
  endforeach()
else()
  add_test(NAME vm_conformance_fast COMMAND ${CMAKE_COMMAND} -E echo
           "SKIPPED: no conformance suite at ${UPS_CONFORMANCE_DIR}")
  set_tests_properties(vm_conformance_fast PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED")
endif()

set(ups_diff_src ${PROJECT_SOURCE_DIR}/tests/data/vm/diff_funcs.c)
set(ups_diff_objs "")
if("clang-14" IN_LIST UPS_CLANGS)
  ups_bpf_object(o SOURCE ${ups_diff_src} CLANG clang-14 MCPU v3)
  list(APPEND ups_diff_objs ${o})
endif()
if("clang-19" IN_LIST UPS_CLANGS)
  ups_bpf_object(o SOURCE ${ups_diff_src} CLANG clang-19 MCPU v3)
  list(APPEND ups_diff_objs ${o})
  ups_bpf_object(o SOURCE ${ups_diff_src} CLANG clang-19 MCPU v4 FLAGS -DUPS_DIFF_SDIV)
  list(APPEND ups_diff_objs ${o})
endif()
# llvm-objdump-19's listing of each object, for the disassembler test.
find_program(UPS_OBJDUMP19 NAMES llvm-objdump-19)
set(ups_diff_dumps "")
if(UPS_OBJDUMP19)
  foreach(o ${ups_diff_objs})
    add_custom_command(OUTPUT ${o}.objdump.txt
      COMMAND ${UPS_OBJDUMP19} -d --mcpu=v4 ${o} > ${o}.objdump.txt
      DEPENDS ${o} VERBATIM)
    list(APPEND ups_diff_dumps ${o}.objdump.txt)
  endforeach()
  target_compile_definitions(test_vm PRIVATE UPS_VM_HAVE_OBJDUMP=1)
endif()
add_custom_target(vm_diff_objects DEPENDS ${ups_diff_objs} ${ups_diff_dumps})
add_dependencies(test_vm vm_diff_objects)
target_sources(test_vm PRIVATE ${ups_diff_src})
target_link_libraries(test_vm PRIVATE upsched_bpf_object)
string(REPLACE ";" "," ups_diff_list "${ups_diff_objs}")
target_compile_definitions(test_vm PRIVATE UPS_VM_DIFF_OBJECTS="${ups_diff_list}")

if(ups_diff_objs)
  list(GET ups_diff_objs 0 ups_diff_first)
  # diff_loops on tests/data/vm/diff_args.hex (x=100, y=7, z=3): r0 last.
  add_test(NAME vm_cli_bpf_run
           COMMAND upsched bpf run ${ups_diff_first} --program diff_loops
                   --mem ${PROJECT_SOURCE_DIR}/tests/data/vm/diff_args.hex --checked)
  set_tests_properties(vm_cli_bpf_run PROPERTIES LABELS vm PASS_REGULAR_EXPRESSION "\n?0x17d83f9\n$")
  # The same run on the JIT's (CHECKED) code: the same r0.
  add_test(NAME jit_cli_bpf_run
           COMMAND upsched bpf run ${ups_diff_first} --program diff_loops
                   --mem ${PROJECT_SOURCE_DIR}/tests/data/vm/diff_args.hex --jit)
  set_tests_properties(jit_cli_bpf_run PROPERTIES LABELS "vm;jit" PASS_REGULAR_EXPRESSION "\n?0x17d83f9\n$")
  add_test(NAME vm_cli_bpf_run_unknown_program
           COMMAND upsched bpf run ${ups_diff_first} --program no_such_program)
  set_tests_properties(vm_cli_bpf_run_unknown_program PROPERTIES LABELS vm WILL_FAIL TRUE)
  add_test(NAME vm_cli_bpf_disasm COMMAND upsched bpf disasm ${ups_diff_first})
  set_tests_properties(vm_cli_bpf_disasm PROPERTIES LABELS vm
    PASS_REGULAR_EXPRESSION "<diff_arith>:.*r3 = \\*\\(u64 \\*\\)\\(r1 \\+ 0x0\\).*<diff_loops>:")
endif()
