# interp_bench: bench/interp_bench_progs.c built by clang -target bpf
# (-mcpu=v2: the subset DPDK's interpreter runs) and split into one bytecode
# file per program, plus the same C built natively into the bench; DPDK's
# interpreter (librte_bpf) as a peer when libdpdk is installed.
find_program(UPS_BENCH_CLANG NAMES clang-14 clang)
find_program(UPS_BENCH_OBJCOPY NAMES llvm-objcopy-14 llvm-objcopy llvm-objcopy-19)
set(ups_bench_progs loop_sum fibonacci hash_mix sort checksum)
set(ups_bench_out ${PROJECT_BINARY_DIR}/bench/interp_bench_bytecode)
set(ups_bench_obj ${ups_bench_out}/interp_bench_progs.bpf.o)
set(ups_bench_bins "")
set(ups_bench_dumps "")
foreach(p ${ups_bench_progs})
  list(APPEND ups_bench_bins ${ups_bench_out}/${p}.bin)
  list(APPEND ups_bench_dumps --dump-section bench/${p}=${ups_bench_out}/${p}.bin)
endforeach()
if(UPS_BENCH_CLANG AND UPS_BENCH_OBJCOPY)
  add_custom_command(
    OUTPUT ${ups_bench_bins}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${ups_bench_out}
    COMMAND ${UPS_BENCH_CLANG} -O2 -target bpf -mcpu=v2 -c ${CMAKE_CURRENT_SOURCE_DIR}/interp_bench_progs.c
            -o ${ups_bench_obj}
    COMMAND ${UPS_BENCH_OBJCOPY} ${ups_bench_dumps} ${ups_bench_obj}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/interp_bench_progs.c
    COMMENT "interp_bench: BPF bytecode of the benchmark programs")
  add_custom_target(interp_bench_bytecode DEPENDS ${ups_bench_bins})
  add_dependencies(interp_bench interp_bench_bytecode)
else()
  message(WARNING "interp_bench: clang or llvm-objcopy not found; the bench will have no bytecode")
endif()
target_sources(interp_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/interp_bench_progs.c)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/interp_bench_progs.c PROPERTIES COMPILE_OPTIONS "-O2")
target_link_libraries(interp_bench PRIVATE upsched_vm upsched_jit upsched_policy)
target_compile_definitions(interp_bench PRIVATE UPS_BENCH_BYTECODE_DIR="${ups_bench_out}")

pkg_check_modules(UPS_DPDK QUIET libdpdk)
if(UPS_DPDK_FOUND)
  set(ups_dpdk_src ${CMAKE_CURRENT_SOURCE_DIR}/interp_bench_dpdk.c)
  target_sources(interp_bench PRIVATE ${ups_dpdk_src})
  # DPDK's flags only on the shim, so the native twin and the interpreter
  # are compiled as everywhere else.
  set_source_files_properties(${ups_dpdk_src} PROPERTIES
    COMPILE_OPTIONS "${UPS_DPDK_CFLAGS};-Wno-pedantic")
  # DPDK's JIT needs its internal bpf_jit(), only in the static library
  # (see interp_bench_dpdk.c).
  find_library(UPS_RTE_BPF_STATIC NAMES librte_bpf.a)
  if(UPS_RTE_BPF_STATIC)
    target_link_libraries(interp_bench PRIVATE ${UPS_RTE_BPF_STATIC} rte_mbuf rte_eal)
    set_property(SOURCE ${ups_dpdk_src} APPEND PROPERTY COMPILE_DEFINITIONS UPS_HAVE_DPDK_JIT=1)
  endif()
  target_link_libraries(interp_bench PRIVATE rte_bpf)
  target_compile_definitions(interp_bench PRIVATE UPS_HAVE_DPDK=1)
endif()
