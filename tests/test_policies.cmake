# Policies written for the CLI tests (tests/policies/*.bpf.c: printk with
# every number of values, maps and globals of each kind, a loop the
# verifier cannot bound), built with the first clang into
# build/tests/policies/<name>.bpf.o; test_cli gets the directory.
set(UPS_TEST_POLICY_DIR ${CMAKE_CURRENT_BINARY_DIR}/policies)
file(MAKE_DIRECTORY ${UPS_TEST_POLICY_DIR})
set(_ups_test_policies "")
if(UPS_BUILD_POLICIES AND UPS_CLANGS)
  list(GET UPS_CLANGS 0 _ups_clang)
  file(GLOB _ups_test_policy_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/policies/*.bpf.c)
  foreach(src ${_ups_test_policy_srcs})
    get_filename_component(fname ${src} NAME)
    string(REPLACE ".bpf.c" "" name ${fname})
    ups_bpf_object(obj SOURCE ${src} CLANG ${_ups_clang} OUTPUT policies/${name}.bpf.o)
    list(APPEND _ups_test_policies ${obj})
  endforeach()
endif()
add_custom_target(test_policies DEPENDS ${_ups_test_policies})
add_dependencies(test_cli test_policies)
target_compile_definitions(test_cli PRIVATE UPS_TEST_POLICY_DIR="${UPS_TEST_POLICY_DIR}")
# test_policy runs rbtree_vtime (allocated objects, an rbtree, a kptr) and
# cgroup_vtime (cgroup storage).
add_dependencies(test_policy test_policies)
target_compile_definitions(test_policy PRIVATE UPS_TEST_POLICY_DIR="${UPS_TEST_POLICY_DIR}")
