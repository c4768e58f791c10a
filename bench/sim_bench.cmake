# sim_bench links the simulator (and through it the core and native policies).
target_link_libraries(sim_bench PRIVATE upsched_sim)
