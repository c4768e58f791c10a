# JIT tests beyond test_jit's own sources:
#  - the eBPF conformance suite through `upsched bpf conformance --jit`,
#    fast and CHECKED (as tests/vm_conformance.cmake does for the interpreter);
#  - every SDK policy in the simulator, JITed and with --no-jit, as root
#    (fast code) and as an ordinary user (confined: CHECKED code): the same
#    schedule hash (cmake/jit_same_trace.cmake).
# test_jit's differential test verifies the soundness generator's programs
# in the soundness world (tests/unit/verifier), as fuzz/soundness_fuzz does.
set(ups_soundness_dir ${PROJECT_SOURCE_DIR}/tests/unit/verifier)
target_sources(test_jit PRIVATE ${ups_soundness_dir}/program_gen.cpp ${ups_soundness_dir}/soundness_world.cpp
               ${ups_soundness_dir}/soundness_oracle.cpp ${ups_soundness_dir}/test_env.cpp
               ${ups_soundness_dir}/asm_text.cpp)
target_include_directories(test_jit PRIVATE ${ups_soundness_dir})
target_link_libraries(test_jit PRIVATE upsched_verifier upsched_vm)

set(UPS_JIT_CONFORMANCE_DIR ${PROJECT_SOURCE_DIR}/../shared/conformance/bpf/tests)
if(EXISTS ${UPS_JIT_CONFORMANCE_DIR})
  foreach(mode fast checked)
    set(flag "")
    if(mode STREQUAL "checked")
      set(flag "--checked")
    endif()
    add_test(NAME jit_conformance_${mode} COMMAND upsched bpf conformance --jit ${flag} ${UPS_JIT_CONFORMANCE_DIR})
    set_tests_properties(jit_conformance_${mode} PROPERTIES
      LABELS jit PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed")
  endforeach()
endif()

if(TARGET policies)
  foreach(p simple qmap edf central tenant lock_boost faas_event)
    # As root: the `pipes` preset under the policy (the fast code).
    add_test(NAME jit_same_trace_${p}_root
             COMMAND ${CMAKE_COMMAND} -DUPSCHED=$<TARGET_FILE:upsched> -DPOLICY=${UPS_POLICY_DIR}/${p}.bpf.o
                     -P ${PROJECT_SOURCE_DIR}/cmake/jit_same_trace.cmake)
    # As alice: her class over her own tasks, confined (the CHECKED code).
    set(wl ${PROJECT_BINARY_DIR}/jit/alice_${p}.toml)
    file(WRITE ${wl}
      "[[classes]]\nname = \"tested\"\npolicy = \"${UPS_POLICY_DIR}/${p}.bpf.o\"\nuid = 1000\n"
      "[[tasks]]\nname = \"own\"\ncount = 12\nuid = 1000\nclass = \"tested\"\n"
      "program = [ { repeat = 200, body = [ { compute = \"300us\" }, { sleep = \"50us\" } ] } ]\n")
    add_test(NAME jit_same_trace_${p}_confined
             COMMAND ${CMAKE_COMMAND} -DUPSCHED=$<TARGET_FILE:upsched> -DWORKLOAD=${wl}
                     -DADMISSION=${PROJECT_SOURCE_DIR}/tests/data/jit/admission.toml
                     -P ${PROJECT_SOURCE_DIR}/cmake/jit_same_trace.cmake)
    set_tests_properties(jit_same_trace_${p}_root jit_same_trace_${p}_confined PROPERTIES LABELS jit)
  endforeach()
endif()
