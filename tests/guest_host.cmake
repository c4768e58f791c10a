# scripts/guest_host.sh --small (docs/guest-host.md): the three hosts (no
# hints, pause-loop exiting, hint policies) and the priority-inversion
# runs end to end through `upsched sim`, a few seconds in all; the table
# goes to the output, the repository is never written.
if(TARGET upsched AND TARGET policies)
  add_test(NAME guest_host_small
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/guest_host.sh ${PROJECT_BINARY_DIR} --small)
  set_tests_properties(guest_host_small PROPERTIES
                       PASS_REGULAR_EXPRESSION "Hints vs no hints: p99 [0-9.]+x lower"
                       LABELS sim)
endif()
