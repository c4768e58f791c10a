// Task storage map: per-task values created on demand.
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

}  // namespace
}  // namespace ups::bpf
