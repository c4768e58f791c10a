// Helpers the daemon's session and work tests share: a policy object's
// bytes, and a peer as SO_PEERCRED and the group database would give it.
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "daemon/peer.h"

namespace ups::daemon::test {

inline std::string read_object(const std::string& name) {
  std::ifstream in(std::string(UPS_POLICY_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// uid is also the primary group; `groups` are the supplementary ones.
inline Peer peer(u32 uid, const std::string& name, std::vector<u32> groups = {}) {
  Peer p;
  p.principal = Principal{uid, uid};
  p.pid = 4242;
  p.user = name;
  p.groups = std::move(groups);
  p.groups.push_back(uid);
  return p;
}

}  // namespace ups::daemon::test
