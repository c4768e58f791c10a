// A minimal ELF64 little-endian reader for the policy_abi tests: section
// names and bytes, symbols, and REL relocations of clang -target bpf
// objects. Just enough to check what the SDK produces without depending on
// the project's own object loader (which these tests help validate).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ups::test {

struct ElfSection {
  std::string name;
  uint32_t type = 0;
  uint64_t offset = 0, size = 0;
  uint32_t link = 0, info = 0;
};

struct ElfSymbol {
  std::string name;
  uint64_t value = 0, size = 0;
  uint16_t shndx = 0;
  uint8_t info = 0;
};

struct ElfRel {
  uint64_t offset = 0;
  uint32_t sym = 0;
  uint32_t type = 0;
};

class ElfFile {
 public:
  // Empty optional when the file is missing or not ELF64 LE.
  static std::optional<ElfFile> open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    ElfFile f;
    f.bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!f.parse()) return std::nullopt;
    return f;
  }

  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }

  int section_index(std::string_view name) const {
    for (size_t i = 0; i < sections_.size(); ++i)
      if (sections_[i].name == name) return static_cast<int>(i);
    return -1;
  }
  const ElfSection* section(std::string_view name) const {
    int i = section_index(name);
    return i < 0 ? nullptr : &sections_[i];
  }
  std::string_view data(const ElfSection& s) const {
    if (s.type == 8 /*NOBITS*/ || s.offset + s.size > bytes_.size()) return {};
    return std::string_view(bytes_.data() + s.offset, s.size);
  }
  const ElfSymbol* symbol(std::string_view name) const {
    for (const auto& s : symbols_)
      if (s.name == name) return &s;
    return nullptr;
  }
  // The u64 stored at a symbol (e.g. a `const volatile u64` in .rodata).
  std::optional<uint64_t> symbol_u64(std::string_view name) const {
    const ElfSymbol* s = symbol(name);
    if (!s || s->shndx == 0 || s->shndx >= sections_.size()) return std::nullopt;
    std::string_view d = data(sections_[s->shndx]);
    if (s->value + 8 > d.size()) return std::nullopt;
    uint64_t v;
    std::memcpy(&v, d.data() + s->value, 8);
    return v;
  }
  // Relocations applying to section `target` (from its SHT_REL section).
  std::vector<ElfRel> relocations_for(std::string_view target) const {
    std::vector<ElfRel> out;
    int t = section_index(target);
    for (const auto& s : sections_) {
      if (s.type != 9 /*SHT_REL*/ || static_cast<int>(s.info) != t) continue;
      std::string_view d = data(s);
      for (size_t off = 0; off + 16 <= d.size(); off += 16) {
        uint64_t r_offset, r_info;
        std::memcpy(&r_offset, d.data() + off, 8);
        std::memcpy(&r_info, d.data() + off + 8, 8);
        out.push_back({r_offset, static_cast<uint32_t>(r_info >> 32),
                       static_cast<uint32_t>(r_info & 0xffffffff)});
      }
    }
    return out;
  }
  uint16_t machine() const { return machine_; }

 private:
  template <class T>
  bool read(uint64_t off, T& v) const {
    if (off + sizeof(T) > bytes_.size()) return false;
    std::memcpy(&v, bytes_.data() + off, sizeof(T));
    return true;
  }
  std::string cstr(uint64_t off) const {
    if (off >= bytes_.size()) return {};
    return std::string(bytes_.data() + off, strnlen(bytes_.data() + off, bytes_.size() - off));
  }
  bool parse() {
    if (bytes_.size() < 64 || std::memcmp(bytes_.data(),
                                          "\x7f"
                                          "ELF",
                                          4) != 0)
      return false;
    if (bytes_[4] != 2 || bytes_[5] != 1) return false;  // ELF64, little-endian
    uint64_t shoff;
    uint16_t shentsize, shnum, shstrndx;
    read(18, machine_);
    read(40, shoff);
    read(58, shentsize);
    read(60, shnum);
    read(62, shstrndx);
    if (shentsize != 64 || shstrndx >= shnum) return false;
    std::vector<std::pair<uint32_t, ElfSection>> raw;
    for (uint16_t i = 0; i < shnum; ++i) {
      uint64_t h = shoff + uint64_t{i} * 64;
      uint32_t name_off = 0;
      ElfSection s;
      if (!read(h, name_off) || !read(h + 4, s.type) || !read(h + 24, s.offset) ||
          !read(h + 32, s.size) || !read(h + 40, s.link) || !read(h + 44, s.info))
        return false;
      raw.push_back({name_off, s});
    }
    uint64_t strtab = raw[shstrndx].second.offset;
    for (auto& [name_off, s] : raw) {
      s.name = cstr(strtab + name_off);
      sections_.push_back(s);
    }
    for (const auto& s : sections_) {
      if (s.type != 2 /*SHT_SYMTAB*/) continue;
      if (s.link >= sections_.size()) return false;
      uint64_t names = sections_[s.link].offset;
      for (uint64_t off = s.offset; off + 24 <= s.offset + s.size; off += 24) {
        uint32_t name_off = 0;
        ElfSymbol sym;
        read(off, name_off);
        read(off + 4, sym.info);
        read(off + 6, sym.shndx);
        read(off + 8, sym.value);
        read(off + 16, sym.size);
        sym.name = cstr(names + name_off);
        symbols_.push_back(sym);
      }
    }
    return true;
  }

  std::vector<char> bytes_;
  std::vector<ElfSection> sections_;
  std::vector<ElfSymbol> symbols_;
  uint16_t machine_ = 0;
};

}  // namespace ups::test
