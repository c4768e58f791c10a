// The `upsched` command: each module registers its subcommands here.
#include <cstdio>
#include <exception>
#include <new>

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
  } catch (const std::bad_alloc&) {
    // Inputs are bounded (base/bounded_file.h, the verifier's caps), so this
    // is a limit we missed: still a message and an exit code, never a signal.
    std::fprintf(stderr, "upsched: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    // Errors are typed results; an exception reaching here is a bug, but
    // the command still ends with a message rather than SIGABRT.
    std::fprintf(stderr, "upsched: internal error: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "upsched: internal error: unknown exception\n");
    return 1;
  }
  return ups::cli::exit_code();
}
