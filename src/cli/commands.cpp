#include "cli/commands.h"

namespace ups::cli {
namespace {
int g_exit_code = 0;
}

void set_exit_code(int rc) { g_exit_code = rc; }
int exit_code() { return g_exit_code; }

void register_all(CLI::App& app) {
  register_sim_commands(app);
  register_bpf_commands(app);
  register_verify_commands(app);
  register_faas_commands(app);
  register_compare_command(app);
  register_run_commands(app);
  register_daemon_commands(app);
}

}  // namespace ups::cli
