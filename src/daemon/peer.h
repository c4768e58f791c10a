// Peer: who is at the other end of a client's socket, as the kernel says
// (SO_PEERCRED: uid, gid, pid at connect time) and the group database adds
// (the supplementary groups of the uid's user, getgrouplist). Never what
// the client claims: a request carries no identity.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace ups::daemon {

struct Peer {
  Principal principal;
  pid_t pid = 0;
  std::string user;         // the passwd name, or "uid N" without one
  std::vector<u32> groups;  // supplementary groups (the primary gid included)

  // "alice (uid 1001, pid 4242)"
  std::string describe() const;
};

// The credentials of a connected Unix socket's peer.
Result<Peer> peer_of(int fd);
// A peer as the group database describes uid/gid (tests; peer_of uses it).
Peer peer_for(u32 uid, u32 gid, pid_t pid);

}  // namespace ups::daemon
