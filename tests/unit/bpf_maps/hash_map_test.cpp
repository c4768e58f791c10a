// Hash and per-CPU hash maps: Linux hashtab.c behaviour.
#include <map>
#include <set>

#include "base/rng.h"
#include "bpf/maps/hash_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::make_map;
using test::read_as;

// Linux htab_map_update_elem: -EINVAL for unknown flags, check_flags
// (-EEXIST / -ENOENT) before allocation, -E2BIG when no element is free.
TEST(HashMap, UpdateFlagsFollowLinux) {
  struct Case {
    const char* what;
    bool key_present;
    bool map_full;
    u64 flags;
    int expect;
  } cases[] = {
      {"BPF_ANY inserts", false, false, BPF_ANY, 0},
      {"BPF_ANY replaces", true, false, BPF_ANY, 0},
      {"BPF_NOEXIST inserts a new key", false, false, BPF_NOEXIST, 0},
      {"BPF_NOEXIST on an existing key gives -EEXIST", true, false, BPF_NOEXIST, -EEXIST},
      {"BPF_EXIST on a missing key gives -ENOENT", false, false, BPF_EXIST, -ENOENT},
      {"BPF_EXIST replaces", true, false, BPF_EXIST, 0},
      {"a new key in a full map gives -E2BIG", false, true, BPF_ANY, -E2BIG},
      {"replacing in a full map works", true, true, BPF_ANY, 0},
      {"BPF_NOEXIST on an existing key in a full map gives -EEXIST", true, true, BPF_NOEXIST, -EEXIST},
      {"unknown flags give -EINVAL", true, false, 3, -EINVAL},
      {"BPF_F_LOCK without a spin lock gives -EINVAL", true, false, BPF_F_LOCK, -EINVAL},
  };
  for (const auto& c : cases) {
    for (u32 flags : {0u, BPF_F_NO_PREALLOC}) {
      auto m = make_map(make_def(MapType::hash, 4, 8, 4, flags));
      u32 key = 42;
      u64 old_value = 1, new_value = 2;
      if (c.key_present) {
        ASSERT_EQ(m->update(&key, &old_value, BPF_ANY, 0), 0);
      }
      for (u32 k = 100; c.map_full && static_cast<HashMap*>(m.get())->size() < 4; ++k)
        ASSERT_EQ(m->update(&k, &old_value, BPF_ANY, 0), 0);
      EXPECT_EQ(m->update(&key, &new_value, c.flags, 0), c.expect) << c.what << " flags " << flags;
      void* v = m->lookup(&key, 0);
      if (c.expect == 0) {
        ASSERT_NE(v, nullptr) << c.what;
        EXPECT_EQ(read_as<u64>(v), new_value) << c.what;
      } else if (c.key_present) {
        EXPECT_EQ(read_as<u64>(v), old_value) << c.what;
      } else {
        EXPECT_EQ(v, nullptr) << c.what;
      }
    }
  }
}

// Linux htab_map_delete_elem: a missing key gives -ENOENT; the freed
// element can be used again.
TEST(HashMap, DeleteMissingKeyGivesEnoentAndFreesRoom) {
  auto m = make_map(make_def(MapType::hash, 8, 8, 2));
  u64 a = 1, b = 2, c = 3, v = 9;
  ASSERT_EQ(m->update(&a, &v, BPF_ANY, 0), 0);
  ASSERT_EQ(m->update(&b, &v, BPF_ANY, 0), 0);
  EXPECT_EQ(m->update(&c, &v, BPF_ANY, 0), -E2BIG);
  EXPECT_EQ(m->remove(&c), -ENOENT);
  EXPECT_EQ(m->remove(&a), 0);
  EXPECT_EQ(m->lookup(&a, 0), nullptr);
  EXPECT_EQ(m->update(&c, &v, BPF_ANY, 0), 0);
}

// Linux htab_map_get_next_key: a missing key restarts at the first key;
// the walk visits every key once and ends with -ENOENT; the order is the
// same for the same operations (no address- or seed-dependent order).
TEST(HashMap, GetNextKeyVisitsEveryKeyOnceInAFixedOrder) {
  auto walk = [](Map& m) {
    std::vector<u32> order;
    u32 k, next;
    const void* prev = nullptr;
    while (m.get_next_key(prev, &next) == 0) {
      order.push_back(next);
      k = next;
      prev = &k;
    }
    return order;
  };
  auto fill = [] {
    auto m = make_map(make_def(MapType::hash, 4, 4, 64));
    for (u32 i = 0; i < 40; ++i) {
      u32 k = i * 7919, v = i;
      EXPECT_EQ(m->update(&k, &v, BPF_ANY, 0), 0);
    }
    return m;
  };
  auto m1 = fill(), m2 = fill();
  auto o1 = walk(*m1);
  EXPECT_EQ(o1, walk(*m2));
  EXPECT_EQ(o1.size(), 40u);
  EXPECT_EQ(std::set<u32>(o1.begin(), o1.end()).size(), 40u);
  u32 missing = 5, next;
  ASSERT_EQ(m1->get_next_key(&missing, &next), 0);
  EXPECT_EQ(next, o1.front());
}

// Values live in stable memory: a pointer taken before the map grows (no
// prealloc) still points at the same element afterwards.
TEST(HashMap, ValuePointersStayValidWhileTheMapGrows) {
  auto m = make_map(make_def(MapType::hash, 4, 8, 10000, BPF_F_NO_PREALLOC));
  u32 k0 = 0;
  u64 v0 = 0xfeed;
  ASSERT_EQ(m->update(&k0, &v0, BPF_ANY, 0), 0);
  void* p = m->lookup(&k0, 0);
  u64 gen = m->region_generation();
  for (u32 k = 1; k < 5000; ++k) {
    u64 v = k;
    ASSERT_EQ(m->update(&k, &v, BPF_ANY, 0), 0);
  }
  EXPECT_EQ(m->lookup(&k0, 0), p);
  EXPECT_EQ(read_as<u64>(p), 0xfeedu);
  EXPECT_GT(m->region_generation(), gen);
  std::size_t region_bytes = 0;
  m->for_each_region([&](void*, std::size_t n, bool) { region_bytes += n; });
  EXPECT_GE(region_bytes, 5000u * 8);
}

// A randomized run against an ordered model: every lookup, update and
// delete answers as the model says (Linux semantics of each operation).
TEST(HashMap, RandomOperationsMatchAModel) {
  for (u32 flags : {0u, BPF_F_NO_PREALLOC}) {
    auto m = make_map(make_def(MapType::hash, 8, 16, 50, flags));
    std::map<u64, u64> model;
    Rng rng(1234);
    for (int step = 0; step < 20000; ++step) {
      u64 key = rng.uniform(0, 80);
      u64 val[2] = {rng.next_u64(), 0};
      switch (rng.uniform(0, 3)) {
        case 0: {
          void* v = m->lookup(&key, 0);
          auto it = model.find(key);
          ASSERT_EQ(v != nullptr, it != model.end());
          if (v) {
            ASSERT_EQ(read_as<u64>(v), it->second);
          }
          break;
        }
        case 1:
        case 2: {
          u64 f = rng.uniform(0, 2);
          bool present = model.count(key) > 0;
          int expect = 0;
          if (present && f == BPF_NOEXIST) expect = -EEXIST;
          else if (!present && f == BPF_EXIST) expect = -ENOENT;
          else if (!present && model.size() >= 50) expect = -E2BIG;
          ASSERT_EQ(m->update(&key, val, f, 0), expect);
          if (expect == 0) model[key] = val[0];
          break;
        }
        case 3:
          ASSERT_EQ(m->remove(&key), model.erase(key) ? 0 : -ENOENT);
          break;
      }
    }
  }
}

// Linux per-CPU hash: a program's update writes its CPU's copy; a new
// element has the other CPUs' copies zeroed (pcpu_init_value).
TEST(PercpuHashMap, NewElementHasOtherCpusZeroedAndUpdatesTouchOneCpu) {
  auto m = make_map(make_def(MapType::percpu_hash, 4, 8, 8), 3);
  u32 k = 5;
  u64 v = 11;
  ASSERT_EQ(m->update(&k, &v, BPF_ANY, 1), 0);
  EXPECT_EQ(read_as<u64>(m->lookup(&k, 0)), 0u);
  EXPECT_EQ(read_as<u64>(m->lookup(&k, 1)), 11u);
  EXPECT_EQ(read_as<u64>(m->lookup(&k, 2)), 0u);
  v = 22;
  ASSERT_EQ(m->update(&k, &v, BPF_EXIST, 2), 0);
  EXPECT_EQ(read_as<u64>(m->lookup(&k, 1)), 11u);
  EXPECT_EQ(read_as<u64>(m->lookup(&k, 2)), 22u);
  EXPECT_EQ(m->update(&k, &v, BPF_F_LOCK, 0), -EINVAL);
  u64 all[3];
  ASSERT_EQ(m->host_lookup(&k, all), 0);
  EXPECT_EQ(all[0], 0u);
  EXPECT_EQ(all[1], 11u);
  EXPECT_EQ(all[2], 22u);
}

// Linux: a deleted element frees the object its __kptr field held.
TEST(HashMap, DeleteReleasesTheObjectOfAKptrField) {
  MapDef d = make_def(MapType::hash, 4, 8, 4);
  d.kptrs.push_back(KptrField{0, 1});
  auto m = make_map(d);
  std::vector<u64> released;
  m->set_kptr_releaser([&](u64 obj) { released.push_back(obj); });
  u32 k = 3;
  u64 zero = 0;
  ASSERT_EQ(m->update(&k, &zero, 0, 0), 0);
  const u64 obj = 0x5678;
  std::memcpy(m->lookup(&k, 0), &obj, 8);
  ASSERT_EQ(m->remove(&k), 0);
  EXPECT_EQ(released, std::vector<u64>{obj});
}

}  // namespace
}  // namespace ups::bpf
