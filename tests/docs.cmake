# The documents' shell commands, run against this build
# (scripts/doc_commands.sh runs the ```sh blocks marked <!-- runnable -->).
if(TARGET upsched AND TARGET policies)
  add_test(NAME doc_writing_a_policy
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/doc_commands.sh
                   ${PROJECT_SOURCE_DIR}/docs/writing-a-policy.md ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(doc_writing_a_policy PROPERTIES LABELS docs)
  add_test(NAME doc_simulator
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/doc_commands.sh
                   ${PROJECT_SOURCE_DIR}/docs/simulator.md ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(doc_simulator PROPERTIES LABELS docs)
endif()
