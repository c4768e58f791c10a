// upschedd: the upsched daemon (docs/daemon.md). Ordinary users load their
// own scheduling policies through its socket; who they are is what the
// kernel says about the socket's peer, what they may do is the admission
// file's grant for them.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "daemon/server.h"
#include "runtime/runtime.h"

int main(int argc, char** argv) {
  CLI::App app{"upschedd: the upsched daemon; users load their own policies through its socket"};
  app.set_version_flag("--version", "upschedd 0.1");
  ups::daemon::ServerOptions opts;
  opts.handle_signals = true;
  std::string cpus = "0-1";
  unsigned read_timeout_ms = 5000;
  app.add_option("--socket", opts.socket_path, "the Unix socket to serve (mode 0666)")->capture_default_str();
  app.add_option("--admission", opts.admission_file,
                 "the admission file (docs/admission.md; default: only root may load); SIGHUP reloads it");
  app.add_option("--audit", opts.audit_path, "append the audit log here (default: standard error)");
  app.add_option("--cpus", cpus, "the runtime's CPUs: a list (0-3,6) or a count")->capture_default_str();
  app.add_option("--read-timeout-ms", read_timeout_ms,
                 "a client's next request must be complete this long after it connected or was last served")
      ->capture_default_str()
      ->check(CLI::Range(10u, 3'600'000u));
  app.add_option("--max-clients", opts.max_clients, "clients served at once")->capture_default_str()->check(
      CLI::Range(1, 65536));
  app.add_option("--seed", opts.seed, "seed of the policies' bpf_get_prandom_u32")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto parsed = ups::runtime::parse_cpus(cpus);
  if (!parsed) {
    std::fprintf(stderr, "upschedd: %s\n", parsed.error().to_string().c_str());
    return 2;
  }
  opts.cpus = *parsed;
  opts.read_timeout_ns = static_cast<ups::TimeNs>(read_timeout_ms) * ups::kNsPerMs;
  auto server = ups::daemon::Server::create(opts);
  if (!server) {
    std::fprintf(stderr, "upschedd: %s\n", server.error().to_string().c_str());
    return 1;
  }
  if (auto st = (*server)->run(); !st) {
    std::fprintf(stderr, "upschedd: %s\n", st.error().to_string().c_str());
    return 1;
  }
  return 0;
}
