# The layering rule that CMake can see: a substrate-neutral module never
# includes a substrate (sim/, runtime/) or a front end (cli/, daemon/), and
# no substrate includes the other, so the runtime can never come to depend
# on the simulator. Checked twice: at configure time (src/CMakeLists.txt
# calls ups_check_layering) and by the ctest tests `layering_*`, which run
# this file as a script:
#   cmake -DUPS_LAYERING_ROOT=<a src/ folder> -P cmake/layering.cmake
# exits non-zero, naming each file and include, when the rule is broken.

# Modules below the substrates (docs/architecture.md).
set(UPS_NEUTRAL_MODULES base bpf vm verifier jit core security policy workload report host)

# Sets out_var to "FILE: #include ..." for each include under root that
# breaks the rule (empty when none does).
function(ups_layering_violations root out_var)
  get_filename_component(root ${root} ABSOLUTE)
  set(found "")
  foreach(m ${UPS_NEUTRAL_MODULES} sim runtime)
    if(m STREQUAL "sim")
      set(forbidden "runtime|cli|daemon")
    elseif(m STREQUAL "runtime")
      set(forbidden "sim|cli|daemon")
    else()
      set(forbidden "sim|runtime|cli|daemon")
    endif()
    file(GLOB_RECURSE files ${root}/${m}/*.h ${root}/${m}/*.hpp ${root}/${m}/*.cpp ${root}/${m}/*.cc)
    list(SORT files)
    foreach(f ${files})
      file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<](${forbidden})/")
      foreach(l ${lines})
        file(RELATIVE_PATH rel ${root} ${f})
        string(STRIP "${l}" l)
        list(APPEND found "${rel}: ${l}")
      endforeach()
    endforeach()
  endforeach()
  set(${out_var} "${found}" PARENT_SCOPE)
endfunction()

# Fails the configure (or the script) when root breaks the rule.
function(ups_check_layering root)
  ups_layering_violations(${root} found)
  if(found)
    list(JOIN found "\n  " text)
    message(FATAL_ERROR "layering: a module includes a layer above it "
                        "(see docs/architecture.md):\n  ${text}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT UPS_LAYERING_ROOT)
    message(FATAL_ERROR "usage: cmake -DUPS_LAYERING_ROOT=DIR -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  ups_check_layering(${UPS_LAYERING_ROOT})
  message(STATUS "layering: no module under ${UPS_LAYERING_ROOT} includes a layer above it")
endif()
