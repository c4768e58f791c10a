// MapSet: the maps of one loaded object, created together from its MapDefs
// (in the loader's map index order) and handed to the VM and the host:
// the handle of each map (the Map*, what `lddw PSEUDO_MAP_IDX` yields), the
// value base of each array map (what `lddw PSEUDO_MAP_IDX_VALUE` adds its
// offset to; global data), every region a checked interpreter may allow,
// the total memory for the per-class limit, and task exit for every task
// storage map. Map-in-map outer maps resolve "fds" as map indices of the set,
// and their initialisers (MapDef::inner_slots) are filled at creation.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bpf/map_def.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

class MapSet {
public:
  // Errors name the failing map (create_map's message, or the initial
  // slot of a map-in-map that cannot take its inner map).
  // memory: where values live (create_map); kept for maps made later
  // (inner maps).
  static Result<MapSet> create(std::span<const MapDef> defs, int nr_cpus,
                               std::shared_ptr<ValueMemory> memory = nullptr);
  const std::shared_ptr<ValueMemory>& memory() const { return memory_; }

  std::size_t size() const { return maps_.size(); }
  Map& at(std::size_t index) const { return *maps_[index]; }
  std::shared_ptr<Map> shared(std::size_t index) const { return maps_[index]; }
  // By MapDef::name (a map's symbol, or a global-data section); null if none.
  Map* find(std::string_view name) const;

  // For vm::LinkInputs: handles()[i] is map i; value_bases()[i] is element 0
  // of map i when it is an array (null otherwise).
  std::span<void* const> handles() const { return handles_; }
  std::span<void* const> value_bases() const { return value_bases_; }

  void for_each_region(const RegionFn& fn) const;
  // Changes whenever some map's regions change.
  u64 region_generation() const;
  std::size_t memory_bytes() const;
  // A task exited: drop its value from every task storage map.
  void forget_task(u64 task_key);

private:
  std::shared_ptr<ValueMemory> memory_;
  Status fill_inner_slots(const MapDef& def, std::size_t index);

  std::vector<std::shared_ptr<Map>> maps_;
  std::vector<void*> handles_, value_bases_;
};

}  // namespace ups::bpf
