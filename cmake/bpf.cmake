# Building BPF objects with clang -target bpf. UPS_CLANGS lists the clang
# binaries found (clang-14 and clang-19 on Debian 12); every BPF source is
# built with each, so the loader is tested on both compilers' output.
set(UPS_CLANGS "")
foreach(c clang-14 clang-19)
  find_program(UPS_${c}_BIN NAMES ${c})
  if(UPS_${c}_BIN)
    list(APPEND UPS_CLANGS ${c})
  endif()
endforeach()

# ups_bpf_object(OUT_VAR SOURCE src.bpf.c CLANG clang-14 [MCPU v3] [OUTPUT name.o] [FLAGS ...])
function(ups_bpf_object out_var)
  cmake_parse_arguments(ARG "" "SOURCE;CLANG;MCPU;OUTPUT" "FLAGS" ${ARGN})
  if(NOT ARG_MCPU)
    set(ARG_MCPU v3)
  endif()
  get_filename_component(base ${ARG_SOURCE} NAME_WE)
  if(NOT ARG_OUTPUT)
    set(ARG_OUTPUT ${base}.${ARG_CLANG}.${ARG_MCPU}.bpf.o)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_OUTPUT})
  # The depfile makes a change to an included header (sdk/include) rebuild
  # the object (IMPLICIT_DEPENDS, used before, served Makefiles only).
  add_custom_command(OUTPUT ${out}
    COMMAND ${UPS_${ARG_CLANG}_BIN} -O2 -g -target bpf -mcpu=${ARG_MCPU}
            -I${PROJECT_SOURCE_DIR}/sdk/include ${ARG_FLAGS}
            -MD -MF ${out}.d -c ${ARG_SOURCE} -o ${out}
    DEPENDS ${ARG_SOURCE}
    DEPFILE ${out}.d
    COMMENT "BPF ${ARG_OUTPUT}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
