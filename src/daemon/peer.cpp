#include "daemon/peer.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ups::daemon {

std::string Peer::describe() const { return fmt::format("{} (uid {}, pid {})", user, principal.uid, pid); }

Peer peer_for(u32 uid, u32 gid, pid_t pid) {
  Peer p;
  p.principal = Principal{uid, gid};
  p.pid = pid;
  p.user = fmt::format("uid {}", uid);
  p.groups = {gid};
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return p;
  p.user = pw.pw_name;
  // getgrouplist says how many it needs when the first guess is short.
  int n = 64;
  std::vector<gid_t> gs(static_cast<size_t>(n));
  if (::getgrouplist(pw.pw_name, gid, gs.data(), &n) < 0 && n > 0 && n <= 65536) {
    gs.resize(static_cast<size_t>(n));
    if (::getgrouplist(pw.pw_name, gid, gs.data(), &n) < 0) n = 0;
  }
  p.groups.clear();
  for (int i = 0; i < n && i < static_cast<int>(gs.size()); ++i) p.groups.push_back(gs[static_cast<size_t>(i)]);
  return p;
}

Result<Peer> peer_of(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return make_error(ErrorKind::io, std::string("SO_PEERCRED: ") + std::strerror(errno));
  return peer_for(cred.uid, cred.gid, cred.pid);
}

}  // namespace ups::daemon
