# The CLI tests run the built `upsched` binary: build it first.
if(TARGET test_cli AND TARGET upsched)
  add_dependencies(test_cli upsched)
endif()
