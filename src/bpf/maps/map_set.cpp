// MapSet: creation in index order and the per-set views.
#include "bpf/maps/map_set.h"

#include <cerrno>
#include <utility>

#include <fmt/format.h>

#include "bpf/maps/map_factory.h"
#include "bpf/maps/map_of_maps.h"
#include "bpf/maps/local_storage_map.h"

namespace ups::bpf {

Result<MapSet> MapSet::create(std::span<const MapDef> defs, int nr_cpus, std::shared_ptr<ValueMemory> memory) {
  MapSet set;
  set.memory_ = std::move(memory);
  for (const MapDef& def : defs) {
    auto m = create_map(def, nr_cpus, set.memory_);
    if (!m) return tl::unexpected(m.error());
    std::shared_ptr<Map> map(std::move(*m));
    const u32 key0 = 0;
    set.handles_.push_back(map.get());
    set.value_bases_.push_back(def.type == MapType::array ? map->lookup(&key0, 0) : nullptr);
    set.maps_.push_back(std::move(map));
  }
  // Map-in-map "fds" are indices into this set. The resolver holds the maps
  // weakly: an outer map must not keep its own set alive.
  std::vector<std::weak_ptr<Map>> weak(set.maps_.begin(), set.maps_.end());
  for (const auto& m : set.maps_) {
    if (m->type() != MapType::array_of_maps && m->type() != MapType::hash_of_maps) continue;
    static_cast<MapOfMaps&>(*m).set_resolver([weak](u32 fd) -> std::shared_ptr<Map> {
      return fd < weak.size() ? weak[fd].lock() : nullptr;
    });
  }
  for (std::size_t i = 0; i < defs.size(); ++i)
    if (auto st = set.fill_inner_slots(defs[i], i); !st) return tl::unexpected(st.error());
  return set;
}

// libbpf init_map_in_map_slots: after every map exists, each slot of a
// map-in-map initialiser gets its inner map, checked like a host update.
Status MapSet::fill_inner_slots(const MapDef& def, std::size_t index) {
  if (def.inner_slots.empty()) return {};
  SourceLoc where;
  where.what = fmt::format("map {}", def.name);
  auto refuse = [&](const InnerMapSlot& s, std::string why) {
    return make_error(ErrorKind::rejected, fmt::format("initial slot {}: {}", s.slot, why), where);
  };
  if (def.type != MapType::array_of_maps && def.type != MapType::hash_of_maps)
    return make_error(ErrorKind::rejected, "has initial inner maps but is not a map of maps", where);
  if (def.key_size != sizeof(u32))
    return make_error(ErrorKind::rejected,
                      fmt::format("has initial inner maps, which need a 4-byte key (key_size is {})", def.key_size), where);
  auto& outer = static_cast<MapOfMaps&>(*maps_[index]);
  for (const InnerMapSlot& s : def.inner_slots) {
    if (s.map_index >= maps_.size() || s.map_index == index)
      return refuse(s, fmt::format("map index {} is not another map of this object", s.map_index));
    switch (outer.set_inner(&s.slot, maps_[s.map_index], BPF_ANY)) {
      case 0: break;
      case -E2BIG: return refuse(s, fmt::format("beyond max_entries {}", def.max_entries));
      case -EINVAL:
        return refuse(s, fmt::format("map {} does not match the inner map definition", maps_[s.map_index]->name()));
      default: return refuse(s, "the map is full");
    }
  }
  return {};
}

Map* MapSet::find(std::string_view name) const {
  for (const auto& m : maps_)
    if (m->name() == name) return m.get();
  return nullptr;
}

void MapSet::for_each_region(const RegionFn& fn) const {
  for (const auto& m : maps_) m->for_each_region(fn);
}

u64 MapSet::region_generation() const {
  u64 g = 0;
  for (const auto& m : maps_) g += m->region_generation();
  return g;
}

std::size_t MapSet::memory_bytes() const {
  std::size_t n = 0;
  for (const auto& m : maps_) n += m->memory_bytes();
  return n;
}

void MapSet::forget_task(u64 task_key) { forget_owner(maps_, MapType::task_storage, task_key); }

}  // namespace ups::bpf
