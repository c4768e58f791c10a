// ELF64 parsing for BPF objects (System V gABI "Object Files"). Only what a
// relocatable BPF object uses; anything else is rejected with a message.
#include "bpf/object/elf_reader.h"

#include <fmt/format.h>

#include "bpf/object/load_error.h"

#include "bpf/object/byte_reader.h"

namespace ups::bpf {

namespace {

constexpr size_t kEhdrSize = 64, kShdrSize = 64, kSymSize = 24, kRelSize = 16;
constexpr u32 kMaxSections = 65280;  // below SHN_LORESERVE; no extended numbering

tl::unexpected<Error> elf_error(const std::string& file, std::string what, std::string msg) {
  return make_error(ErrorKind::malformed, std::move(msg), where_at(file, std::move(what)));
}

}  // namespace

Result<ElfFile> ElfFile::parse(std::span<const u8> data, const std::string& file) {
  ByteReader r(data);
  if (!r.has(0, kEhdrSize))
    return elf_error(file, "ELF header", fmt::format("truncated file: {} bytes, an ELF header needs 64", data.size()));
  if (r.read<u8>(0) != 0x7f || r.read<u8>(1) != 'E' || r.read<u8>(2) != 'L' || r.read<u8>(3) != 'F')
    return elf_error(file, "ELF header", "not an ELF file (bad magic)");
  if (r.read<u8>(4) != 2) return elf_error(file, "ELF header", "not ELF64 (class " + std::to_string(r.read<u8>(4)) + ")");
  if (r.read<u8>(5) != 1) return elf_error(file, "ELF header", "not little-endian (data encoding " + std::to_string(r.read<u8>(5)) + ")");
  u16 e_type = r.read<u16>(16), e_machine = r.read<u16>(18);
  if (e_type != 1) return elf_error(file, "ELF header", fmt::format("not a relocatable object (e_type {}); build with clang -c", e_type));
  if (e_machine != elf::EM_BPF)
    return elf_error(file, "ELF header", fmt::format("wrong machine {}, expected BPF (247); build with clang -target bpf", e_machine));
  u64 shoff = r.read<u64>(40);
  u16 shentsize = r.read<u16>(58), shnum = r.read<u16>(60), shstrndx = r.read<u16>(62);
  if (shnum == 0) return elf_error(file, "ELF header", "no section headers");
  if (shentsize != kShdrSize) return elf_error(file, "ELF header", fmt::format("section header size {}, expected 64", shentsize));
  if (shnum > kMaxSections) return elf_error(file, "ELF header", fmt::format("{} sections: too many", shnum));
  if (!r.has(shoff, u64{shnum} * kShdrSize))
    return elf_error(file, "ELF header", fmt::format("section headers at offset {} ({} of them) run past the end of the {}-byte file", shoff, shnum, data.size()));
  if (shstrndx >= shnum) return elf_error(file, "ELF header", fmt::format("bad section index {} for section names ({} sections)", shstrndx, shnum));

  ElfFile f;
  f.sections_.resize(shnum);
  for (u32 i = 0; i < shnum; ++i) {
    u64 h = shoff + u64{i} * kShdrSize;
    ElfSection& s = f.sections_[i];
    s.index = i;
    s.type = r.read<u32>(h + 4);
    s.flags = r.read<u64>(h + 8);
    u64 off = r.read<u64>(h + 24);
    s.size = r.read<u64>(h + 32);
    s.link = r.read<u32>(h + 40);
    s.info = r.read<u32>(h + 44);
    s.entsize = r.read<u64>(h + 56);
    if (s.type != elf::SHT_NOBITS && s.type != elf::SHT_NULL) {
      if (!r.has(off, s.size))
        return elf_error(file, fmt::format("section {}", i),
                         fmt::format("contents [{}, +{}) run past the end of the {}-byte file", off, s.size, data.size()));
      s.data = r.bytes(off, s.size);
    }
  }
  const ElfSection& shstr = f.sections_[shstrndx];
  if (shstr.type != elf::SHT_STRTAB) return elf_error(file, fmt::format("section {}", shstrndx), "section-name table is not a string table");
  ByteReader names(shstr.data);
  for (auto& s : f.sections_) {
    u32 name_off = r.read<u32>(shoff + u64{s.index} * kShdrSize);
    std::string_view name;
    if (!names.c_string(name_off, name))
      return elf_error(file, fmt::format("section {}", s.index), fmt::format("name offset {} outside the section-name table", name_off));
    s.name = std::string(name);
  }

  // Symbols.
  const ElfSection* symtab = nullptr;
  for (const auto& s : f.sections_)
    if (s.type == elf::SHT_SYMTAB) {
      if (symtab) return elf_error(file, "section " + s.name, "more than one symbol table");
      symtab = &s;
    }
  if (symtab) {
    if (symtab->entsize != kSymSize || symtab->size % kSymSize != 0)
      return elf_error(file, "section " + symtab->name, fmt::format("symbol entry size {} / table size {}, expected multiples of 24", symtab->entsize, symtab->size));
    const ElfSection* strtab = f.section(symtab->link);
    if (!strtab || strtab->type != elf::SHT_STRTAB)
      return elf_error(file, "section " + symtab->name, fmt::format("bad section index {} for its string table", symtab->link));
    ByteReader sr(symtab->data), str(strtab->data);
    size_t n = symtab->size / kSymSize;
    f.symbols_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      u64 p = i * kSymSize;
      ElfSymbol& sym = f.symbols_[i];
      sym.index = static_cast<u32>(i);
      u32 name_off = sr.read<u32>(p);
      u8 info = sr.read<u8>(p + 4);
      sym.type = info & 0xf;
      sym.bind = info >> 4;
      sym.visibility = sr.read<u8>(p + 5) & 3;
      sym.shndx = sr.read<u16>(p + 6);
      sym.value = sr.read<u64>(p + 8);
      sym.size = sr.read<u64>(p + 16);
      std::string_view name;
      if (!str.c_string(name_off, name))
        return elf_error(file, fmt::format("symbol {}", i), fmt::format("name offset {} outside the string table", name_off));
      sym.name = std::string(name);
      if (sym.shndx != elf::SHN_UNDEF && sym.shndx < elf::SHN_LORESERVE && sym.shndx >= shnum)
        return elf_error(file, fmt::format("symbol {} ({})", i, sym.name), fmt::format("bad section index {} ({} sections)", sym.shndx, shnum));
      // Section symbols are unnamed; name them for messages.
      if (sym.type == elf::STT_SECTION && sym.name.empty() && sym.shndx != elf::SHN_UNDEF &&
          sym.shndx < elf::SHN_LORESERVE)
        sym.name = f.sections_[sym.shndx].name;
    }
  }

  // Relocations.
  for (const auto& s : f.sections_) {
    if (s.type == elf::SHT_RELA)
      return elf_error(file, "section " + s.name, "RELA relocations are not used by BPF objects");
    if (s.type != elf::SHT_REL) continue;
    if (s.entsize != kRelSize || s.size % kRelSize != 0)
      return elf_error(file, "section " + s.name, fmt::format("relocation entry size {} / table size {}, expected multiples of 16", s.entsize, s.size));
    if (s.info >= shnum || s.info == 0)
      return elf_error(file, "section " + s.name, fmt::format("bad section index {} for the section it relocates", s.info));
    if (!symtab || s.link != symtab->index)
      return elf_error(file, "section " + s.name, fmt::format("bad section index {} for its symbol table", s.link));
    RelocSet set;
    set.target = s.info;
    set.name = s.name;
    ByteReader rr(s.data);
    for (u64 p = 0; p < s.size; p += kRelSize) {
      ElfReloc rel;
      rel.offset = rr.read<u64>(p);
      u64 info = rr.read<u64>(p + 8);
      rel.type = static_cast<u32>(info);
      rel.sym = static_cast<u32>(info >> 32);
      if (rel.sym >= f.symbols_.size())
        return elf_error(file, fmt::format("section {} entry {}", s.name, p / kRelSize),
                         fmt::format("symbol index {} outside the symbol table ({} symbols)", rel.sym, f.symbols_.size()));
      set.relocs.push_back(rel);
    }
    f.relocs_.push_back(std::move(set));
  }
  return f;
}

const ElfSection* ElfFile::find_section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

const ElfFile::RelocSet* ElfFile::relocations_for(u32 target) const {
  for (const auto& r : relocs_)
    if (r.target == target) return &r;
  return nullptr;
}

}  // namespace ups::bpf
