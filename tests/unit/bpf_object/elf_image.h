// ElfImage: byte-level access to a clang-built object for the tests that
// corrupt one field and expect the loader to name it.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/object/elf_reader.h"
#include "test_objects.h"

namespace ups::bpf::test {

class ElfImage {
public:
  explicit ElfImage(std::vector<u8> b) : b_(std::move(b)) {}
  // The test object `name` built by clang variant `variant`.
  static ElfImage of(const std::string& name, const std::string& variant) {
    auto raw = read_bytes(bpf_object_path(name, variant));
    EXPECT_FALSE(raw.empty()) << name << "." << variant;
    std::vector<u8> bytes(raw.size());
    if (!raw.empty()) std::memcpy(bytes.data(), raw.data(), raw.size());
    return ElfImage(std::move(bytes));
  }
  std::vector<u8>& bytes() { return b_; }
  template <class T>
  void put(u64 off, T v) {
    ASSERT_LE(off + sizeof v, b_.size());
    std::memcpy(b_.data() + off, &v, sizeof v);
  }
  template <class T>
  T get(u64 off) const {
    T v{};
    if (off + sizeof v <= b_.size()) std::memcpy(&v, b_.data() + off, sizeof v);
    return v;
  }
  u64 shdr(u32 index) const { return get<u64>(40) + u64{index} * 64; }
  u32 section(const std::string& name) const {
    auto elf = ElfFile::parse(b_, "x");
    if (!elf) return 0;
    const ElfSection* s = elf->find_section(name);
    return s ? s->index : 0;
  }
  u64 section_offset(const std::string& name) const { return get<u64>(shdr(section(name)) + 24); }
  // Index of the symbol `name` in .symtab (0 when absent).
  u32 symbol(const std::string& name) const {
    auto elf = ElfFile::parse(b_, "x");
    if (!elf) return 0;
    for (const auto& s : elf->symbols())
      if (s.name == name) return s.index;
    return 0;
  }
  // Value (offset in its section) of the symbol `name`.
  u64 symbol_value(const std::string& name) const {
    auto elf = ElfFile::parse(b_, "x");
    if (!elf) return 0;
    return elf->symbols()[symbol(name)].value;
  }
  // Offset of REL entry `n` of relocation section `rel` (r_offset, then
  // r_info: type in the low 32 bits, symbol in the high 32).
  u64 rel_entry(const std::string& rel, u32 n) const { return section_offset(rel) + u64{n} * 16; }

private:
  std::vector<u8> b_;
};

}  // namespace ups::bpf::test
