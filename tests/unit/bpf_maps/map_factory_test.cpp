// create_map: Linux's attribute checks, with errors naming the map and the
// bad attribute.
#include "map_test_util.h"

namespace ups::bpf {
namespace {

using test::make_def;

TEST(MapFactory, RefusesBadAttributesNamingMapAndAttribute) {
  struct Case {
    MapDef def;
    const char* attribute;
  } cases[] = {
      {make_def(MapType::array, 8, 8, 4), "key_size"},
      {make_def(MapType::array, 4, 0, 4), "value_size"},
      {make_def(MapType::array, 4, 8, 0), "max_entries"},
      {make_def(MapType::array, 4, 8, 4, BPF_F_NO_PREALLOC), "map_flags"},
      {make_def(MapType::percpu_array, 4, 40000, 4), "value_size"},
      {make_def(MapType::hash, 0, 8, 4), "key_size"},
      {make_def(MapType::hash, 513, 8, 4), "key_size"},
      {make_def(MapType::hash, 4, 8, 0), "max_entries"},
      {make_def(MapType::lru_hash, 4, 8, 4, BPF_F_NO_PREALLOC), "map_flags"},
      {make_def(MapType::queue, 4, 8, 4), "key_size"},
      {make_def(MapType::stack, 0, 0, 4), "value_size"},
      {make_def(MapType::ringbuf, 0, 0, 5000), "max_entries"},
      {make_def(MapType::ringbuf, 0, 0, 2048), "max_entries"},
      {make_def(MapType::ringbuf, 0, 8, 4096), "value_size"},
      {make_def(MapType::task_storage, 4, 8, 0), "map_flags"},
      {make_def(MapType::task_storage, 4, 8, 10, BPF_F_NO_PREALLOC), "max_entries"},
      {make_def(MapType::array_of_maps, 4, 4, 4), "inner"},
      {make_def(MapType::hash_of_maps, 4, 8, 4), "value_size"},
      {make_def(MapType::array, 4, 8, 1u << 30), "max_entries"},
      {make_def(MapType::array, 4, 0xfffffffcu, 1), "value_size"},  // would overflow the 8-byte rounding
      {make_def(MapType::queue, 0, 8, 0xffffffffu), "max_entries"},
      {make_def(MapType::ringbuf, 0, 0, 1u << 31), "max_entries"},
      {make_def(static_cast<MapType>(99), 4, 8, 4), "type"},
  };
  for (auto& c : cases) {
    c.def.name = "my_map";
    auto r = create_map(c.def, 2);
    ASSERT_FALSE(r.has_value()) << c.attribute;
    std::string msg = r.error().to_string();
    EXPECT_NE(msg.find("my_map"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.attribute), std::string::npos) << msg;
  }
}

// Flags Linux accepts for a type are accepted (even where they change
// nothing here), so objects written for Linux load.
TEST(MapFactory, AcceptsTheFlagsLinuxAccepts) {
  MapDef defs[] = {
      make_def(MapType::array, 4, 8, 1, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG),
      make_def(MapType::hash, 4, 8, 4, BPF_F_NO_PREALLOC | (1u << 6) /*ZERO_SEED*/),
      make_def(MapType::lru_hash, 4, 8, 4, 1u << 1 /*NO_COMMON_LRU*/),
      make_def(MapType::percpu_hash, 4, 8, 4, BPF_F_NO_PREALLOC),
      make_def(MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC),
  };
  for (const auto& d : defs) {
    auto r = create_map(d, 2);
    EXPECT_TRUE(r.has_value()) << map_type_name(d.type) << ": " << (r ? "" : r.error().to_string());
  }
}

TEST(MapFactory, ChecksSpecialFieldPlacement) {
  MapDef d = make_def(MapType::array, 4, 16, 1, 0, "t");
  d.timer_off = 8;
  EXPECT_FALSE(create_map(d, 1).has_value());  // 8 + 16 > 16
  d.value_size = 24;
  EXPECT_TRUE(create_map(d, 1).has_value());
  d.type = MapType::percpu_array;
  EXPECT_FALSE(create_map(d, 1).has_value());  // no timers in per-CPU maps
  MapDef l = make_def(MapType::hash, 4, 8, 1, 0, "l");
  l.spin_lock_off = 6;
  EXPECT_FALSE(create_map(l, 1).has_value());  // misaligned
}

TEST(MapFactory, CreatesEveryType) {
  MapDef inner = make_def(MapType::array, 4, 8, 2);
  MapDef defs[] = {
      make_def(MapType::array, 4, 8, 2),        make_def(MapType::percpu_array, 4, 8, 2),
      make_def(MapType::hash, 4, 8, 2),         make_def(MapType::percpu_hash, 4, 8, 2),
      make_def(MapType::lru_hash, 4, 8, 2),     make_def(MapType::queue, 0, 8, 2),
      make_def(MapType::stack, 0, 8, 2),        make_def(MapType::ringbuf, 0, 0, 4096),
      make_def(MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC),
      make_def(MapType::array_of_maps, 4, 4, 2), make_def(MapType::hash_of_maps, 4, 4, 2),
  };
  for (auto& d : defs) {
    if (d.type == MapType::array_of_maps || d.type == MapType::hash_of_maps)
      d.inner = std::make_shared<MapDef>(inner);
    auto r = create_map(d, 2);
    ASSERT_TRUE(r.has_value()) << map_type_name(d.type) << ": " << r.error().to_string();
    EXPECT_EQ((*r)->type(), d.type);
    EXPECT_GT((*r)->memory_bytes(), 0u) << map_type_name(d.type);
  }
  EXPECT_FALSE(create_map(defs[0], 0).has_value());
  EXPECT_FALSE(create_map(defs[0], kMaxCpus + 1).has_value());
}

}  // namespace
}  // namespace ups::bpf
