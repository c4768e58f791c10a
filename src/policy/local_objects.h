// LocalObjects: a policy's allocated objects (bpf_obj_new) and the rbtrees
// holding them (bpf_rbtree_*), owned by the policy's host and freed with
// it. Bounded: past max_objects or max_bytes an allocation fails (the
// program sees NULL, which the verifier made it handle). Every operation
// checks its arguments again behind the verifier and reports a misuse as a
// message, never touching memory it does not own.
//
// A tree is a vector of its nodes in `less` order, keyed by the root's
// address; insertion calls the program's `less` callback (through the
// caller's SubprogInvoker) for a binary search, as Linux's rb_add_cached
// walks its tree: a node goes after the nodes it is not less than.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/types.h"

namespace ups::policy {

class LocalObjects {
public:
  struct Limits {
    u64 max_objects = 1u << 20;
    u64 max_bytes = u64{256} << 20;
  };
  // A type bpf_obj_new may allocate: its size and where its bpf_rb_node is
  // (-1: none).
  struct Type {
    u32 size = 0;
    s32 node_off = -1;
  };
  // less(a, b) on two node addresses; nullopt when the callback failed
  // (the run is stopping).
  using Less = std::function<std::optional<bool>(u64 a, u64 b)>;

  explicit LocalObjects(Limits limits) : limits_(limits) {}
  LocalObjects() : LocalObjects(Limits{}) {}

  // A zeroed object of `type` (registered with add_type), or 0 when the
  // budget is spent.
  u64 alloc(u32 type);
  void add_type(u32 id, Type t) { types_[id] = t; }
  const Type* type(u32 id) const;
  // "" or why addr cannot be dropped (not an object's start, in a tree).
  std::string drop(u64 addr);
  // The object holding [addr, addr + size), as [begin, end).
  std::optional<std::pair<u64, u64>> region_at(u64 addr, u64 size) const;

  // The rbtree operations; node addresses point at the bpf_rb_node.
  // add: "" or why not; a failed less leaves the tree unchanged.
  std::string rbtree_add(u64 root, u64 node, const Less& less);
  u64 rbtree_first(u64 root) const;  // 0: empty
  u64 rbtree_remove(u64 root, u64 node);  // 0: not in that tree

  u64 live() const { return objects_.size(); }
  u64 live_bytes() const { return bytes_; }
  // Changes whenever an object is freed (PolicyMemory forgets regions).
  u64 generation() const { return generation_; }

private:
  struct Object {
    std::unique_ptr<u8[]> bytes;
    u32 size = 0;
    u32 type = 0;
    u64 tree = 0;  // the root holding it, 0 for none
  };
  // The object whose bpf_rb_node is at `node`, or null.
  Object* node_object(u64 node, std::string* why);

  Limits limits_;
  std::unordered_map<u32, Type> types_;
  std::map<u64, Object> objects_;  // by address: region_at is a lookup
  std::unordered_map<u64, std::vector<u64>> trees_;  // root -> nodes in order
  u64 bytes_ = 0;
  u64 generation_ = 0;
};

}  // namespace ups::policy
