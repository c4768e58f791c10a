#include "daemon/client.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ups::daemon {

Result<Client> Client::connect(const std::string& path, TimeNs timeout_ns) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return make_error(ErrorKind::invalid_argument, "--socket " + path + ": not a socket path");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorKind::io, std::string("socket: ") + std::strerror(errno));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_ns / kNsPerSec);
  tv.tv_usec = static_cast<suseconds_t>(timeout_ns % kNsPerSec / 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return make_error(ErrorKind::io, fmt::format("cannot reach upschedd at {}: {}{}", path, std::strerror(err),
                                                 err == ENOENT || err == ECONNREFUSED ? " (is it running?)" : ""));
  }
  return Client(fd, path);
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Response> Client::call(const Request& r) {
  const std::string out = frame(encode_request(r));
  if (out.size() > kFrameHeaderBytes + kMaxFrameBytes)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("the request is {} bytes, over the protocol's limit of {}", out.size(), kMaxFrameBytes));
  for (size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(ErrorKind::io, fmt::format("{}: send: {}", path_, std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }
  FrameReader reader;
  char buf[65536];
  for (;;) {
    auto body = reader.next();
    if (!body) return tl::unexpected(body.error());
    if (*body) return parse_response(**body);
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return make_error(ErrorKind::io, path_ + ": upschedd closed the connection without an answer");
    if (n < 0) return make_error(ErrorKind::io, fmt::format("{}: no answer: {}", path_, std::strerror(errno)));
    reader.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

}  // namespace ups::daemon
