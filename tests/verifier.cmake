# The verifier's differential soundness test runs accepted programs in the
# interpreter's CHECKED mode.
if(TARGET test_verifier AND TARGET upsched_vm)
  target_link_libraries(test_verifier PRIVATE upsched_vm)
  target_compile_definitions(test_verifier PRIVATE UPS_HAVE_VM=1)
endif()
