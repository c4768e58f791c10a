// Registration of the `upsched` subcommands, one file per command group
// (cmd_sim.cpp, cmd_bpf.cpp, ...). A command's callback stores its exit
// code with set_exit_code(); main() returns it.
#pragma once

#include <CLI/CLI.hpp>

namespace ups::cli {

void register_all(CLI::App& app);  // commands.cpp
void set_exit_code(int rc);
int exit_code();

// Per group; each is defined in its cmd_*.cpp.
void register_sim_commands(CLI::App& app);      // sim, policies, demo
void register_bpf_commands(CLI::App& app);      // bpf disasm|run|conformance
void register_verify_commands(CLI::App& app);   // verify
void register_faas_commands(CLI::App& app);     // faas
void register_run_commands(CLI::App& app);      // run (the real runtime)
void register_compare_command(CLI::App& app);   // compare (cmd_compare.cpp)
void register_daemon_commands(CLI::App& app);   // --socket, load, unload, list, logs, daemon status

// The help of --policy (cmd_sim.cpp): the spec syntax policy_spec.h parses.
extern const char* const kPolicyOptionHelp;

}  // namespace ups::cli
