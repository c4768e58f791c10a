// load_object: ELF + BTF + BTF.ext -> Object. The order follows libbpf's
// bpf_object__open/load: collect maps (.maps, global data, .kconfig), then
// per executable section copy the code and apply ELF relocations (maps,
// data, calls, kfuncs, callbacks) and CO-RE relocations, then build each
// program as its entry function plus every subprogram it reaches, then bind
// the struct_ops tables by member name.
#include <algorithm>
#include <deque>
#include <fstream>
#include <cstring>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "base/bounded_file.h"
#include "bpf/object/load_error.h"

#include "bpf/object/btf_ext.h"
#include "bpf/object/btf_maps.h"
#include "bpf/object/core_relocator.h"
#include "bpf/object/elf_reader.h"
#include "bpf/object/object.h"

namespace ups::bpf {

namespace {

constexpr u8 kLddw = op::LD | op::DW | op::IMM;
constexpr u8 kCall = op::JMP | op::CALL;

// A function symbol in an executable section: [start, end) in slots.
struct Function {
  u32 section = 0;
  u32 start = 0;
  u32 end = 0;
  std::string name;
  bool global = false;
};

// What a relocated call or PSEUDO_FUNC lddw points at, before programs are
// assembled (section-relative).
struct CodeRef {
  u32 section = 0;
  u32 insn = 0;
};

// One executable section after ELF and CO-RE relocation.
struct SectionCode {
  u32 index = 0;
  std::string name;
  std::vector<Insn> code;
  std::map<u32, CodeRef> refs;            // insn -> callee / callback
  std::map<u32, std::string> poisoned;    // insn -> why
  std::map<u32, std::string> kfuncs;      // insn -> kfunc name (resolved calls)
};

bool is_global_data_section(std::string_view n) {
  return n == ".data" || n == ".bss" || n == ".rodata" || n.starts_with(".data.") ||
         n.starts_with(".rodata.");
}

GlobalKind global_kind(std::string_view n) {
  if (n.starts_with(".rodata")) return GlobalKind::rodata;
  if (n == ".bss") return GlobalKind::bss;
  return GlobalKind::data;
}

bool sleepable_section(std::string_view sec) {
  size_t slash = sec.find('/');
  std::string_view prefix = sec.substr(0, slash);
  return prefix.ends_with(".s");
}

}  // namespace

class ObjectBuilder {
public:
  ObjectBuilder(std::span<const u8> data, const LoadOptions& opts) : data_(data), opts_(opts) {}

  Result<Object> build() {
    auto elf = ElfFile::parse(data_, opts_.file_name);
    if (!elf) return tl::unexpected(elf.error());
    elf_ = std::move(*elf);
    obj_.file_name_ = opts_.file_name;
    Status s = parse_btf();
    if (s) s = read_license();
    if (s) s = collect_functions();
    if (s) s = collect_maps();
    if (s) s = collect_map_initialisers();
    if (s) s = collect_global_data();
    if (s) s = collect_kconfig();
    if (s) s = relocate_sections();
    if (s) s = build_programs();
    if (s) s = bind_struct_ops();
    if (!s) return tl::unexpected(s.error());
    return std::move(obj_);
  }

private:
  tl::unexpected<Error> fail(ErrorKind kind, std::string what, std::string msg) {
    return make_error(kind, std::move(msg), where_at(opts_.file_name, std::move(what)));
  }
  tl::unexpected<Error> rethrow(Error e) {
    if (e.where.file.empty()) e.where.file = opts_.file_name;
    return tl::unexpected(std::move(e));
  }

  // "instruction 12 (minimal.bpf.c:40)" for errors about section code.
  std::string insn_where(const std::string& sec, u32 insn) const {
    std::string w = fmt::format("section {} instruction {}", sec, insn);
    auto it = ext_.line_info.find(sec);
    if (it == ext_.line_info.end()) return w;
    // line_info is sorted by insn_off (parse_btf): the last entry at or
    // before the instruction.
    auto after = std::upper_bound(it->second.begin(), it->second.end(), u64{insn} * 8,
                                  [](u64 off, const BtfExtLine& l) { return off < l.insn_off; });
    if (after == it->second.begin()) return w;
    const BtfExtLine* best = &*(after - 1);
    std::string_view file = best->file;
    if (size_t slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
    return fmt::format("{} ({}:{})", w, file, best->line);
  }

  Status parse_btf() {
    if (const ElfSection* s = elf_.find_section(".BTF")) {
      auto btf = Btf::parse(s->data);
      if (!btf) return rethrow(btf.error());
      obj_.btf_ = std::move(*btf);
      if (const ElfSection* e = elf_.find_section(".BTF.ext")) {
        auto ext = BtfExt::parse(e->data, obj_.btf_);
        if (!ext) return rethrow(ext.error());
        ext_ = std::move(*ext);
        for (auto& [sec, lines] : ext_.line_info) {
          std::stable_sort(lines.begin(), lines.end(),
                           [](const BtfExtLine& a, const BtfExtLine& b) { return a.insn_off < b.insn_off; });
          // Line 0 marks code the compiler made with no source line of its
          // own (spills, merged tails); without it, lookups fall back to
          // the nearest real line before, as `file:0` would help no one.
          std::erase_if(lines, [](const BtfExtLine& l) { return l.line == 0; });
        }
      }
    }
    if (opts_.host) {
      host_ = opts_.host;
    } else {
      own_host_ = host_types_from_btf(obj_.btf_);
      host_ = &own_host_;
    }
    return {};
  }

  Status read_license() {
    const ElfSection* s = elf_.find_section("license");
    if (!s) return {};
    std::string_view text(reinterpret_cast<const char*>(s->data.data()), s->data.size());
    obj_.license_ = std::string(text.substr(0, text.find('\0')));
    return {};
  }

  Status collect_functions() {
    for (const auto& sym : elf_.symbols()) {
      if (sym.type != elf::STT_FUNC || sym.shndx == elf::SHN_UNDEF || sym.shndx >= elf::SHN_LORESERVE) continue;
      const ElfSection* sec = elf_.section(sym.shndx);
      if (!sec->is_exec())
        return fail(ErrorKind::malformed, "symbol " + sym.name, fmt::format("function in non-executable section {}", sec->name));
      if (sym.value % 8 || sym.size % 8 || sym.value > sec->size || sym.size > sec->size - sym.value)
        return fail(ErrorKind::malformed, "symbol " + sym.name,
                    fmt::format("function [{}, +{}) is not inside section {} ({} bytes) on instruction boundaries",
                                sym.value, sym.size, sec->name, sec->size));
      Function f{sym.shndx, static_cast<u32>(sym.value / 8), static_cast<u32>((sym.value + sym.size) / 8),
                 sym.name, sym.bind != elf::STB_LOCAL};
      if (f.end == f.start) continue;  // zero-size: nothing to run
      functions_.push_back(std::move(f));
    }
    std::sort(functions_.begin(), functions_.end(), [](const Function& a, const Function& b) {
      return std::tie(a.section, a.start) < std::tie(b.section, b.start);
    });
    for (size_t i = 1; i < functions_.size(); ++i)
      if (functions_[i].section == functions_[i - 1].section && functions_[i].start < functions_[i - 1].end)
        return fail(ErrorKind::malformed, "symbol " + functions_[i].name,
                    fmt::format("overlaps function {}", functions_[i - 1].name));
    return {};
  }

  // functions_ is sorted by (section, start) and non-overlapping.
  const Function* function_at(u32 section, u32 insn) const {
    auto it = std::upper_bound(functions_.begin(), functions_.end(), std::pair(section, insn),
                               [](const std::pair<u32, u32>& key, const Function& f) {
                                 return key < std::pair(f.section, f.start);
                               });
    if (it == functions_.begin()) return nullptr;
    --it;
    return it->section == section && insn < it->end ? &*it : nullptr;
  }

  // Datasec of `name` in the BTF, or null.
  const BtfType* datasec(std::string_view name) const {
    auto id = obj_.btf_.find(BtfKind::datasec, name);
    return id ? obj_.btf_.type(*id) : nullptr;
  }

  Status collect_maps() {
    const ElfSection* maps = elf_.find_section(".maps");
    if (!maps) {
      if (elf_.find_section("maps"))
        return fail(ErrorKind::unsupported, "section maps", "legacy `struct bpf_map_def SEC(\"maps\")` maps are not supported; use BTF-defined maps in .maps");
      return {};
    }
    const BtfType* ds = datasec(".maps");
    if (!ds) return fail(ErrorKind::malformed, "section .maps", "no BTF for the maps (build with -g)");
    for (const auto& sym : elf_.symbols()) {
      if (sym.shndx != maps->index || sym.type == elf::STT_SECTION) continue;
      const BtfSecInfo* info = nullptr;
      for (const auto& v : ds->secinfo) {
        const BtfType* var = obj_.btf_.type(v.type);
        if (var && var->kind == BtfKind::var && var->name == sym.name) info = &v;
      }
      if (!info) return fail(ErrorKind::malformed, "map " + sym.name, "no BTF variable in the .maps datasec");
      const u32 def_type = obj_.btf_.type(info->type)->type;
      auto def = parse_btf_map(obj_.btf_, sym.name, def_type);
      if (!def) return rethrow(def.error());
      map_at_[{maps->index, sym.value}] = obj_.maps_.size();
      map_extents_.push_back(MapExtent{sym.value, sym.size, values_offset(def_type), obj_.maps_.size()});
      obj_.maps_.push_back(std::move(*def));
    }
    return {};
  }

  // Byte offset of the `values` member (map-in-map initialiser) in a map
  // definition struct, if it has one.
  std::optional<u64> values_offset(u32 def_type) const {
    const BtfType* def = obj_.btf_.type(obj_.btf_.skip_modifiers(def_type));
    if (!def) return std::nullopt;
    for (const auto& m : def->members)
      if (m.name == "values") return m.bit_offset / 8;
    return std::nullopt;
  }

  // `.values = { [i] = &inner, ... }` of a map-in-map: clang leaves the
  // slots zero and emits one R_BPF_64_ABS64 relocation in `.rel.maps` per
  // slot, against the inner map's symbol (libbpf collect_map_relos).
  Status collect_map_initialisers() {
    const ElfSection* maps = elf_.find_section(".maps");
    if (!maps) return {};
    const auto* rels = elf_.relocations_for(maps->index);
    if (!rels) return {};
    for (size_t n = 0; n < rels->relocs.size(); ++n)
      if (auto s = add_inner_slot(*maps, *rels, n); !s) return s;
    for (auto& m : obj_.maps_)
      std::sort(m.inner_slots.begin(), m.inner_slots.end(),
                [](const InnerMapSlot& a, const InnerMapSlot& b) { return a.slot < b.slot; });
    return {};
  }

  Status add_inner_slot(const ElfSection& maps, const ElfFile::RelocSet& set, size_t n) {
    const ElfReloc& r = set.relocs[n];
    const ElfSymbol& sym = elf_.symbols()[r.sym];
    const std::string where = fmt::format("{} entry {}", set.name, n);
    if (r.type == elf::R_BPF_NONE) return {};
    auto outer_it = std::find_if(map_extents_.begin(), map_extents_.end(), [&](const MapExtent& e) {
      return r.offset >= e.start && r.offset - e.start < e.size;
    });
    if (outer_it == map_extents_.end())
      return fail(ErrorKind::malformed, where, fmt::format("relocation at offset {} of .maps is not inside a map definition", r.offset));
    MapDef& outer = obj_.maps_[outer_it->map_index];
    const std::string what = fmt::format("{} (map {})", where, outer.name);
    if (outer.type != MapType::array_of_maps && outer.type != MapType::hash_of_maps)
      return fail(ErrorKind::unsupported, what,
                  fmt::format("relocation against {} in a map that is not a map of maps; only map-in-map `values` may point to maps",
                              sym.name));
    if (r.type != elf::R_BPF_64_ABS64)
      return fail(ErrorKind::unsupported, what, fmt::format("relocation type {} in `values`, expected R_BPF_64_ABS64 ({})", r.type, elf::R_BPF_64_ABS64));
    const u64 member = r.offset - outer_it->start;
    if (!outer_it->values_off || member < *outer_it->values_off || (member - *outer_it->values_off) % 8)
      return fail(ErrorKind::malformed, what, fmt::format("relocation at byte {} of the definition is not a `values` slot", member));
    const u64 slot = (member - *outer_it->values_off) / 8;
    if (slot >= outer.max_entries)
      return fail(ErrorKind::malformed, what, fmt::format("slot {} is beyond max_entries {}", slot, outer.max_entries));
    // REL: the addend is the slot's own content (0 unless the symbol is
    // the section's and the addend gives the map's offset).
    u64 addend = 0;
    if (maps.type == elf::SHT_PROGBITS && r.offset <= maps.data.size() && maps.data.size() - r.offset >= 8)
      std::memcpy(&addend, maps.data.data() + r.offset, 8);
    auto inner_it = sym.shndx == maps.index ? map_at_.find({maps.index, sym.value + addend}) : map_at_.end();
    if (inner_it == map_at_.end())
      return fail(ErrorKind::malformed, what, fmt::format("slot {} points to {}, which is not a map in .maps", slot, sym.name));
    if (inner_it->second == outer_it->map_index)
      return fail(ErrorKind::malformed, what, fmt::format("slot {} points to the map itself", slot));
    for (const auto& s : outer.inner_slots)
      if (s.slot == slot) return fail(ErrorKind::malformed, what, fmt::format("slot {} is initialised twice", slot));
    outer.inner_slots.push_back(InnerMapSlot{static_cast<u32>(slot), static_cast<u32>(inner_it->second)});
    return {};
  }

  Status collect_global_data() {
    for (const auto& sec : elf_.sections()) {
      if (!is_global_data_section(sec.name)) continue;
      if (sec.type != elf::SHT_PROGBITS && sec.type != elf::SHT_NOBITS) continue;
      if (sec.size == 0) continue;
      if (sec.size > (1u << 26))
        return fail(ErrorKind::unsupported, "section " + sec.name, fmt::format("{} bytes of global data: too large", sec.size));
      MapDef m;
      m.name = sec.name;
      m.type = MapType::array;
      m.key_size = 4;
      m.value_size = static_cast<u32>(sec.size);
      m.max_entries = 1;
      m.global = global_kind(sec.name);
      m.map_flags = BPF_F_MMAPABLE | (m.global == GlobalKind::rodata ? BPF_F_RDONLY_PROG : 0);
      if (sec.type == elf::SHT_PROGBITS) m.initial.assign(sec.data.begin(), sec.data.end());
      if (m.global == GlobalKind::bss) m.initial.clear();
      size_t index = obj_.maps_.size();
      if (auto id = obj_.btf_.find(BtfKind::datasec, sec.name)) {
        m.btf_value_type_id = *id;
        for (const auto& v : obj_.btf_.type(*id)->secinfo) {
          const BtfType* var = obj_.btf_.type(v.type);
          if (!var || var->kind != BtfKind::var) continue;
          GlobalVar g{var->name, index, v.offset, v.size, var->type, m.global == GlobalKind::rodata};
          // The symbol is authoritative for the offset (older clangs leave
          // the datasec offsets for libbpf to fill in).
          for (const auto& sym : elf_.symbols())
            if (sym.shndx == sec.index && sym.name == var->name && sym.type == elf::STT_OBJECT) {
              g.offset = static_cast<u32>(sym.value);
              if (sym.size) g.size = static_cast<u32>(sym.size);
            }
          if (u64{g.offset} + g.size > sec.size)
            return fail(ErrorKind::malformed, "section " + sec.name,
                        fmt::format("variable {} [{}, +{}) outside the section", g.name, g.offset, g.size));
          obj_.globals_.push_back(std::move(g));
        }
      }
      data_map_[sec.index] = index;
      obj_.maps_.push_back(std::move(m));
    }
    return {};
  }

  // `extern T name __kconfig [__weak]`: undefined symbols whose BTF VAR is
  // in the .kconfig datasec; laid out in one read-only map.
  Status collect_kconfig() {
    const BtfType* ds = datasec(".kconfig");
    if (!ds) return {};
    MapDef m;
    m.name = ".kconfig";
    m.type = MapType::array;
    m.key_size = 4;
    m.max_entries = 1;
    m.global = GlobalKind::kconfig;
    m.map_flags = BPF_F_MMAPABLE | BPF_F_RDONLY_PROG;
    size_t index = obj_.maps_.size();
    u32 off = 0;
    for (const auto& v : ds->secinfo) {
      const BtfType* var = obj_.btf_.type(v.type);
      if (!var || var->kind != BtfKind::var) continue;
      auto size = obj_.btf_.size_of(var->type);
      if (!size || *size == 0 || *size > 8)
        return fail(ErrorKind::unsupported, "extern " + var->name, "a __kconfig extern must be an integer of at most 8 bytes");
      off = (off + *size - 1) / *size * *size;
      bool weak = false;
      for (const auto& sym : elf_.symbols())
        if (sym.name == var->name && sym.shndx == elf::SHN_UNDEF) weak = sym.bind == elf::STB_WEAK;
      u64 value = 0;
      if (auto it = opts_.kconfig.find(var->name); it != opts_.kconfig.end()) {
        value = it->second;
      } else if (!weak && !opts_.allow_unresolved_externs) {
        return fail(ErrorKind::not_found, "extern " + var->name, "unknown __kconfig value (declare it __weak to default to 0)");
      }
      m.initial.resize(off + *size);
      for (u32 i = 0; i < *size; ++i) m.initial[off + i] = static_cast<u8>(value >> (8 * i));
      kconfig_off_[var->name] = off;
      obj_.globals_.push_back(GlobalVar{var->name, index, off, *size, var->type, true});
      off += *size;
    }
    if (off == 0) return {};
    m.value_size = off;
    kconfig_map_ = index;
    obj_.maps_.push_back(std::move(m));
    return {};
  }

  // True if `name` is declared as an extern function (kfunc) in BTF, or is
  // an undefined symbol not found in .kconfig.
  bool is_extern_func(const std::string& name) const {
    auto id = obj_.btf_.find(BtfKind::func, name);
    return id && obj_.btf_.type(*id)->linkage == 2;
  }

  Status relocate_sections() {
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

  Status apply_reloc(SectionCode& sc, const ElfFile::RelocSet& set, size_t n) {
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

  Status reloc_lddw(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where) {
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
  bool weak_or_allowed(const ElfSymbol& sym) const {
    return sym.bind == elf::STB_WEAK || opts_.allow_unresolved_externs;
  }

  std::optional<u32> lookup_kfunc(const std::string& name, std::string* resolved = nullptr) const {
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

  Status reloc_call(SectionCode& sc, u32 idx, const ElfSymbol& sym, const std::string& where) {
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

  Status apply_core(SectionCode& sc) {
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
        return rethrow(std::move(e));
      }
      if (out->resolved) {
        if (auto s = patch_core_insn(sc.code, idx, *out, r.kind); !s) {
          Error e = s.error();
          e.where.what = insn_where(sc.name, idx);
          return rethrow(std::move(e));
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

  Status build_programs() {
    for (const auto& f : functions_) {
      const ElfSection* sec = elf_.section(f.section);
      if (sec->name == ".text") continue;
      Program p;
      p.name = f.name;
      p.section = sec->name;
      p.sleepable = sleepable_section(sec->name);
      if (auto s = assemble(p, f); !s) return s;
      program_of_[{f.section, f.start}] = obj_.programs_.size();
      obj_.programs_.push_back(std::move(p));
    }
    return {};
  }

  const SectionCode* section_code(u32 index) const {
    for (const auto& s : sections_)
      if (s.index == index) return &s;
    return nullptr;
  }

  // Entry function, then each reached subprogram once, in discovery order.
  Status assemble(Program& p, const Function& entry) {
    std::vector<std::pair<const Function*, u32>> placed;  // function, base slot
    std::map<const Function*, u32> base_of;
    std::deque<size_t> todo;
    auto place = [&](const Function* f) -> u32 {
      if (auto it = base_of.find(f); it != base_of.end()) return it->second;
      u32 base = static_cast<u32>(p.code.size());
      base_of[f] = base;
      const SectionCode* sc = section_code(f->section);
      p.code.insert(p.code.end(), sc->code.begin() + f->start, sc->code.begin() + f->end);
      placed.emplace_back(f, base);
      todo.push_back(placed.size() - 1);
      return base;
    };
    place(&entry);
    while (!todo.empty()) {
      auto [f, base] = placed[todo.front()];
      todo.pop_front();
      const SectionCode* sc = section_code(f->section);
      append_info(p, *sc, *f, base);
      for (auto it = sc->refs.lower_bound(f->start); it != sc->refs.end() && it->first < f->end; ++it) {
        u32 at = base + (it->first - f->start);
        const Function* callee = function_at(it->second.section, it->second.insn);
        std::string where = insn_where(sc->name, it->first);
        if (!callee || callee->start != it->second.insn)
          return fail(ErrorKind::malformed, where,
                      fmt::format("call or callback target (section {} instruction {}) is not the start of a function",
                                  elf_.section(it->second.section)->name, it->second.insn));
        if (p.code.size() + (callee->end - callee->start) > (1u << 20))
          return fail(ErrorKind::unsupported, "program " + p.name, "more than 1M instructions with its subprograms");
        u32 target = place(callee);
        p.code[at].imm = static_cast<s32>(static_cast<s64>(target) - (s64{at} + 1));
      }
      for (auto it = sc->poisoned.lower_bound(f->start); it != sc->poisoned.end() && it->first < f->end; ++it)
        p.poisoned[base + it->first - f->start] = it->second;
      for (auto it = sc->kfuncs.lower_bound(f->start); it != sc->kfuncs.end() && it->first < f->end; ++it)
        p.kfuncs[static_cast<u32>(sc->code[it->first].imm)] = it->second;
    }
    return {};
  }

  void append_info(Program& p, const SectionCode& sc, const Function& f, u32 base) {
    FuncInfo fi{base, f.name, 0};
    if (auto it = ext_.func_info.find(sc.name); it != ext_.func_info.end())
      for (const auto& e : it->second)
        if (e.insn_off / 8 == f.start) fi.btf_type_id = e.type_id;
    p.func_info.push_back(fi);
    auto it = ext_.line_info.find(sc.name);
    if (it == ext_.line_info.end()) return;
    const auto& lines = it->second;  // sorted by insn_off
    auto l = std::lower_bound(lines.begin(), lines.end(), u64{f.start} * 8,
                              [](const BtfExtLine& e, u64 off) { return e.insn_off < off; });
    for (; l != lines.end() && l->insn_off < u64{f.end} * 8; ++l) {
      if (l->insn_off % 8) continue;
      p.line_info.push_back(LineInfo{base + l->insn_off / 8 - f.start, l->file, l->line, l->column, l->text});
    }
  }

  Status bind_struct_ops() {
    for (const auto& sec : elf_.sections()) {
      if (sec.name != ".struct_ops" && sec.name != ".struct_ops.link") continue;
      const BtfType* ds = datasec(sec.name);
      if (!ds) return fail(ErrorKind::malformed, "section " + sec.name, "no BTF for the struct_ops variables (build with -g)");
      const auto* rels = elf_.relocations_for(sec.index);
      for (const auto& sym : elf_.symbols()) {
        if (sym.shndx != sec.index || sym.type != elf::STT_OBJECT) continue;
        const BtfType* var = nullptr;
        for (const auto& v : ds->secinfo) {
          const BtfType* t = obj_.btf_.type(v.type);
          if (t && t->kind == BtfKind::var && t->name == sym.name) var = t;
        }
        if (!var) return fail(ErrorKind::malformed, "struct_ops " + sym.name, "no BTF variable in the datasec");
        if (auto s = bind_one(sec, sym, *var, rels); !s) return s;
      }
    }
    return check_struct_ops_programs_bound();
  }

  // A program written for a struct_ops member (SEC("struct_ops/init")) that
  // no member points to would silently not run: a damaged relocation or
  // member refuses the load instead, naming the member.
  Status check_struct_ops_programs_bound() {
    for (const auto& p : obj_.programs_) {
      if (!p.callback.empty() || !p.section.starts_with("struct_ops")) continue;
      const size_t slash = p.section.find('/');
      const std::string member = slash == std::string::npos ? std::string() : p.section.substr(slash + 1);
      std::string owner = "struct_ops";
      if (!obj_.struct_ops_.empty()) owner += " " + obj_.struct_ops_.front().var_name;
      if (member.empty())
        return fail(ErrorKind::malformed, owner,
                    fmt::format("program {} in section {} is not pointed to by any member", p.name, p.section));
      return fail(ErrorKind::malformed, owner + "." + member,
                  fmt::format("the member does not point to program {} (section {}), which is written for it", p.name,
                              p.section));
    }
    return {};
  }

  Status bind_one(const ElfSection& sec, const ElfSymbol& sym, const BtfType& var,
                  const ElfFile::RelocSet* rels) {
    const Btf& btf = obj_.btf_;
    u32 tid = btf.skip_modifiers(var.type);
    const BtfType* st = btf.type(tid);
    std::string what = "struct_ops " + sym.name;
    if (!st || st->kind != BtfKind::struct_)
      return fail(ErrorKind::malformed, what, "the variable is not a struct");
    if (sec.type != elf::SHT_PROGBITS)
      return fail(ErrorKind::malformed, what, fmt::format("section {} has no contents (type {})", sec.name, sec.type));
    if (sym.value > sec.data.size() || st->size > sec.data.size() - sym.value)
      return fail(ErrorKind::malformed, what, fmt::format("{} bytes at offset {} outside section {}", st->size, sym.value, sec.name));
    StructOps ops;
    ops.var_name = sym.name;
    ops.type_name = std::string(strip_flavour(st->name));
    ops.section = sec.name;
    ops.link = sec.name == ".struct_ops.link";
    ops.image.assign(sec.data.begin() + static_cast<std::ptrdiff_t>(sym.value),
                     sec.data.begin() + static_cast<std::ptrdiff_t>(sym.value + st->size));
    // Relocations inside this variable: member offset -> function symbol.
    std::map<u64, const ElfSymbol*> funcs;
    if (rels)
      for (const auto& r : rels->relocs) {
        if (r.offset < sym.value || r.offset >= sym.value + st->size) continue;
        if (r.type != elf::R_BPF_64_ABS64)
          return fail(ErrorKind::unsupported, what, fmt::format("relocation type {} at offset {}", r.type, r.offset - sym.value));
        funcs[r.offset - sym.value] = &elf_.symbols()[r.sym];
      }
    auto read_uint = [&](u32 off, u32 size) -> u64 {
      u64 v = 0;
      for (u32 i = 0; i < size && i < 8; ++i) v |= u64{ops.image[off + i]} << (8 * i);
      return v;
    };
    std::set<u64> used;
    // The host's own type, when it has one: a member it does not know is
    // never called (a damaged name would drop a callback), so it is refused
    // as libbpf refuses a member the kernel's BTF lacks.
    const HostStruct* host_type = opts_.host ? opts_.host->find_struct(ops.type_name) : nullptr;
    for (const auto& m : st->members) {
      if (m.bit_offset % 8 || m.bitfield_size)
        return fail(ErrorKind::unsupported, what + "." + m.name, "bitfield members are not supported");
      u32 off = m.bit_offset / 8;
      u32 size = btf.size_of(m.type).value_or(0);
      if (u64{off} + size > ops.image.size())
        return fail(ErrorKind::malformed, what + "." + m.name, "member outside the variable");
      const BtfType* mt = btf.type(btf.skip_modifiers(m.type));
      bool is_fn_ptr = mt && mt->kind == BtfKind::ptr && btf.type(btf.skip_modifiers(mt->type)) &&
                       btf.type(btf.skip_modifiers(mt->type))->kind == BtfKind::func_proto;
      bool nonzero = std::any_of(ops.image.begin() + off, ops.image.begin() + off + size, [](u8 b) { return b != 0; });
      if (host_type && (nonzero || funcs.count(off)) && !host_type->field(m.name))
        return fail(ErrorKind::malformed, what + "." + m.name,
                    fmt::format("struct {} has no member named '{}'", ops.type_name, m.name));
      if (is_fn_ptr) {
        auto it = funcs.find(off);
        if (it == funcs.end()) {
          if (nonzero) return fail(ErrorKind::malformed, what + "." + m.name, "function pointer set without a relocation");
          continue;
        }
        used.insert(off);
        const ElfSymbol* fs = it->second;
        auto p = program_of_.find({fs->shndx, static_cast<u32>(fs->value / 8)});
        if (fs->type != elf::STT_FUNC || p == program_of_.end())
          return fail(ErrorKind::malformed, what + "." + m.name,
                      fmt::format("points to {}, which is not a program (put it in SEC(\"struct_ops/{}\"))", fs->name, m.name));
        Program& prog = obj_.programs_[p->second];
        if (!prog.callback.empty() && prog.callback != m.name)
          return fail(ErrorKind::unsupported, what + "." + m.name,
                      fmt::format("program {} already implements {}", prog.name, prog.callback));
        prog.callback = m.name;
        ops.callbacks[m.name] = p->second;
        continue;
      }
      if (m.name == "name") {
        std::string_view raw(reinterpret_cast<const char*>(ops.image.data() + off), size);
        ops.name = std::string(raw.substr(0, raw.find('\0')));
      } else if (m.name == "flags" && size <= 8) {
        ops.flags = read_uint(off, size);
      } else if (m.name == "timeout_ms" && size <= 8) {
        ops.timeout_ms = static_cast<u32>(read_uint(off, size));
      } else if (m.name == "dispatch_max_batch" && size <= 8) {
        ops.dispatch_max_batch = static_cast<u32>(read_uint(off, size));
      } else if (m.name == "exit_dump_len" && size <= 8) {
        ops.exit_dump_len = static_cast<u32>(read_uint(off, size));
      } else if (m.name == "hotplug_seq" && size <= 8) {
        ops.hotplug_seq = read_uint(off, size);
      } else if (nonzero) {
        return fail(ErrorKind::unsupported, what + "." + m.name, "member is set, but upsched does not support it");
      }
    }
    for (const auto& [off, fs] : funcs)
      if (!used.count(off))
        return fail(ErrorKind::malformed, what, fmt::format("relocation to {} at offset {} is not on a function-pointer member", fs->name, off));
    obj_.struct_ops_.push_back(std::move(ops));
    return {};
  }

  std::span<const u8> data_;
  const LoadOptions& opts_;
  ElfFile elf_;
  BtfExt ext_;
  HostTypes own_host_;
  const HostTypes* host_ = nullptr;
  Object obj_;
  std::vector<Function> functions_;
  std::vector<SectionCode> sections_;
  std::map<std::pair<u32, u64>, size_t> map_at_;  // (.maps section, offset) -> map
  // Where each `.maps` definition lies in the section (its symbol's extent).
  struct MapExtent {
    u64 start = 0;
    u64 size = 0;
    std::optional<u64> values_off;  // the `values` member, map-in-map only
    size_t map_index = 0;
  };
  std::vector<MapExtent> map_extents_;
  std::map<u32, size_t> data_map_;                 // data section -> map
  std::map<std::string, u32, std::less<>> kconfig_off_;
  size_t kconfig_map_ = 0;
  std::map<std::pair<u32, u32>, size_t> program_of_;  // (section, entry slot) -> program
};

Result<Object> load_object(std::span<const std::byte> elf, const LoadOptions& opts) {
  std::span<const u8> bytes(reinterpret_cast<const u8*>(elf.data()), elf.size());
  return ObjectBuilder(bytes, opts).build();
}

Result<Object> load_object_file(const std::string& path, LoadOptions opts) {
  auto buf = read_bounded_file(path, FileKind::object);
  if (!buf) return tl::unexpected(buf.error());
  if (opts.file_name.empty()) opts.file_name = path;
  return load_object(std::as_bytes(std::span<const char>(*buf)), opts);
}

}  // namespace ups::bpf
