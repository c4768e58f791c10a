// Loader phase: per executable section, the ELF relocations (maps, global
// data, calls, kfuncs, callback addresses) and the CO-RE relocations.
#include "bpf/object/object_builder.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "bpf/object/load_error.h"
#include "bpf/object/core_relocator.h"

namespace ups::bpf::loader {

namespace {

constexpr u8 kLddw = op::LD | op::DW | op::IMM;
constexpr u8 kCall = op::JMP | op::CALL;

}  // namespace

// True if `name` is declared as an extern function (kfunc) in BTF, or is
// an undefined symbol not found in .kconfig.
bool ObjectBuilder::is_extern_func(const std::string& name) const {
  auto id = obj_.btf_.find(BtfKind::func, name);
  return id && obj_.btf_.type(*id)->linkage == 2;
}

Status ObjectBuilder::relocate_sections() {
  for (const auto& sec : elf_.sections()) {
    if (!sec.is_exec() || sec.size == 0) continue;
    if (sec.size % 8)
      return fail(ErrorKind::malformed, "section " + sec.name, fmt::format("size {} is not a multiple of 8", sec.size));
    SectionCode sc;
    sc.index = sec.index;
    sc.name = sec.name;
    sc.code.resize(sec.size / 8);
    std::memcpy(static_cast<void*>(sc.code.data()), sec.data.data(), sec.size);
    if (const auto* rels = elf_.relocations_for(sec.index))
      for (size_t i = 0; i < rels->relocs.size(); ++i)
        if (auto s = apply_reloc(sc, *rels, i); !s) return s;
    // Calls to static functions of the same section carry no relocation.
    for (u32 i = 0; i < sc.code.size(); ++i) {
      const Insn& in = sc.code[i];
      if (in.opcode == kCall && in.src() == op::CALL_LOCAL && !sc.refs.count(i)) {
        s64 target = s64{i} + in.imm + 1;
        if (target < 0 || target >= static_cast<s64>(sc.code.size()))
          return fail(ErrorKind::malformed, insn_where(sc.name, i), fmt::format("call target {} outside the section", target));
        sc.refs[i] = CodeRef{sc.index, static_cast<u32>(target)};
      }
      if (in.opcode == kLddw) ++i;
    }
    if (auto s = apply_core(sc); !s) return s;
    sections_.push_back(std::move(sc));
  }
  return {};
}

Status ObjectBuilder::apply_reloc(SectionCode& sc, const ElfFile::RelocSet& set, size_t n) {
  const ElfReloc& r = set.relocs[n];
  const ElfSymbol& sym = elf_.symbols()[r.sym];
  std::string where = fmt::format("{} entry {}", set.name, n);
  if (r.type == elf::R_BPF_NONE) return {};
  if (r.offset % 8 || r.offset / 8 >= sc.code.size())
    return fail(ErrorKind::malformed, where, fmt::format("relocation offset {} out of range for section {} ({} bytes)",
                                                         r.offset, sc.name, sc.code.size() * 8));
  u32 idx = static_cast<u32>(r.offset / 8);
  Insn& in = sc.code[idx];
  where = insn_where(sc.name, idx);
  if (r.type == elf::R_BPF_64_64) {
    if (in.opcode != kLddw || idx + 1 >= sc.code.size())
      return fail(ErrorKind::malformed, where, fmt::format("64-bit relocation against {} on opcode 0x{:02x}, expected lddw", sym.name, in.opcode));
    return reloc_lddw(sc, idx, sym, where);
  }
  if (r.type == elf::R_BPF_64_32) {
    if (in.opcode != kCall)
      return fail(ErrorKind::malformed, where, fmt::format("call relocation against {} on opcode 0x{:02x}, expected call", sym.name, in.opcode));
    return reloc_call(sc, idx, sym, where);
  }
  if (r.type == elf::R_BPF_64_ABS64 || r.type == elf::R_BPF_64_ABS32 || r.type == elf::R_BPF_64_NODYLD32)
    return fail(ErrorKind::unsupported, where, fmt::format("data relocation type {} against {} in code", r.type, sym.name));
  return fail(ErrorKind::unsupported, where, fmt::format("unknown relocation type {} against {}", r.type, sym.name));
}

Status ObjectBuilder::reloc_lddw(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where) {
  Insn& in = sc.code[idx];
  Insn& hi = sc.code[idx + 1];
  if (sym.shndx == elf::SHN_UNDEF) {
    if (auto it = kconfig_off_.find(sym.name); it != kconfig_off_.end()) {
      in.set_src(op::PSEUDO_MAP_IDX_VALUE);
      in.imm = static_cast<s32>(kconfig_map_);
      hi.imm = static_cast<s32>(it->second);
      return {};
    }
    if (is_extern_func(sym.name)) {
      // bpf_ksym_exists(kfunc): the address is only ever tested for 0.
      auto idx_k = lookup_kfunc(sym.name);
      if (!idx_k && !weak_or_allowed(sym))
        return fail(ErrorKind::not_found, where, fmt::format("unknown kfunc {}", strip_flavour(sym.name)));
      in.set_src(0);
      in.imm = idx_k ? 1 : 0;
      hi.imm = 0;
      return {};
    }
    return fail(ErrorKind::unsupported, where,
                fmt::format("reference to extern variable {} (typed __ksym variables are not supported)", sym.name));
  }
  if (sym.shndx >= elf::SHN_LORESERVE)
    return fail(ErrorKind::malformed, where, fmt::format("lddw of symbol {} with special section index 0x{:x}", sym.name, sym.shndx));
  const ElfSection* target = elf_.section(sym.shndx);
  if (auto it = map_at_.find({sym.shndx, sym.value}); it != map_at_.end()) {
    in.set_src(op::PSEUDO_MAP_IDX);
    in.imm = static_cast<s32>(it->second);
    hi.imm = 0;
    return {};
  }
  if (auto it = data_map_.find(sym.shndx); it != data_map_.end()) {
    s64 off = static_cast<s64>(sym.value) + in.imm;
    if (off < 0 || static_cast<u64>(off) > target->size)
      return fail(ErrorKind::malformed, where, fmt::format("offset {} outside section {} ({} bytes)", off, target->name, target->size));
    in.set_src(op::PSEUDO_MAP_IDX_VALUE);
    in.imm = static_cast<s32>(it->second);
    hi.imm = static_cast<s32>(off);
    return {};
  }
  if (target->is_exec()) {
    // A callback's address (bpf_loop, timers): global function symbol
    // with imm 0, or the section symbol with imm = byte offset.
    s64 off = static_cast<s64>(sym.value) + in.imm;
    if (off < 0 || off % 8 || static_cast<u64>(off) >= target->size)
      return fail(ErrorKind::malformed, where, fmt::format("callback address {} in section {} is not an instruction", off, target->name));
    in.set_src(op::PSEUDO_FUNC);
    sc.refs[idx] = CodeRef{sym.shndx, static_cast<u32>(off / 8)};
    return {};
  }
  if (target->name == ".maps")
    return fail(ErrorKind::malformed, where, fmt::format("{} at offset {} of .maps is not a map", sym.name, sym.value));
  return fail(ErrorKind::unsupported, where, fmt::format("lddw of {} in section {}, which is neither a map nor global data", sym.name, target->name));
}

// The exact name first (the kernel has kfuncs named `x___v2`), then
// without its flavour suffix (libbpf's essential name). `resolved` gets
// the name that matched.
bool ObjectBuilder::weak_or_allowed(const ElfSymbol& sym) const {
  return sym.bind == elf::STB_WEAK || opts_.allow_unresolved_externs;
}

std::optional<u32> ObjectBuilder::lookup_kfunc(const std::string& name, std::string* resolved) const {
  if (!opts_.kfunc_lookup) return std::nullopt;
  if (auto k = opts_.kfunc_lookup(name)) {
    if (resolved) *resolved = name;
    return k;
  }
  std::string_view essential = strip_flavour(name);
  if (essential.size() == name.size()) return std::nullopt;
  auto k = opts_.kfunc_lookup(essential);
  if (k && resolved) *resolved = std::string(essential);
  return k;
}

Status ObjectBuilder::reloc_call(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where) {
  Insn& in = sc.code[idx];
  if (sym.shndx == elf::SHN_UNDEF) {
    std::string name(strip_flavour(sym.name));
    auto k = lookup_kfunc(sym.name, &name);
    in.set_src(op::CALL_KFUNC);
    in.off = 0;
    if (k) {
      in.imm = static_cast<s32>(*k);
      sc.kfuncs[idx] = name;
      return {};
    }
    if (!weak_or_allowed(sym))
      return fail(ErrorKind::not_found, where, fmt::format("unknown kfunc {}", name));
    in.imm = kUnresolvedKfunc;
    sc.poisoned[idx] = fmt::format("call to kfunc {}, which this host does not provide (weak extern; guard it with bpf_ksym_exists())", name);
    return {};
  }
  if (in.src() != op::CALL_LOCAL)
    return fail(ErrorKind::malformed, where, fmt::format("call relocation against {} on a call with src_reg {}", sym.name, in.src()));
  if (sym.shndx >= elf::SHN_LORESERVE || !elf_.section(sym.shndx)->is_exec())
    return fail(ErrorKind::malformed, where, fmt::format("call to {}, which is not in an executable section", sym.name));
  const ElfSection* target = elf_.section(sym.shndx);
  // libbpf: callee = sym_off / 8 + imm + 1 (global: imm = -1; static:
  // section symbol with imm = callee - 1).
  s64 callee = static_cast<s64>(sym.value / 8) + in.imm + 1;
  if (sym.value % 8 || callee < 0 || static_cast<u64>(callee) >= target->size / 8)
    return fail(ErrorKind::malformed, where, fmt::format("call target {} outside section {}", callee, target->name));
  sc.refs[idx] = CodeRef{sym.shndx, static_cast<u32>(callee)};
  return {};
}

Status ObjectBuilder::apply_core(SectionCode& sc) {
  auto it = ext_.core_relos.find(sc.name);
  if (it == ext_.core_relos.end()) return {};
  const auto& relos = it->second;
  for (const auto& r : relos) {
    u32 idx = r.insn_off / 8;
    if (r.insn_off % 8 || idx >= sc.code.size())
      return fail(ErrorKind::malformed, ".BTF.ext", fmt::format("CO-RE relocation at byte {} outside section {}", r.insn_off, sc.name));
    auto out = resolve_core_relo(obj_.btf_, r, *host_);
    if (!out) {
      Error e = out.error();
      e.where.what = insn_where(sc.name, idx);
      return with_file(std::move(e));
    }
    if (out->resolved) {
      if (auto s = patch_core_insn(sc.code, idx, *out, r.kind); !s) {
        Error e = s.error();
        e.where.what = insn_where(sc.name, idx);
        return with_file(std::move(e));
      }
      continue;
    }
    // Unresolved: fine when guarded by an existence check of the same
    // access (the guarded code is dead); otherwise the object cannot run.
    bool guarded = std::any_of(relos.begin(), relos.end(), [&](const BtfExtCoreRelo& g) {
      bool exist_kind = g.kind == CoreReloKind::field_exists || g.kind == CoreReloKind::type_exists ||
                        g.kind == CoreReloKind::enumval_exists;
      return exist_kind && g.type_id == r.type_id && g.access == r.access;
    });
    std::string why = fmt::format("CO-RE {}: {}", core_relo_kind_name(r.kind), out->failure);
    if (!guarded)
      return fail(ErrorKind::not_found, insn_where(sc.name, idx),
                  why + " (guard the access with bpf_core_field_exists() if it is optional)");
    poison_insn(sc.code, idx);
    sc.poisoned[idx] = why;
  }
  return {};
}

}  // namespace ups::bpf::loader
