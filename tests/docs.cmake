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
# The newcomer's guide and the docs' index run too; a ```sh block that is
# neither runnable nor marked not-run fails its document (the fixture).
if(TARGET upsched AND TARGET policies)
  foreach(doc getting-started workloads)
    add_test(NAME doc_${doc}
             COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/doc_commands.sh
                     ${PROJECT_SOURCE_DIR}/docs/${doc}.md ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    set_tests_properties(doc_${doc} PROPERTIES LABELS docs)
  endforeach()
endif()
add_test(NAME doc_commands_refuse_an_unmarked_block
         COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/doc_commands.sh
                 ${PROJECT_SOURCE_DIR}/tests/data/docs/unmarked.md ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
set_tests_properties(doc_commands_refuse_an_unmarked_block PROPERTIES
                     PASS_REGULAR_EXPRESSION "unmarked.md:8: a ```sh block that does not run" LABELS docs)
