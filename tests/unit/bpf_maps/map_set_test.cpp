// MapSet: the maps of one object, as the VM links them and the host uses them.
#include "bpf/maps/map_of_maps.h"
#include "bpf/maps/map_set.h"
#include "bpf/maps/local_storage_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;

std::vector<MapDef> object_maps() {
  MapDef data = make_def(MapType::array, 4, 16, 1, BPF_F_MMAPABLE, ".data");
  data.global = GlobalKind::data;
  data.initial = {7, 0, 0, 0};
  MapDef inner = make_def(MapType::queue, 0, 4, 8, 0, "q");
  MapDef outer = make_def(MapType::array_of_maps, 4, 4, 2, 0, "queues");
  outer.inner = std::make_shared<MapDef>(inner);
  return {make_def(MapType::hash, 4, 8, 16, 0, "counts"), data, inner, outer,
          make_def(MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC, "task_ctx")};
}

// Handles are the maps in index order; arrays (global data) have a value
// base holding the section's bytes; others have none.
TEST(MapSet, HandlesAndValueBasesFollowTheIndexOrder) {
  auto set = MapSet::create(object_maps(), 2);
  ASSERT_TRUE(set.has_value()) << set.error().to_string();
  ASSERT_EQ(set->size(), 5u);
  for (std::size_t i = 0; i < set->size(); ++i) EXPECT_EQ(set->handles()[i], &set->at(i));
  EXPECT_EQ(set->value_bases()[0], nullptr);
  ASSERT_NE(set->value_bases()[1], nullptr);
  EXPECT_EQ(*static_cast<u8*>(set->value_bases()[1]), 7);
  EXPECT_EQ(set->find("counts"), &set->at(0));
  EXPECT_EQ(set->find(".data"), &set->at(1));
  EXPECT_EQ(set->find("nope"), nullptr);
  EXPECT_GT(set->memory_bytes(), 0u);
}

// Map-in-map updates from the host take map indices of the set as fds.
TEST(MapSet, MapInMapFdsAreSetIndices) {
  auto set = MapSet::create(object_maps(), 2);
  ASSERT_TRUE(set.has_value());
  u32 k = 1, fd = 2;
  ASSERT_EQ(set->at(3).update(&k, &fd, BPF_ANY, 0), 0);
  EXPECT_EQ(set->at(3).lookup(&k, 0), &set->at(2));
  u32 bad_fd = 0;  // the hash map does not match the inner definition
  EXPECT_EQ(set->at(3).update(&k, &bad_fd, BPF_ANY, 0), -EINVAL);
  u32 no_fd = 99;
  EXPECT_EQ(set->at(3).update(&k, &no_fd, BPF_ANY, 0), -EBADF);
}

// A task exit drops the task's values in every task storage map; a map
// that gains memory changes the set's region generation.
TEST(MapSet, ForgetTaskAndRegionGeneration) {
  auto set = MapSet::create(object_maps(), 2);
  ASSERT_TRUE(set.has_value());
  auto& ts = static_cast<LocalStorageMap&>(set->at(4));
  u64 gen = set->region_generation();
  ASSERT_NE(ts.get(10, nullptr, true), nullptr);
  EXPECT_NE(set->region_generation(), gen);
  set->forget_task(10);
  EXPECT_EQ(ts.get(10, nullptr, false), nullptr);
  std::size_t regions = 0;
  set->for_each_region([&](void*, std::size_t, bool) { ++regions; });
  EXPECT_GE(regions, 3u);  // hash, .data, task storage chunk
}

// A map-in-map initialiser (`.values = { [1] = &q }`) is in place when the
// set exists: lookups of the slot give the inner map, other slots are empty;
// a hash of maps takes the slot as its u32 key.
TEST(MapSet, InitialInnerMapsAreInTheirSlots) {
  auto defs = object_maps();
  defs[3].inner_slots = {{1, 2}};
  MapDef by_key = make_def(MapType::hash_of_maps, 4, 4, 8, 0, "by_key");
  by_key.inner = defs[3].inner;
  by_key.inner_slots = {{7, 2}};
  defs.push_back(by_key);
  auto set = MapSet::create(defs, 2);
  ASSERT_TRUE(set.has_value()) << set.error().to_string();
  u32 zero = 0, one = 1, seven = 7;
  EXPECT_EQ(set->at(3).lookup(&one, 0), &set->at(2));
  EXPECT_EQ(set->at(3).lookup(&zero, 0), nullptr);
  EXPECT_EQ(set->at(5).lookup(&seven, 0), &set->at(2));
  EXPECT_EQ(set->at(5).lookup(&one, 0), nullptr);
}

// An initialiser the maps cannot honour fails the set, naming the outer map
// and the slot.
TEST(MapSet, BadInitialInnerMapsNameTheSlot) {
  struct Case { std::vector<InnerMapSlot> slots; const char* error; };
  const Case cases[] = {
      {{{2, 2}}, "map queues: initial slot 2: beyond max_entries 2"},
      {{{0, 0}}, "map queues: initial slot 0: map counts does not match the inner map definition"},
      {{{1, 9}}, "map queues: initial slot 1: map index 9 is not another map of this object"},
      {{{1, 3}}, "map queues: initial slot 1: map index 3 is not another map of this object"},
  };
  for (const auto& c : cases) {
    auto defs = object_maps();
    defs[3].inner_slots = c.slots;
    auto set = MapSet::create(defs, 2);
    ASSERT_FALSE(set.has_value()) << c.error;
    EXPECT_EQ(set.error().to_string().rfind(c.error, 0), 0u) << set.error().to_string();
  }
  auto defs = object_maps();
  defs[0].inner_slots = {{0, 2}};
  auto set = MapSet::create(defs, 2);
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().to_string(), "map counts: has initial inner maps but is not a map of maps");
}

// A bad definition fails the whole set, naming the map.
TEST(MapSet, BadDefinitionNamesTheMap) {
  auto defs = object_maps();
  defs[2].value_size = 0;
  auto set = MapSet::create(defs, 2);
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().to_string().rfind("map q: value_size", 0), 0u) << set.error().to_string();
}

}  // namespace
}  // namespace ups::bpf
