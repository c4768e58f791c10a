// ClassCount: how many classes each principal (uid, gid) has loaded at
// once, for the admission limit max_classes. Every host that loads classes
// (the simulator's and the daemon's policy factories) counts through it,
// so a limit means the same wherever a class is loaded. A load holds one
// count until its class goes: the class keeps the handle hold() returns.
// Loads may come from several threads (the daemon), so the count locks.
// Copies share one count (a policy factory holding it is copied freely).
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "base/types.h"

namespace ups::security {

class ClassCount {
public:
  ClassCount();

  // The classes `who` holds now.
  u32 loaded(const Principal& who) const;
  // What admission compares with max_classes before a load by `who`. A
  // replacement takes its predecessor's place: while it loads, the class
  // it replaces is still held, so a replacement of one of `who`'s own
  // classes does not count that one.
  u32 before_load(const Principal& who, bool replaces_own_class) const;
  // One more class of `who`, counted until the last copy of the handle
  // goes. The handle may outlive this ClassCount.
  std::shared_ptr<const void> hold(const Principal& who);

private:
  struct Live {
    mutable std::mutex mu;
    std::map<u64, u32> by_principal;  // principal_key -> classes held
  };
  class Held;
  static u64 key(const Principal& who);

  std::shared_ptr<Live> live_;
};

}  // namespace ups::security
