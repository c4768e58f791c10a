// MapOfMaps: BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS. A
// program's lookup returns the inner map itself (a Map*, usable as the map
// argument of further helper calls), or null for an empty slot. Inner maps
// are installed by the host, which in Linux passes a map fd: set_inner takes
// the map, update takes a u32 fd-like index resolved through the resolver
// the host registers. Every inner map must match the declared inner
// definition (type, key and value size, flags, and max_entries unless the
// inner definition has BPF_F_INNER_MAP), as bpf_map_meta_equal checks.
// The outer map holds a reference to each inner map it stores.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "bpf/maps/hash_table.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

inline constexpr u32 BPF_F_INNER_MAP = 1u << 12;

using InnerMapResolver = std::function<std::shared_ptr<Map>(u32 fd)>;

class MapOfMaps final : public Map {
public:
  MapOfMaps(const MapDef& def, int nr_cpus);

  void* lookup(const void* key, int cpu) override { return inner(key); }
  Map* inner(const void* key) const;
  // 0, -EINVAL (incompatible map or bad flags), -E2BIG, -EEXIST, -ENOENT.
  int set_inner(const void* key, std::shared_ptr<Map> map, u64 flags);
  // Whether `m` may be stored in this map.
  bool compatible(const Map& m) const;

  // value = u32 fd, resolved with the resolver (-EBADF when unknown).
  int update(const void* key, const void* value, u64 flags, int cpu) override;
  int remove(const void* key) override;
  int host_lookup(const void* key, void* value_out) override;
  int get_next_key(const void* key, void* next_key) override;
  void for_each_region(const RegionFn&) const override {}
  std::size_t memory_bytes() const override;
  void set_resolver(InnerMapResolver r) { resolver_ = std::move(r); }

private:
  bool is_array_;
  std::vector<std::shared_ptr<Map>> slots_;  // array: by index; hash: by node
  std::unique_ptr<HashTable> table_;         // hash of maps: key -> node
  InnerMapResolver resolver_;
};

}  // namespace ups::bpf
