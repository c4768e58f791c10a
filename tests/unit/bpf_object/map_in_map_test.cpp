// Map-in-map initialisers from tests/bpf_objects/map_in_map.bpf.c built by
// each clang: which slot of which outer map gets which inner map, and a
// located error for each kind of bad relocation in `.rel.maps`. Also the
// source line of code clang-14 marks as line 0.
#include "bpf/object/btf_ext.h"
#include "elf_image.h"
#include "test_objects.h"

namespace ups::bpf {
namespace {

using test::ElfImage;

// The offset of `values` in the definitions of map_in_map.bpf.c: after the
// `type`, `max_entries` and `key` pointers.
constexpr u64 kValuesOffset = 24;

class MapInMapTest : public ::testing::TestWithParam<std::string> {
protected:
  static u32 index_of(const Object& obj, std::string_view name) {
    auto i = obj.find_map(name);
    EXPECT_TRUE(i) << "no map " << name;
    return i ? static_cast<u32>(*i) : ~0u;
  }
  static const MapDef& map(const Object& obj, std::string_view name) { return obj.maps()[index_of(obj, name)]; }
  // Loads the object after `corrupt`; the error it gives, or "" if it loaded.
  std::string error_after(void (*corrupt)(ElfImage&)) const {
    ElfImage img = ElfImage::of("map_in_map", GetParam());
    corrupt(img);
    LoadOptions opts;
    opts.file_name = "m.o";
    auto obj = load_object(std::as_bytes(std::span(img.bytes())), opts);
    return obj ? "" : obj.error().to_string();
  }
};

TEST_P(MapInMapTest, ValuesInitialiserFillsTheNamedSlots) {
  Object obj = test::load_ok(test::bpf_object_path("map_in_map", GetParam()), {});
  EXPECT_EQ(map(obj, "levels").inner_slots,
            (std::vector<InnerMapSlot>{{0, index_of(obj, "level0")}, {2, index_of(obj, "level2")}}));
  EXPECT_EQ(map(obj, "by_key").inner_slots, (std::vector<InnerMapSlot>{{5, index_of(obj, "level1")}}));
  EXPECT_TRUE(map(obj, "empty_outer").inner_slots.empty());
  EXPECT_TRUE(map(obj, "level0").inner_slots.empty());
}

struct BadRelocation {
  const char* name;
  void (*corrupt)(ElfImage&);
  const char* error;
};

const BadRelocation kBadRelocations[] = {
    {"not_on_a_slot", [](ElfImage& e) { e.put<u64>(e.rel_entry(".rel.maps", 0), e.get<u64>(e.rel_entry(".rel.maps", 0)) + 4); },
     "is not a `values` slot"},
    {"outside_every_map", [](ElfImage& e) { e.put<u64>(e.rel_entry(".rel.maps", 0), u64{1} << 20); },
     "m.o: .rel.maps entry 0: relocation at offset 1048576 of .maps is not inside a map definition"},
    {"in_a_queue_definition", [](ElfImage& e) { e.put<u64>(e.rel_entry(".rel.maps", 0), e.symbol_value("level1")); },
     "(map level1): relocation against level0 in a map that is not a map of maps"},
    {"to_a_variable", [](ElfImage& e) { e.put<u32>(e.rel_entry(".rel.maps", 0) + 12, e.symbol("counter")); },
     "slot 0 points to counter, which is not a map in .maps"},
    {"to_itself", [](ElfImage& e) { e.put<u32>(e.rel_entry(".rel.maps", 0) + 12, e.symbol("levels")); },
     "(map levels): slot 0 points to the map itself"},
    {"same_slot_twice", [](ElfImage& e) { e.put<u64>(e.rel_entry(".rel.maps", 1), e.symbol_value("levels") + kValuesOffset); },
     "(map levels): slot 0 is initialised twice"},
    {"wrong_type", [](ElfImage& e) { e.put<u32>(e.rel_entry(".rel.maps", 0) + 8, 3); },
     "relocation type 3 in `values`, expected R_BPF_64_ABS64 (2)"},
};

TEST_P(MapInMapTest, BadRelocationsAreRefusedWithTheirPlace) {
  // The corruptions assume the first relocation is levels' slot 0.
  ElfImage img = ElfImage::of("map_in_map", GetParam());
  ASSERT_EQ(img.get<u64>(img.rel_entry(".rel.maps", 0)), img.symbol_value("levels") + kValuesOffset);
  ASSERT_EQ(img.get<u32>(img.rel_entry(".rel.maps", 0) + 12), img.symbol("level0"));
  for (const auto& c : kBadRelocations) {
    std::string msg = error_after(c.corrupt);
    EXPECT_NE(msg.find(c.error), std::string::npos) << c.name << ": " << (msg.empty() ? "loaded" : msg);
  }
}

// clang-14 gives some instructions (here the one after the lookup) line 0,
// "no line of its own". Such code reports the nearest real line before it,
// never `map_in_map.bpf.c:0`.
TEST_P(MapInMapTest, CodeAtLineZeroReportsTheLineBeforeIt) {
  ElfImage img = ElfImage::of("map_in_map", GetParam());
  auto elf = ElfFile::parse(img.bytes(), "m.o");
  ASSERT_TRUE(elf);
  auto btf = Btf::parse(elf->find_section(".BTF")->data);
  ASSERT_TRUE(btf);
  auto ext = BtfExt::parse(elf->find_section(".BTF.ext")->data, *btf);
  ASSERT_TRUE(ext);
  std::vector<u32> line_zero;
  for (const auto& l : ext->line_info["tc"])
    if (l.line == 0) line_zero.push_back(l.insn_off / 8);
  if (line_zero.empty()) GTEST_SKIP() << GetParam() << " gives every instruction a line";

  Object obj = test::load_ok(test::bpf_object_path("map_in_map", GetParam()), {});
  const Program& prog = test::program(obj, "push_to_level");  // alone in "tc": same slots
  for (u32 insn : line_zero) {
    const LineInfo* l = prog.line_at(insn);
    ASSERT_NE(l, nullptr) << "insn " << insn;
    EXPECT_GT(l->line, 0u) << "insn " << insn;
    EXPECT_LT(l->insn, insn) << "insn " << insn;
    EXPECT_EQ(obj.source_line(prog, insn).find(".c:0"), std::string::npos) << obj.source_line(prog, insn);
  }
  for (const auto& l : prog.line_info) EXPECT_GT(l.line, 0u) << "insn " << l.insn;
}

UPS_INSTANTIATE_FOR_EACH_CLANG(MapInMapTest);

}  // namespace
}  // namespace ups::bpf
