# The CLI tests run the built `upsched` binary: build it first.
add_dependencies(test_cli upsched)
# The demo and scripts/faas_results.sh run the SDK's BPF policies.
if(TARGET policies)
  add_dependencies(test_cli policies)
endif()
