# The eBPF conformance suite (bpf_conformance .data files in the steering
# repository's shared/conformance/bpf/tests) against the interpreter, fast
# and CHECKED, through `upsched bpf conformance`; and the conformance plugin
# executable (tools/bpf_conformance_plugin), with a smoke test of its
# contract.
if(TARGET upsched_vm)
  add_subdirectory(${PROJECT_SOURCE_DIR}/tools/bpf_conformance_plugin
                   ${PROJECT_BINARY_DIR}/tools/bpf_conformance_plugin)
endif()

set(UPS_CONFORMANCE_DIR ${PROJECT_SOURCE_DIR}/../shared/conformance/bpf/tests)
if(NOT TARGET upsched OR NOT TARGET upsched_vm)
  return()
endif()
if(EXISTS ${UPS_CONFORMANCE_DIR})
  foreach(mode fast checked)
    set(flag "")
    if(mode STREQUAL "checked")
      set(flag "--checked")
    endif()
    add_test(NAME vm_conformance_${mode}
             COMMAND upsched bpf conformance ${flag} ${UPS_CONFORMANCE_DIR})
    # Passes only if every file passes: exit 0 and the summary says 0 failed.
    set_tests_properties(vm_conformance_${mode} PROPERTIES
      LABELS vm PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed")
  endforeach()
  # Plugin contract: `mov32 %r0, 0x11; exit` on stdin prints "11".
  add_test(NAME vm_conformance_plugin
           COMMAND sh -c "echo b400000011000000 9500000000000000 | $<TARGET_FILE:upsched_bpf_conformance_plugin> ''")
  set_tests_properties(vm_conformance_plugin PROPERTIES LABELS vm PASS_REGULAR_EXPRESSION "^11\n$")
else()
  add_test(NAME vm_conformance_fast COMMAND ${CMAKE_COMMAND} -E echo
           "SKIPPED: no conformance suite at ${UPS_CONFORMANCE_DIR}")
  set_tests_properties(vm_conformance_fast PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED")
endif()

# Differential test (tests/unit/vm/differential_test.cpp): the C functions of
# tests/data/vm/diff_funcs.c built by every clang found with -target bpf
# (clang-14 -mcpu=v3; clang-19 -mcpu=v3 and -mcpu=v4 with signed division)
# and natively into test_vm.
if(TARGET test_vm AND TARGET upsched_bpf_object)
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
  add_custom_target(vm_diff_objects DEPENDS ${ups_diff_objs})
  add_dependencies(test_vm vm_diff_objects)
  target_sources(test_vm PRIVATE ${ups_diff_src})
  target_link_libraries(test_vm PRIVATE upsched_bpf_object)
  string(REPLACE ";" "," ups_diff_list "${ups_diff_objs}")
  target_compile_definitions(test_vm PRIVATE UPS_VM_DIFF_OBJECTS="${ups_diff_list}")
endif()
