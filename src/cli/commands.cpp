#include "cli/commands.h"

namespace ups::cli {
namespace {
int g_exit_code = 0;
}

void set_exit_code(int rc) { g_exit_code = rc; }
int exit_code() { return g_exit_code; }

// Groups whose cmd_*.cpp is not written yet are weak no-ops, so that each
// module can add its commands without touching the others'.
__attribute__((weak)) void register_sim_commands(CLI::App&) {}
__attribute__((weak)) void register_bpf_commands(CLI::App&) {}
__attribute__((weak)) void register_verify_commands(CLI::App&) {}
__attribute__((weak)) void register_faas_commands(CLI::App&) {}

void register_all(CLI::App& app) {
  register_sim_commands(app);
  register_bpf_commands(app);
  register_verify_commands(app);
  register_faas_commands(app);
}

}  // namespace ups::cli
