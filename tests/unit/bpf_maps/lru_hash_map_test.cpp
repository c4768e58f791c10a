// LRU hash map: eviction of the least recently used element.
#include "base/rng.h"
#include "bpf/maps/lru_hash_map.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::make_map;
using test::read_as;

std::vector<u32> recency(const Map& m) {
  std::vector<u32> out;
  for (const auto& k : static_cast<const LruHashMap&>(m).keys_by_recency()) out.push_back(read_as<u32>(k.data()));
  return out;
}

// Linux LRU hash: inserting into a full map evicts the least recently used
// element instead of failing; a lookup makes an element recently used.
TEST(LruHashMap, EvictsTheLeastRecentlyUsed) {
  auto m = make_map(make_def(MapType::lru_hash, 4, 4, 4));
  for (u32 k = 1; k <= 4; ++k) ASSERT_EQ(m->update(&k, &k, BPF_ANY, 0), 0);
  u32 one = 1;
  ASSERT_NE(m->lookup(&one, 0), nullptr);  // 1 is now the most recent; 2 the least
  u32 five = 5;
  ASSERT_EQ(m->update(&five, &five, BPF_ANY, 0), 0);
  u32 two = 2;
  EXPECT_EQ(m->lookup(&two, 0), nullptr);
  for (u32 k : {1u, 3u, 4u, 5u}) EXPECT_NE(m->lookup(&k, 0), nullptr) << k;
  EXPECT_EQ(static_cast<LruHashMap*>(m.get())->size(), 4u);
}

// Updates also count as use; the recency order is what the operations say.
TEST(LruHashMap, UpdatesAndLookupsSetRecency) {
  auto m = make_map(make_def(MapType::lru_hash, 4, 4, 3));
  for (u32 k = 1; k <= 3; ++k) ASSERT_EQ(m->update(&k, &k, BPF_ANY, 0), 0);
  EXPECT_EQ(recency(*m), (std::vector<u32>{3, 2, 1}));
  u32 one = 1;
  u32 v = 10;
  ASSERT_EQ(m->update(&one, &v, BPF_EXIST, 0), 0);
  EXPECT_EQ(recency(*m), (std::vector<u32>{1, 3, 2}));
  u32 two = 2;
  m->lookup(&two, 0);
  EXPECT_EQ(recency(*m), (std::vector<u32>{2, 1, 3}));
  u32 four = 4;
  ASSERT_EQ(m->update(&four, &v, BPF_NOEXIST, 0), 0);  // evicts 3
  EXPECT_EQ(recency(*m), (std::vector<u32>{4, 2, 1}));
  ASSERT_EQ(m->remove(&two), 0);
  EXPECT_EQ(recency(*m), (std::vector<u32>{4, 1}));
}

// Linux htab_lru_map_update_elem: no -E2BIG, but the usual -EEXIST/-ENOENT,
// and BPF_F_LOCK is refused (flags > BPF_EXIST).
TEST(LruHashMap, FlagsFollowLinux) {
  auto m = make_map(make_def(MapType::lru_hash, 4, 8, 2));
  u32 k = 1;
  u64 v = 1;
  ASSERT_EQ(m->update(&k, &v, BPF_ANY, 0), 0);
  EXPECT_EQ(m->update(&k, &v, BPF_NOEXIST, 0), -EEXIST);
  u32 missing = 9;
  EXPECT_EQ(m->update(&missing, &v, BPF_EXIST, 0), -ENOENT);
  EXPECT_EQ(m->update(&k, &v, BPF_F_LOCK, 0), -EINVAL);
  for (u32 i = 10; i < 100; ++i) EXPECT_EQ(m->update(&i, &v, BPF_ANY, 0), 0);
  EXPECT_EQ(m->remove(&missing), -ENOENT);
}

// Linux refuses BPF_F_NO_PREALLOC for LRU maps.
TEST(LruHashMap, NoPreallocIsRefused) {
  auto r = create_map(make_def(MapType::lru_hash, 4, 8, 2, BPF_F_NO_PREALLOC, "lru"), 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().to_string().find("map_flags"), std::string::npos);
  EXPECT_NE(r.error().to_string().find("lru"), std::string::npos);
}

}  // namespace
}  // namespace ups::bpf

namespace ups::bpf {
namespace {

// A randomized run against a list model of exact LRU: after every lookup,
// update and delete the recency order and the contents match.
TEST(LruHashMap, RandomOperationsMatchAnLruModel) {
  auto m = test::make_map(test::make_def(MapType::lru_hash, 4, 4, 16));
  std::vector<std::pair<u32, u32>> model;  // most recent first
  auto find = [&](u32 k) {
    for (std::size_t i = 0; i < model.size(); ++i)
      if (model[i].first == k) return static_cast<int>(i);
    return -1;
  };
  Rng rng(99);
  for (int step = 0; step < 5000; ++step) {
    u32 k = static_cast<u32>(rng.uniform(0, 40));
    u32 v = static_cast<u32>(step);
    int at = find(k);
    switch (rng.uniform(0, 2)) {
      case 0: {
        void* p = m->lookup(&k, 0);
        ASSERT_EQ(p != nullptr, at >= 0);
        if (at >= 0) {
          ASSERT_EQ(test::read_as<u32>(p), model[at].second);
          auto e = model[at];
          model.erase(model.begin() + at);
          model.insert(model.begin(), e);
        }
        break;
      }
      case 1:
        ASSERT_EQ(m->update(&k, &v, BPF_ANY, 0), 0);
        if (at >= 0) model.erase(model.begin() + at);
        else if (model.size() == 16) model.pop_back();
        model.insert(model.begin(), {k, v});
        break;
      case 2:
        ASSERT_EQ(m->remove(&k), at >= 0 ? 0 : -ENOENT);
        if (at >= 0) model.erase(model.begin() + at);
        break;
    }
    std::vector<u32> want;
    for (const auto& e : model) want.push_back(e.first);
    ASSERT_EQ(recency(*m), want) << "step " << step;
  }
}

}  // namespace
}  // namespace ups::bpf
