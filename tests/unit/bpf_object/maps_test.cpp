// Maps from `.maps` (every map type), global data sections as 1-entry
// arrays, `const volatile` parameters and __kconfig externs, from
// tests/bpf_objects/maps.bpf.c built by each clang.
#include <algorithm>
#include <cstring>
#include <set>

#include "test_objects.h"

namespace ups::bpf {
namespace {

using test::bpf_object_path;

class MapsTest : public ::testing::TestWithParam<std::string> {
protected:
  LoadOptions opts() const {
    LoadOptions o;
    o.kconfig["LINUX_KERNEL_VERSION"] = 0x060c00;
    return o;
  }
  Object load() const { return test::load_ok(bpf_object_path("maps", GetParam()), opts()); }
  static const MapDef& map(const Object& obj, std::string_view name) {
    auto i = obj.find_map(name);
    if (!i) {
      ADD_FAILURE() << "no map " << name;
      static const MapDef none;
      return none;
    }
    return obj.maps()[*i];
  }
  static u64 read_global(const Object& obj, std::string_view name) {
    const GlobalVar* g = obj.find_global(name);
    if (!g) {
      ADD_FAILURE() << "no global " << name;
      return ~0ull;
    }
    const MapDef& m = obj.maps()[g->map_index];
    u64 v = 0;
    if (m.initial.empty()) return 0;  // .bss
    std::memcpy(&v, m.initial.data() + g->offset, g->size);
    return v;
  }
};

TEST_P(MapsTest, EveryMapTypeWithItsSizes) {
  Object obj = load();
  struct Row { const char* name; MapType type; u32 key, value, max, flags; };
  const Row rows[] = {
      {"arr", MapType::array, 4, 32, 4, 0},
      {"pcpu_arr", MapType::percpu_array, 4, 8, 2, 0},
      {"hash", MapType::hash, 8, 4, 128, BPF_F_NO_PREALLOC},
      {"pcpu_hash", MapType::percpu_hash, 4, 24, 16, 0},
      {"lru", MapType::lru_hash, 4, 8, 32, 0},
      {"queue", MapType::queue, 0, 4, 8, 0},
      {"stack", MapType::stack, 0, 8, 8, 0},
      {"task_store", MapType::task_storage, 4, 8, 0, BPF_F_NO_PREALLOC},
      {"ringbuf", MapType::ringbuf, 0, 0, 4096, 0},
      {"outer_arr", MapType::array_of_maps, 4, 4, 2, 0},
      {"outer_hash", MapType::hash_of_maps, 4, 4, 4, 0},
  };
  for (const auto& r : rows) {
    const MapDef& m = map(obj, r.name);
    EXPECT_EQ(m.type, r.type) << r.name;
    EXPECT_EQ(m.key_size, r.key) << r.name;
    EXPECT_EQ(m.value_size, r.value) << r.name;
    EXPECT_EQ(m.max_entries, r.max) << r.name;
    EXPECT_EQ(m.map_flags, r.flags) << r.name;
    EXPECT_EQ(m.global, GlobalKind::none) << r.name;
  }
}

TEST_P(MapsTest, ValueSpecialFieldsFromBtf) {
  Object obj = load();
  const MapDef& arr = map(obj, "arr");
  EXPECT_EQ(arr.spin_lock_off, 8);
  EXPECT_EQ(arr.timer_off, 16);
  EXPECT_EQ(map(obj, "hash").timer_off, -1);
  EXPECT_EQ(map(obj, "hash").spin_lock_off, -1);
}

TEST_P(MapsTest, MapInMapHasItsInnerDefinition) {
  Object obj = load();
  const MapDef& outer = map(obj, "outer_arr");
  ASSERT_TRUE(outer.inner);
  EXPECT_EQ(outer.inner->type, MapType::array);
  EXPECT_EQ(outer.inner->value_size, 8u);
  const MapDef& outer_hash = map(obj, "outer_hash");
  ASSERT_TRUE(outer_hash.inner);
  EXPECT_EQ(outer_hash.inner->type, MapType::hash);
  EXPECT_EQ(outer_hash.inner->max_entries, 2u);
}

TEST_P(MapsTest, GlobalDataSectionsAreOneEntryArrays) {
  Object obj = load();
  struct Row { const char* name; GlobalKind kind; };
  for (auto r : {Row{".data", GlobalKind::data}, Row{".bss", GlobalKind::bss},
                 Row{".rodata", GlobalKind::rodata}, Row{".data.custom", GlobalKind::data},
                 Row{".rodata.custom", GlobalKind::rodata}, Row{".kconfig", GlobalKind::kconfig}}) {
    const MapDef& m = map(obj, r.name);
    EXPECT_EQ(m.type, MapType::array) << r.name;
    EXPECT_EQ(m.max_entries, 1u) << r.name;
    EXPECT_EQ(m.key_size, 4u) << r.name;
    EXPECT_EQ(m.global, r.kind) << r.name;
    EXPECT_GT(m.value_size, 0u) << r.name;
    bool ro = r.kind == GlobalKind::rodata || r.kind == GlobalKind::kconfig;
    EXPECT_EQ((m.map_flags & BPF_F_RDONLY_PROG) != 0, ro) << r.name;
  }
  EXPECT_TRUE(map(obj, ".bss").initial.empty());
  EXPECT_EQ(read_global(obj, "counter"), 7u);
  EXPECT_EQ(read_global(obj, "nr_cpus"), 4u);
  EXPECT_EQ(read_global(obj, "slice_ns"), 5000000u);
  EXPECT_EQ(read_global(obj, "verbose"), 0u);
  EXPECT_EQ(read_global(obj, "custom_data"), 0x11223344u);
  EXPECT_EQ(read_global(obj, "custom_ro"), 0x55667788u);
  EXPECT_EQ(read_global(obj, "LINUX_KERNEL_VERSION"), 0x060c00u);
  EXPECT_EQ(read_global(obj, "CONFIG_UPS_MISSING"), 0u);
  EXPECT_TRUE(obj.find_global("nr_cpus")->is_const);
  EXPECT_FALSE(obj.find_global("counter")->is_const);
  EXPECT_EQ(obj.license(), "GPL");
}

TEST_P(MapsTest, LddwBecomesMapIndexOrMapValue) {
  Object obj = load();
  const Program& use_maps = test::program(obj, "use_maps");
  std::set<std::string> maps_seen;
  for (size_t i = 0; i < use_maps.code.size(); ++i) {
    const Insn& in = use_maps.code[i];
    if (!test::is_lddw(in)) continue;
    ASSERT_EQ(in.src(), op::PSEUDO_MAP_IDX) << "instruction " << i;
    ASSERT_LT(static_cast<size_t>(in.imm), obj.maps().size());
    maps_seen.insert(obj.maps()[in.imm].name);
    ++i;
  }
  EXPECT_EQ(maps_seen, (std::set<std::string>{"arr", "pcpu_arr", "hash", "pcpu_hash", "lru", "queue", "stack",
                                               "task_store", "ringbuf", "outer_arr", "outer_hash"}));
  const Program& use_globals = test::program(obj, "use_globals");
  std::set<std::string> sections;
  for (size_t i = 0; i < use_globals.code.size(); ++i) {
    const Insn& in = use_globals.code[i];
    if (!test::is_lddw(in)) continue;
    ASSERT_EQ(in.src(), op::PSEUDO_MAP_IDX_VALUE) << "instruction " << i;
    const MapDef& m = obj.maps()[in.imm];
    EXPECT_NE(m.global, GlobalKind::none);
    EXPECT_LT(static_cast<u32>(use_globals.code[i + 1].imm), m.value_size);
    sections.insert(m.name);
    ++i;
  }
  EXPECT_EQ(sections, (std::set<std::string>{".data", ".bss", ".rodata", ".data.custom", ".rodata.custom", ".kconfig"}));
}

TEST_P(MapsTest, SetRodataChangesTheInitialValue) {
  Object obj = load();
  u32 eight = 8;
  ASSERT_TRUE(obj.set_rodata("nr_cpus", std::as_bytes(std::span(&eight, 1))));
  EXPECT_EQ(read_global(obj, "nr_cpus"), 8u);
  EXPECT_EQ(read_global(obj, "slice_ns"), 5000000u);  // neighbours untouched
  u8 one = 1;
  ASSERT_TRUE(obj.set_rodata("verbose", std::as_bytes(std::span(&one, 1))));
  EXPECT_EQ(read_global(obj, "verbose"), 1u);
}

TEST_P(MapsTest, SetRodataErrorsNameTheVariable) {
  Object obj = load();
  u32 v = 1;
  auto bytes = std::as_bytes(std::span(&v, 1));
  auto unknown = obj.set_rodata("no_such", bytes);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().to_string().find("variable no_such: no such global variable"), std::string::npos)
      << unknown.error().to_string();
  auto writable = obj.set_rodata("counter", std::as_bytes(std::span(&v, 1)));
  ASSERT_FALSE(writable);
  EXPECT_NE(writable.error().to_string().find("variable counter: is in .data, not read-only data"), std::string::npos)
      << writable.error().to_string();
  auto size = obj.set_rodata("slice_ns", bytes);
  ASSERT_FALSE(size);
  EXPECT_NE(size.error().to_string().find("variable slice_ns: is 8 bytes, the value given is 4"), std::string::npos)
      << size.error().to_string();
}

TEST_P(MapsTest, ResizeArrayGrowsItsSectionKeepingItsFirstElement) {
  Object obj = load();
  ASSERT_TRUE(obj.resize_array("per_cpu_counts", 8));
  const MapDef& m = map(obj, ".data.per_cpu_counts");
  EXPECT_EQ(m.value_size, 32u);
  ASSERT_EQ(m.initial.size(), 32u);
  u32 first;
  std::memcpy(&first, m.initial.data(), 4);
  EXPECT_EQ(first, 5u);
  EXPECT_TRUE(std::all_of(m.initial.begin() + 4, m.initial.end(), [](u8 b) { return b == 0; }));
  EXPECT_EQ(obj.find_global("per_cpu_counts")->size, 32u);
}

TEST_P(MapsTest, ResizeArrayErrorsNameTheVariable) {
  Object obj = load();
  auto unknown = obj.resize_array("no_such", 4);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().to_string().find("variable no_such: no such global variable"), std::string::npos)
      << unknown.error().to_string();
  auto shared = obj.resize_array("nr_cpus", 4);
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().to_string().find("variable nr_cpus: is not the only variable of its section (.rodata)"),
            std::string::npos)
      << shared.error().to_string();
  auto scalar = obj.resize_array("custom_data", 4);
  ASSERT_FALSE(scalar);
  EXPECT_NE(scalar.error().to_string().find("variable custom_data: is not an array"), std::string::npos)
      << scalar.error().to_string();
  auto none = obj.resize_array("per_cpu_counts", 0);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().to_string().find("cannot have 0 elements of 4 bytes"), std::string::npos)
      << none.error().to_string();
}

TEST_P(MapsTest, UnknownKconfigIsAnErrorUnlessWeak) {
  auto obj = load_object_file(bpf_object_path("maps", GetParam()), LoadOptions{});
  ASSERT_FALSE(obj);
  EXPECT_NE(obj.error().to_string().find("extern LINUX_KERNEL_VERSION: unknown __kconfig value"), std::string::npos)
      << obj.error().to_string();
}

UPS_INSTANTIATE_FOR_EACH_CLANG(MapsTest);

}  // namespace
}  // namespace ups::bpf
