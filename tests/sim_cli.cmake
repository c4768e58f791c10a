# The CLI tests run the built `upsched` binary: build it first.
if(TARGET test_cli AND TARGET upsched)
  add_dependencies(test_cli upsched)
endif()
# The demo and scripts/faas_results.sh run the SDK's BPF policies.
if(TARGET test_cli AND TARGET policies)
  add_dependencies(test_cli policies)
endif()
