# The verifier's differential soundness test runs accepted programs in the
# interpreter's CHECKED mode.
target_link_libraries(test_verifier PRIVATE upsched_vm)
