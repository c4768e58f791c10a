// The `upsched` command: each module registers its subcommands here.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"upsched: user-programmable OS scheduling (sched_ext policies in BPF)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "upsched 0.1");
  ups::cli::register_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // bad arguments: a message and exit code 2
  }
  return ups::cli::exit_code();
}
