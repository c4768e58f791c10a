// Helpers shared by the map tests: building definitions and maps, typed
// keys and values.
#pragma once

#include <cstring>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "bpf/maps/map_factory.h"

namespace ups::bpf::test {

inline MapDef make_def(MapType type, u32 key_size, u32 value_size, u32 max_entries, u32 flags = 0,
                       std::string name = "m") {
  MapDef d;
  d.name = std::move(name);
  d.type = type;
  d.key_size = key_size;
  d.value_size = value_size;
  d.max_entries = max_entries;
  d.map_flags = flags;
  return d;
}

inline std::unique_ptr<Map> make_map(const MapDef& def, int nr_cpus = 1) {
  auto m = create_map(def, nr_cpus);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().to_string());
  return m ? std::move(*m) : nullptr;
}

template <class T>
T read_as(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace ups::bpf::test
