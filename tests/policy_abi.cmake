# policy_abi tests: they compile generated BPF C with each clang found and
# read the policies built by sdk/ (build/policies).
set(_ups_clang_list "")
foreach(c ${UPS_CLANGS})
  list(APPEND _ups_clang_list "${UPS_${c}_BIN}")
endforeach()
string(REPLACE ";" "," _ups_clang_list "${_ups_clang_list}")
target_compile_definitions(test_policy_abi PRIVATE
  UPS_TEST_CLANGS="${_ups_clang_list}"
  UPS_POLICY_DIR="${UPS_POLICY_DIR}"
  UPS_POLICIES_BUILT=$<IF:$<BOOL:${UPS_BUILD_POLICIES}>,1,0>)
if(TARGET policies)
  add_dependencies(test_policy_abi policies)
endif()
# The project's object loader loads every policy in a test; the kfunc rows
# live with their host functions in the policy host.
target_link_libraries(test_policy_abi PRIVATE upsched_bpf_object upsched_policy)
