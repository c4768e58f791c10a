// Malformed objects: a valid clang-built object (calls.bpf.c) with one
// corruption each; every one must be rejected with an error naming what and
// where, never a crash.
#include <cstring>

#include "elf_image.h"
#include "test_objects.h"

namespace ups::bpf {
namespace {

using test::ElfImage;

struct Corruption {
  const char* name;
  void (*apply)(ElfImage&);
  const char* error;
};

void PrintTo(const Corruption& c, std::ostream* os) { *os << c.name; }

const Corruption kCases[] = {
    {"truncated_header", [](ElfImage& e) { e.bytes().resize(10); }, "t.o: ELF header: truncated file: 10 bytes, an ELF header needs 64"},
    {"truncated_section_headers", [](ElfImage& e) { e.bytes().resize(e.bytes().size() - 100); }, "t.o: ELF header: section headers at offset"},
    {"bad_magic", [](ElfImage& e) { e.put<u8>(1, 'X'); }, "t.o: ELF header: not an ELF file (bad magic)"},
    {"elf32", [](ElfImage& e) { e.put<u8>(4, 1); }, "t.o: ELF header: not ELF64 (class 1)"},
    {"big_endian", [](ElfImage& e) { e.put<u8>(5, 2); }, "t.o: ELF header: not little-endian (data encoding 2)"},
    {"not_relocatable", [](ElfImage& e) { e.put<u16>(16, 2); }, "t.o: ELF header: not a relocatable object (e_type 2)"},
    {"wrong_machine", [](ElfImage& e) { e.put<u16>(18, 62); }, "t.o: ELF header: wrong machine 62, expected BPF (247)"},
    {"bad_shentsize", [](ElfImage& e) { e.put<u16>(58, 40); }, "t.o: ELF header: section header size 40, expected 64"},
    {"bad_shstrndx", [](ElfImage& e) { e.put<u16>(62, 999); }, "t.o: ELF header: bad section index 999 for section names"},
    {"section_past_end", [](ElfImage& e) { e.put<u64>(e.shdr(e.section("tc")) + 24, u64{1} << 40); }, "run past the end of the"},
    {"section_name_outside", [](ElfImage& e) { e.put<u32>(e.shdr(e.section("tc")), 0xfffffff); }, "name offset 268435455 outside the section-name table"},
    {"rel_bad_target", [](ElfImage& e) { e.put<u32>(e.shdr(e.section(".reltc")) + 44, 500); }, "section .reltc: bad section index 500 for the section it relocates"},
    {"rel_bad_entsize", [](ElfImage& e) { e.put<u64>(e.shdr(e.section(".reltc")) + 56, 24); }, "section .reltc: relocation entry size 24"},
    {"reloc_offset_out_of_range", [](ElfImage& e) { e.put<u64>(e.section_offset(".reltc"), 1u << 20); }, "t.o: .reltc entry 0: relocation offset 1048576 out of range for section tc"},
    {"reloc_unknown_type", [](ElfImage& e) { e.put<u32>(e.section_offset(".reltc") + 8, 77); }, "unknown relocation type 77 against"},
    {"reloc_bad_symbol", [](ElfImage& e) { e.put<u32>(e.section_offset(".reltc") + 12, 100000); }, "t.o: section .reltc entry 0: symbol index 100000 outside the symbol table"},
    {"reloc_wrong_opcode", [](ElfImage& e) { e.put<u32>(e.section_offset(".reltc") + 8, 10); }, "call relocation against .text on opcode 0x18, expected call"},
    {"symbol_bad_section", [](ElfImage& e) { e.put<u16>(e.section_offset(".symtab") + 24 + 6, 500); }, "t.o: symbol 1 ("},
    {"symtab_bad_entsize", [](ElfImage& e) { e.put<u64>(e.shdr(e.section(".symtab")) + 56, 16); }, "section .symtab: symbol entry size 16"},
    {"btf_bad_magic", [](ElfImage& e) { e.put<u16>(e.section_offset(".BTF"), 0x1234); }, "t.o: .BTF: bad magic 0x1234"},
    {"btf_oversized_types", [](ElfImage& e) { e.put<u32>(e.section_offset(".BTF") + 12, 0x7fffffff); }, "t.o: .BTF: type section [0, +2147483647) outside the"},
    {"btf_bad_string_offset", [](ElfImage& e) { e.put<u32>(e.section_offset(".BTF") + 24 + 12 * 0, 0x7ffffff); }, "name offset 134217727 outside the string section"},
    {"btf_ext_oversized_count", [](ElfImage& e) {
       u64 ext = e.section_offset(".BTF.ext");
       u64 func_info = ext + e.get<u32>(ext + 4) + e.get<u32>(ext + 8);
       e.put<u32>(func_info + 8, 0x10000000);  // num_info of the first block
     }, "t.o: .BTF.ext: func_info for section"},
};

class Malformed : public ::testing::TestWithParam<Corruption> {};

TEST_P(Malformed, IsRejectedWithItsError) {
  auto vs = test::bpf_variants();
  if (vs.empty()) GTEST_SKIP() << "no BPF test objects";
  auto raw = test::read_bytes(test::bpf_object_path("calls", vs.back()));
  ASSERT_FALSE(raw.empty());
  std::vector<u8> bytes(raw.size());
  std::memcpy(bytes.data(), raw.data(), raw.size());
  ElfImage img(std::move(bytes));
  GetParam().apply(img);
  LoadOptions opts;
  opts.file_name = "t.o";
  opts.kfunc_lookup = [](std::string_view) -> std::optional<u32> { return 1; };
  auto obj = load_object(std::as_bytes(std::span(img.bytes())), opts);
  ASSERT_FALSE(obj) << GetParam().name << " loaded";
  std::string msg = obj.error().to_string();
  EXPECT_NE(msg.find(GetParam().error), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(Cases, Malformed, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Malformed, EmptyInput) {
  auto obj = load_object({}, LoadOptions{});
  ASSERT_FALSE(obj);
  EXPECT_NE(obj.error().message.find("truncated file: 0 bytes"), std::string::npos);
}

TEST(Malformed, MissingFileIsAnIoError) {
  auto obj = load_object_file("/nonexistent/x.bpf.o");
  ASSERT_FALSE(obj);
  EXPECT_EQ(obj.error().kind, ErrorKind::io);
  EXPECT_EQ(obj.error().to_string(), "/nonexistent/x.bpf.o: cannot open the object file: No such file or directory");
}

}  // namespace
}  // namespace ups::bpf
