// Array and per-CPU array maps: Linux arraymap.c behaviour.
#include <vector>

#include "bpf/maps/array_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::make_map;
using test::read_as;

// Linux: array elements always exist and start zeroed; an index past
// max_entries has no element.
TEST(ArrayMap, LookupInRangeIsZeroedAndOutOfRangeIsNull) {
  auto m = make_map(make_def(MapType::array, 4, 12, 3));
  for (u32 i = 0; i < 3; ++i) {
    auto* v = static_cast<u8*>(m->lookup(&i, 0));
    ASSERT_NE(v, nullptr);
    for (int b = 0; b < 12; ++b) EXPECT_EQ(v[b], 0);
  }
  u32 past = 3;
  EXPECT_EQ(m->lookup(&past, 0), nullptr);
}

// Linux array_map_update_elem: flag and index checks in this order.
TEST(ArrayMap, UpdateFlagsFollowLinux) {
  struct Case {
    const char* what;
    u32 index;
    u64 flags;
    int expect;
  } cases[] = {
      {"BPF_ANY writes", 1, BPF_ANY, 0},
      {"BPF_EXIST writes (every element exists)", 1, BPF_EXIST, 0},
      {"BPF_NOEXIST gives -EEXIST", 1, BPF_NOEXIST, -EEXIST},
      {"unknown flag 3 gives -EINVAL", 1, 3, -EINVAL},
      {"unknown flag 8 gives -EINVAL", 1, 8, -EINVAL},
      {"index past the end gives -E2BIG", 5, BPF_ANY, -E2BIG},
      {"bad flags win over a bad index", 5, 3, -EINVAL},
      {"BPF_F_LOCK without a spin lock gives -EINVAL", 1, BPF_F_LOCK, -EINVAL},
  };
  for (const auto& c : cases) {
    auto m = make_map(make_def(MapType::array, 4, 8, 4));
    u64 value = 0x1122334455667788ULL;
    EXPECT_EQ(m->update(&c.index, &value, c.flags, 0), c.expect) << c.what;
    if (c.expect == 0) {
      EXPECT_EQ(read_as<u64>(m->lookup(&c.index, 0)), value) << c.what;
    }
  }
}

// Linux: array elements cannot be deleted.
TEST(ArrayMap, DeleteReturnsEinval) {
  auto m = make_map(make_def(MapType::array, 4, 8, 4));
  u32 k = 0;
  EXPECT_EQ(m->remove(&k), -EINVAL);
}

// Linux array_map_get_next_key: null or out-of-range key gives 0, the last
// index gives -ENOENT.
TEST(ArrayMap, GetNextKeyWalksIndices) {
  auto m = make_map(make_def(MapType::array, 4, 8, 3));
  u32 next = 99;
  ASSERT_EQ(m->get_next_key(nullptr, &next), 0);
  EXPECT_EQ(next, 0u);
  u32 k = 0;
  ASSERT_EQ(m->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 1u);
  k = 2;
  EXPECT_EQ(m->get_next_key(&k, &next), -ENOENT);
  k = 77;
  ASSERT_EQ(m->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 0u);
}

// Global data sections are 1-entry arrays starting with the section bytes;
// .rodata (BPF_F_RDONLY_PROG) is a read-only region for programs.
TEST(ArrayMap, GlobalDataStartsWithSectionBytesAndRodataIsReadOnly) {
  MapDef d = make_def(MapType::array, 4, 16, 1, BPF_F_RDONLY_PROG, ".rodata");
  d.global = GlobalKind::rodata;
  d.initial = {1, 2, 3, 4, 5};
  auto m = make_map(d);
  u32 k = 0;
  auto* v = static_cast<u8*>(m->lookup(&k, 0));
  EXPECT_EQ(std::vector<u8>(v, v + 6), (std::vector<u8>{1, 2, 3, 4, 5, 0}));
  int regions = 0;
  m->for_each_region([&](void* p, std::size_t n, bool writable) {
    ++regions;
    EXPECT_EQ(p, v);
    EXPECT_GE(n, 16u);
    EXPECT_FALSE(writable);
  });
  EXPECT_EQ(regions, 1);
}

// Values are 8-byte aligned and the element stride is round_up(value_size, 8)
// (Linux elem_size), so value pointers are stable and aligned.
TEST(ArrayMap, ValuesAreAlignedWithEightByteStride) {
  auto m = make_map(make_def(MapType::array, 4, 5, 4));
  u32 k0 = 0, k1 = 1;
  auto a = reinterpret_cast<std::uintptr_t>(m->lookup(&k0, 0));
  auto b = reinterpret_cast<std::uintptr_t>(m->lookup(&k1, 0));
  EXPECT_EQ(a % 8, 0u);
  EXPECT_EQ(b - a, 8u);
}

// Linux copy_map_value: an update leaves the bpf_spin_lock field alone.
TEST(ArrayMap, UpdateKeepsTheSpinLockField) {
  MapDef d = make_def(MapType::array, 4, 16, 1);
  d.spin_lock_off = 8;
  auto m = make_map(d);
  u32 k = 0;
  auto* v = static_cast<u8*>(m->lookup(&k, 0));
  u32 locked = 1;
  std::memcpy(v + 8, &locked, 4);
  u8 newval[16];
  std::memset(newval, 0xab, sizeof newval);
  ASSERT_EQ(m->update(&k, newval, BPF_F_LOCK, 0), 0);
  EXPECT_EQ(read_as<u32>(v + 8), 1u);
  EXPECT_EQ(v[0], 0xab);
  EXPECT_EQ(v[12], 0xab);
}

// Linux: an update copies around a __kptr field and frees the object the
// element held (bpf_obj_free_fields).
TEST(ArrayMap, UpdateKeepsTheKptrFieldAndReleasesItsObject) {
  MapDef d = make_def(MapType::array, 4, 16, 1);
  d.kptrs.push_back(KptrField{8, 1});
  auto m = make_map(d);
  std::vector<u64> released;
  m->set_kptr_releaser([&](u64 obj) { released.push_back(obj); });
  u32 k = 0;
  auto* v = static_cast<u8*>(m->lookup(&k, 0));
  const u64 obj = 0x1234;
  std::memcpy(v + 8, &obj, 8);
  u8 newval[16];
  std::memset(newval, 0xab, sizeof newval);
  ASSERT_EQ(m->update(&k, newval, 0, 0), 0);
  EXPECT_EQ(v[0], 0xab);
  EXPECT_EQ(read_as<u64>(v + 8), 0u);  // not 0xabab...: the update never writes the slot
  EXPECT_EQ(released, std::vector<u64>{obj});
}

// Linux: a per-CPU array lookup gives the running CPU's copy only.
TEST(PercpuArrayMap, LookupSeesOnlyThisCpusValue) {
  auto m = make_map(make_def(MapType::percpu_array, 4, 8, 2), 4);
  u32 k = 1;
  for (int cpu = 0; cpu < 4; ++cpu) {
    u64 v = 100 + cpu;
    ASSERT_EQ(m->update(&k, &v, BPF_ANY, cpu), 0);
  }
  for (int cpu = 0; cpu < 4; ++cpu) EXPECT_EQ(read_as<u64>(m->lookup(&k, cpu)), 100u + cpu);
  EXPECT_NE(m->lookup(&k, 0), m->lookup(&k, 1));
}

// Linux bpf_percpu_array_copy/update: the host reads and writes every CPU's
// copy, each padded to 8 bytes.
TEST(PercpuArrayMap, HostSeesEveryCpuPaddedToEightBytes) {
  auto m = make_map(make_def(MapType::percpu_array, 4, 4, 1), 3);
  EXPECT_EQ(m->host_value_size(), 24u);
  u32 k = 0;
  for (int cpu = 0; cpu < 3; ++cpu) {
    u32 v = 7 * (cpu + 1);
    ASSERT_EQ(m->update(&k, &v, BPF_ANY, cpu), 0);
  }
  u8 all[24];
  ASSERT_EQ(m->host_lookup(&k, all), 0);
  EXPECT_EQ(read_as<u32>(all + 0), 7u);
  EXPECT_EQ(read_as<u32>(all + 8), 14u);
  EXPECT_EQ(read_as<u32>(all + 16), 21u);

  u8 set[24] = {};
  for (int cpu = 0; cpu < 3; ++cpu) {
    u32 v = 1000 + cpu;
    std::memcpy(set + 8 * cpu, &v, 4);
  }
  ASSERT_EQ(m->host_update(&k, set, BPF_ANY), 0);
  for (int cpu = 0; cpu < 3; ++cpu) EXPECT_EQ(read_as<u32>(m->lookup(&k, cpu)), 1000u + cpu);
  EXPECT_EQ(m->host_update(&k, set, BPF_F_LOCK), -EINVAL);
}

}  // namespace
}  // namespace ups::bpf
