// Client: one connection to upschedd, one request at a time (the `upsched`
// client verbs and the tests use it). Blocking, with a timeout on each
// answer so that a stuck daemon does not hang the command.
#pragma once

#include <string>

#include "base/result.h"
#include "daemon/protocol.h"

namespace ups::daemon {

class Client {
public:
  static Result<Client> connect(const std::string& socket_path, TimeNs timeout_ns = 30 * kNsPerSec);
  Client(Client&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  Client& operator=(Client&&) = delete;
  ~Client();

  // Sends r and waits for its response.
  Result<Response> call(const Request& r);
  // The raw connection (tests send broken bytes through it).
  int fd() const { return fd_; }

private:
  Client(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace ups::daemon
