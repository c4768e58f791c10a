// Local storage maps (task and cgroup storage): per-owner values created on demand.
#include "bpf/maps/local_storage_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::read_as;

std::unique_ptr<LocalStorageMap> make_ts(u32 value_size = 16) {
  auto m = create_map(make_def(MapType::task_storage, 4, value_size, 0, BPF_F_NO_PREALLOC, "ts"), 1);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  return std::unique_ptr<LocalStorageMap>(static_cast<LocalStorageMap*>(m->release()));
}

// Linux bpf_task_storage_get: without F_CREATE an absent value is null;
// with it the value is created from the given bytes (or zeroes) once.
TEST(LocalStorageMap, GetWithoutCreateReturnsNullAndCreateInitialises) {
  auto ts = make_ts();
  EXPECT_EQ(ts->get(7, nullptr, false), nullptr);
  u8 init[16];
  std::memset(init, 0x5a, sizeof init);
  void* v = ts->get(7, init, true);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(static_cast<u8*>(v)[15], 0x5a);
  EXPECT_EQ(ts->get(7, nullptr, false), v);
  EXPECT_EQ(ts->get(7, nullptr, true), v);  // existing value is kept
  void* w = ts->get(8, nullptr, true);
  EXPECT_EQ(read_as<u64>(w), 0u);
  EXPECT_EQ(ts->size(), 2u);
}

// Linux bpf_task_storage_delete: -ENOENT when the task has no value; a task
// exit drops its value.
TEST(LocalStorageMap, DeleteAndTaskExit) {
  auto ts = make_ts();
  ts->get(1, nullptr, true);
  ts->get(2, nullptr, true);
  EXPECT_EQ(ts->remove_owner(1), 0);
  EXPECT_EQ(ts->remove_owner(1), -ENOENT);
  ts->forget_owner(2);
  EXPECT_EQ(ts->get(2, nullptr, false), nullptr);
  EXPECT_EQ(ts->size(), 0u);
}

// Values never move while tasks come and go (programs keep pointers).
TEST(LocalStorageMap, ValuesAreStable) {
  auto ts = make_ts(8);
  void* first = ts->get(1, nullptr, true);
  for (u64 t = 2; t < 3000; ++t) ASSERT_NE(ts->get(t, nullptr, true), nullptr);
  EXPECT_EQ(ts->get(1, nullptr, false), first);
}

// The host view: 4-byte keys holding the task key, update flags as for
// local storage (-EEXIST, -ENOENT), iteration over every task.
TEST(LocalStorageMap, HostViewUsesTaskKeys) {
  auto ts = make_ts(8);
  u32 k = 42;
  u64 v = 5;
  EXPECT_EQ(ts->update(&k, &v, BPF_EXIST, 0), -ENOENT);
  ASSERT_EQ(ts->update(&k, &v, BPF_NOEXIST, 0), 0);
  EXPECT_EQ(ts->update(&k, &v, BPF_NOEXIST, 0), -EEXIST);
  EXPECT_EQ(read_as<u64>(ts->lookup(&k, 0)), 5u);
  EXPECT_EQ(ts->get(42, nullptr, false), ts->lookup(&k, 0));
  u32 next;
  ASSERT_EQ(ts->get_next_key(nullptr, &next), 0);
  EXPECT_EQ(next, 42u);
  EXPECT_EQ(ts->get_next_key(&next, &next), -ENOENT);
}

// BPF_MAP_TYPE_CGRP_STORAGE takes Linux's local storage attributes (a
// 4-byte key, max_entries 0, BPF_F_NO_PREALLOC) and may hold a
// bpf_spin_lock; its values are per cgroup id, and forget_owner drops one
// cgroup's value from every cgroup storage map and no task storage map.
TEST(LocalStorageMap, CgrpStorageAttributesAndOwnerGone) {
  EXPECT_FALSE(create_map(make_def(MapType::cgrp_storage, 4, 8, 0, 0, "cg"), 1));
  EXPECT_FALSE(create_map(make_def(MapType::cgrp_storage, 4, 8, 16, BPF_F_NO_PREALLOC, "cg"), 1));
  EXPECT_FALSE(create_map(make_def(MapType::cgrp_storage, 8, 8, 0, BPF_F_NO_PREALLOC, "cg"), 1));
  MapDef locked = make_def(MapType::cgrp_storage, 4, 8, 0, BPF_F_NO_PREALLOC, "cg");
  locked.spin_lock_off = 0;
  EXPECT_TRUE(create_map(locked, 1));
  std::vector<std::shared_ptr<Map>> maps;
  for (MapType t : {MapType::cgrp_storage, MapType::cgrp_storage, MapType::task_storage}) {
    auto m = create_map(make_def(t, 4, 8, 0, BPF_F_NO_PREALLOC, "m"), 1);
    ASSERT_TRUE(m.has_value()) << m.error().to_string();
    maps.push_back(std::move(*m));
  }
  for (auto& m : maps) {
    static_cast<LocalStorageMap&>(*m).get(3, nullptr, true);
    static_cast<LocalStorageMap&>(*m).get(4, nullptr, true);
  }
  forget_owner(maps, MapType::cgrp_storage, 3);
  EXPECT_EQ(static_cast<LocalStorageMap&>(*maps[0]).get(3, nullptr, false), nullptr);
  EXPECT_EQ(static_cast<LocalStorageMap&>(*maps[1]).get(3, nullptr, false), nullptr);
  EXPECT_NE(static_cast<LocalStorageMap&>(*maps[1]).get(4, nullptr, false), nullptr);
  EXPECT_NE(static_cast<LocalStorageMap&>(*maps[2]).get(3, nullptr, false), nullptr);
}

}  // namespace
}  // namespace ups::bpf
