// ElfFile: the parts of an ELF64 little-endian relocatable BPF object the
// loader needs (sections, symbols, REL relocations), validated on parse:
// header fields, every section inside the file, names inside their string
// tables, symbol and relocation tables with sane entry sizes. Errors name
// the section or entry.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace ups::bpf {

namespace elf {
inline constexpr u32 SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3,
                     SHT_RELA = 4, SHT_NOBITS = 8, SHT_REL = 9;
inline constexpr u64 SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
inline constexpr u8 STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
inline constexpr u8 STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
inline constexpr u8 STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;
inline constexpr u16 SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1,
                     SHN_COMMON = 0xfff2;
inline constexpr u16 EM_BPF = 247;
// BPF relocation types (llvm/include/llvm/BinaryFormat/ELFRelocs/BPF.def).
inline constexpr u32 R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2,
                     R_BPF_64_ABS32 = 3, R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
}  // namespace elf

struct ElfSection {
  u32 index = 0;
  std::string name;
  u32 type = 0;
  u64 flags = 0;
  u64 size = 0;
  u32 link = 0;
  u32 info = 0;
  u64 entsize = 0;
  std::span<const u8> data;  // empty for SHT_NOBITS

  bool is_exec() const { return type == elf::SHT_PROGBITS && (flags & elf::SHF_EXECINSTR); }
};

struct ElfSymbol {
  u32 index = 0;
  std::string name;
  u64 value = 0;
  u64 size = 0;
  u8 type = 0;  // STT_*
  u8 bind = 0;  // STB_*
  u8 visibility = 0;
  u16 shndx = 0;
};

struct ElfReloc {
  u64 offset = 0;  // inside the target section
  u32 type = 0;
  u32 sym = 0;
};

class ElfFile {
public:
  static Result<ElfFile> parse(std::span<const u8> data, const std::string& file);

  const std::vector<ElfSection>& sections() const { return sections_; }
  const ElfSection* section(u32 index) const {
    return index < sections_.size() ? &sections_[index] : nullptr;
  }
  const ElfSection* find_section(std::string_view name) const;
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  // REL relocations that apply to section `target`, with the relocation
  // section's name for errors.
  struct RelocSet {
    u32 target = 0;
    std::string name;
    std::vector<ElfReloc> relocs;
  };
  const std::vector<RelocSet>& relocations() const { return relocs_; }
  const RelocSet* relocations_for(u32 target) const;

private:
  std::vector<ElfSection> sections_;
  std::vector<ElfSymbol> symbols_;
  std::vector<RelocSet> relocs_;
};

}  // namespace ups::bpf
