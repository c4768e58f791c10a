// Array of maps and hash of maps: inner maps installed by the host,
// returned by lookup, checked against the inner definition.
#include "bpf/maps/map_of_maps.h"
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;
using test::make_map;

MapDef outer_def(MapType t, MapDef inner) {
  MapDef d = make_def(t, 4, 4, 4, 0, "outer");
  d.inner = std::make_shared<MapDef>(std::move(inner));
  return d;
}

std::shared_ptr<Map> shared(std::unique_ptr<Map> m) { return std::shared_ptr<Map>(std::move(m)); }

// Linux array_of_map_lookup_elem returns the inner map, which programs pass
// to further map helpers; an empty slot gives null.
TEST(MapOfMaps, LookupReturnsTheInnerMap) {
  MapDef inner = make_def(MapType::queue, 0, 4, 16, 0, "q");
  for (MapType t : {MapType::array_of_maps, MapType::hash_of_maps}) {
    auto outer = make_map(outer_def(t, inner));
    auto* mom = static_cast<MapOfMaps*>(outer.get());
    auto q = shared(make_map(inner));
    u32 k = 2;
    EXPECT_EQ(outer->lookup(&k, 0), nullptr);
    ASSERT_EQ(mom->set_inner(&k, q, BPF_ANY), 0);
    auto* got = static_cast<Map*>(outer->lookup(&k, 0));
    EXPECT_EQ(got, q.get());
    u32 v = 9;
    EXPECT_EQ(got->push(&v, BPF_ANY), 0);
    EXPECT_EQ(outer->remove(&k), 0);
    EXPECT_EQ(outer->lookup(&k, 0), nullptr);
    EXPECT_EQ(outer->remove(&k), -ENOENT);
  }
}

// Linux bpf_map_meta_equal: an inner map must match the template (type,
// sizes, flags, max_entries unless BPF_F_INNER_MAP).
TEST(MapOfMaps, IncompatibleInnerMapsAreRefused) {
  MapDef inner = make_def(MapType::array, 4, 8, 4, 0, "inner");
  auto outer = make_map(outer_def(MapType::array_of_maps, inner));
  auto* mom = static_cast<MapOfMaps*>(outer.get());
  u32 k = 0;
  EXPECT_EQ(mom->set_inner(&k, shared(make_map(make_def(MapType::array, 4, 16, 4))), BPF_ANY), -EINVAL);
  EXPECT_EQ(mom->set_inner(&k, shared(make_map(make_def(MapType::hash, 4, 8, 4))), BPF_ANY), -EINVAL);
  EXPECT_EQ(mom->set_inner(&k, shared(make_map(make_def(MapType::array, 4, 8, 5))), BPF_ANY), -EINVAL);
  EXPECT_EQ(mom->set_inner(&k, shared(make_map(inner)), BPF_ANY), 0);

  MapDef flexible = inner;
  flexible.map_flags = BPF_F_INNER_MAP;
  auto outer2 = make_map(outer_def(MapType::array_of_maps, flexible));
  EXPECT_EQ(static_cast<MapOfMaps*>(outer2.get())
                ->set_inner(&k, shared(make_map(make_def(MapType::array, 4, 8, 99))), BPF_ANY),
            0);
}

// Linux bpf_fd_array_map_update_elem takes only BPF_ANY; an index past
// the end gives -E2BIG. The hash variant follows the hash flag rules.
TEST(MapOfMaps, UpdateFlags) {
  MapDef inner = make_def(MapType::array, 4, 8, 4, 0, "inner");
  auto arr = make_map(outer_def(MapType::array_of_maps, inner));
  auto m = shared(make_map(inner));
  u32 k = 0, past = 4;
  auto* a = static_cast<MapOfMaps*>(arr.get());
  EXPECT_EQ(a->set_inner(&k, m, BPF_NOEXIST), -EINVAL);
  EXPECT_EQ(a->set_inner(&past, m, BPF_ANY), -E2BIG);
  auto hom = make_map(outer_def(MapType::hash_of_maps, inner));
  auto* h = static_cast<MapOfMaps*>(hom.get());
  EXPECT_EQ(h->set_inner(&k, m, BPF_EXIST), -ENOENT);
  EXPECT_EQ(h->set_inner(&k, m, BPF_NOEXIST), 0);
  EXPECT_EQ(h->set_inner(&k, m, BPF_NOEXIST), -EEXIST);
}

// The host's fd-style update resolves the fd through its resolver.
TEST(MapOfMaps, UpdateByFdUsesTheResolver) {
  MapDef inner = make_def(MapType::array, 4, 8, 4, 0, "inner");
  auto outer = make_map(outer_def(MapType::array_of_maps, inner));
  auto* mom = static_cast<MapOfMaps*>(outer.get());
  auto m = shared(make_map(inner));
  u32 k = 1, fd = 3;
  EXPECT_EQ(outer->update(&k, &fd, BPF_ANY, 0), -EBADF);
  mom->set_resolver([&](u32 f) { return f == 3 ? m : nullptr; });
  EXPECT_EQ(outer->update(&k, &fd, BPF_ANY, 0), 0);
  EXPECT_EQ(outer->lookup(&k, 0), m.get());
}

}  // namespace
}  // namespace ups::bpf
