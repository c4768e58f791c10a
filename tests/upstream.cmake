# Linux 7.3's tools/sched_ext schedulers, unchanged, in upsched
# (scripts/upstream.sh): how far each gets (compile with clang 14 and 19,
# verify, run in the simulator), checked against tests/upstream/expect.txt
# so that none goes back. Label upstream; exit 77 (skipped, reason in the
# output) when Debian's linux-source-7.3 cannot be fetched. About 20 s the
# first time (the download), 10 s after.
if(NOT UPS_SANITIZE AND TARGET upsched)
  add_test(NAME upstream_schedulers
           COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/upstream.sh --upsched $<TARGET_FILE:upsched>
                   --check ${PROJECT_SOURCE_DIR}/tests/upstream/expect.txt)
  set_tests_properties(upstream_schedulers PROPERTIES LABELS upstream SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()

# sdk/include's scx/ and bpf/ headers against Linux 7.3's
# tools/sched_ext/include/scx and libbpf-dev's bpf/*.h: the same names with
# the same signatures, nothing only upsched declares, the known gaps in
# tests/upstream/sdk-parity-allow.txt (scripts/sdk-parity.sh). Label
# upstream; exit 77 (skipped, reason in the output) when the headers cannot
# be fetched. About 2 s once cached.
add_test(NAME sdk_parity COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/sdk-parity.sh)
set_tests_properties(sdk_parity PROPERTIES LABELS upstream SKIP_RETURN_CODE 77 TIMEOUT 120)
# The checker itself, on small headers written by the test: it reports each
# kind of difference and honours the allow-list (no network; label upstream).
add_test(NAME sdk_parity_checker COMMAND python3 ${PROJECT_SOURCE_DIR}/tests/upstream/sdk_parity_test.py)
set_tests_properties(sdk_parity_checker PROPERTIES LABELS upstream TIMEOUT 60)
