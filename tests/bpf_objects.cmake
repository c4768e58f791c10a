# BPF objects for the loader tests: every tests/bpf_objects/*.bpf.c built
# with each clang in UPS_CLANGS at -mcpu=v3, and with clang-19 also at
# -mcpu=v4, into build/tests/bpf_objects/<name>.<clang>.<mcpu>.bpf.o.
# test_bpf_object depends on them and gets the directory and the variant
# list as compile definitions (empty when UPS_BUILD_POLICIES is OFF or no
# clang is installed: those tests then skip, saying why).
set(UPS_TEST_BPF_DIR ${CMAKE_CURRENT_BINARY_DIR}/bpf_objects)
file(MAKE_DIRECTORY ${UPS_TEST_BPF_DIR})
set(_ups_bpf_variants "")
set(_ups_bpf_outputs "")
if(UPS_BUILD_POLICIES AND UPS_CLANGS)
  file(GLOB _ups_bpf_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/bpf_objects/*.bpf.c)
  foreach(c ${UPS_CLANGS})
    set(mcpus v3)
    if(c STREQUAL "clang-19")
      list(APPEND mcpus v4)
    endif()
    foreach(mcpu ${mcpus})
      list(APPEND _ups_bpf_variants ${c}.${mcpu})
      foreach(src ${_ups_bpf_srcs})
        get_filename_component(fname ${src} NAME)
        string(REPLACE ".bpf.c" "" name ${fname})
        ups_bpf_object(obj SOURCE ${src} CLANG ${c} MCPU ${mcpu}
                       OUTPUT bpf_objects/${name}.${c}.${mcpu}.bpf.o
                       FLAGS -I${CMAKE_CURRENT_SOURCE_DIR}/bpf_objects)
        list(APPEND _ups_bpf_outputs ${obj})
      endforeach()
    endforeach()
  endforeach()
endif()
add_custom_target(test_bpf_objects DEPENDS ${_ups_bpf_outputs})
string(REPLACE ";" "," _ups_bpf_variants_csv "${_ups_bpf_variants}")
target_compile_definitions(test_bpf_object PRIVATE
  UPS_TEST_BPF_DIR="${UPS_TEST_BPF_DIR}"
  UPS_TEST_BPF_VARIANTS="${_ups_bpf_variants_csv}"
  UPS_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data/bpf_object")
add_dependencies(test_bpf_object test_bpf_objects)
