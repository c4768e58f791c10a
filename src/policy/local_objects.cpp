// LocalObjects (local_objects.h): the allocator and the rbtrees behind the
// bpf_obj_* and bpf_rbtree_* kfuncs.
#include "policy/local_objects.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups::policy {

const LocalObjects::Type* LocalObjects::type(u32 id) const {
  auto it = types_.find(id);
  return it == types_.end() ? nullptr : &it->second;
}

u64 LocalObjects::alloc(u32 type_id) {
  const Type* t = type(type_id);
  if (!t || t->size == 0) return 0;
  if (objects_.size() >= limits_.max_objects || bytes_ + t->size > limits_.max_bytes) return 0;
  Object o;
  o.bytes = std::make_unique<u8[]>(t->size);  // zeroed, as bpf_obj_new's
  o.size = t->size;
  o.type = type_id;
  const u64 addr = reinterpret_cast<u64>(o.bytes.get());
  objects_.emplace(addr, std::move(o));
  bytes_ += t->size;
  return addr;
}

std::string LocalObjects::drop(u64 addr) {
  auto it = objects_.find(addr);
  if (it == objects_.end()) return fmt::format("0x{:x} is not an object from bpf_obj_new", addr);
  if (it->second.tree) return fmt::format("0x{:x} is in an rbtree", addr);
  bytes_ -= it->second.size;
  objects_.erase(it);
  ++generation_;
  return "";
}

std::optional<std::pair<u64, u64>> LocalObjects::region_at(u64 addr, u64 size) const {
  auto it = objects_.upper_bound(addr);
  if (it == objects_.begin()) return std::nullopt;
  --it;
  const u64 b = it->first, e = b + it->second.size;
  if (addr - b > it->second.size || size > e - addr) return std::nullopt;
  return std::pair{b, e};
}

LocalObjects::Object* LocalObjects::node_object(u64 node, std::string* why) {
  auto it = objects_.upper_bound(node);
  if (it != objects_.begin()) {
    --it;
    const Type* t = type(it->second.type);
    if (t && t->node_off >= 0 && it->first + static_cast<u64>(t->node_off) == node) return &it->second;
  }
  if (why) *why = fmt::format("0x{:x} is not the bpf_rb_node of an object from bpf_obj_new", node);
  return nullptr;
}

std::string LocalObjects::rbtree_add(u64 root, u64 node, const Less& less) {
  std::string why;
  Object* o = node_object(node, &why);
  if (!o) return why;
  if (o->tree) return fmt::format("0x{:x} is already in an rbtree", node);
  std::vector<u64>& nodes = trees_[root];
  // The first node the new one is less than: it goes before it.
  size_t lo = 0, hi = nodes.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const auto is_less = less(node, nodes[mid]);
    if (!is_less) return "";  // the callback failed: the run stops, the tree is unchanged
    if (*is_less) hi = mid;
    else lo = mid + 1;
  }
  nodes.insert(nodes.begin() + static_cast<long>(lo), node);
  o->tree = root;
  return "";
}

u64 LocalObjects::rbtree_first(u64 root) const {
  auto it = trees_.find(root);
  return it == trees_.end() || it->second.empty() ? 0 : it->second.front();
}

u64 LocalObjects::rbtree_remove(u64 root, u64 node) {
  Object* o = node_object(node, nullptr);
  if (!o || o->tree != root) return 0;
  std::vector<u64>& nodes = trees_[root];
  auto it = std::find(nodes.begin(), nodes.end(), node);
  if (it == nodes.end()) return 0;
  nodes.erase(it);
  o->tree = 0;
  return node;
}

}  // namespace ups::policy
