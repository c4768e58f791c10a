// Server: upschedd's socket and its loop. One thread polls the listening
// Unix socket, every client and a signal/stop descriptor; each client has
// its own frame buffer (bounded by the protocol's frame limit) and a read
// timeout, so that a slow or malformed client costs the others nothing but
// its slot. Each request is answered in order; who asks is the socket
// peer's kernel credentials (peer.h). Every decision is one JSON line in the
// audit log (docs/daemon.md, "Audit log"). Started by systemd's
// upschedd.socket (packaging/), it serves the socket it is handed instead
// of binding its own.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "base/result.h"
#include "daemon/session.h"

namespace ups::daemon {

struct ServerOptions {
  std::string socket_path = "/run/upsched/upsched.sock";  // unless socket-activated
  std::string admission_file;   // empty: the default config (only root may load)
  std::string audit_path;       // empty: standard error
  TimeNs read_timeout_ns = 5 * kNsPerSec;  // from connect or the last request to the next one complete
  size_t max_clients = 256;
  // SIGHUP reloads, SIGTERM/SIGINT end run(); blocked in every thread the
  // server starts (the runtime's), so create() must come before others.
  bool handle_signals = false;
  std::vector<int> cpus = {0, 1};  // the runtime's workers
  u64 seed = 1;
};

class Server {
public:
  static Result<std::unique_ptr<Server>> create(ServerOptions opts);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until stop() (or SIGTERM/SIGINT with handle_signals).
  Status run();
  // Ends run() soon. From any thread.
  void stop();
  // Reads the admission file again; a file with errors is refused with the
  // reason (returned and audited) and the old config stays.
  Status reload_admission();

private:
  struct Client;
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ups::daemon
