// Loader phase: global data sections (.data, .bss, .rodata) and __kconfig
// externs, each laid out as a one-entry array map.
#include "bpf/object/object_builder.h"

#include <map>

#include <fmt/format.h>

#include "bpf/object/graph_fields.h"
#include "bpf/object/load_error.h"

namespace ups::bpf::loader {

namespace {

bool is_global_data_section(std::string_view n) {
  return n == ".data" || n == ".bss" || n == ".rodata" || n.starts_with(".data.") ||
         n.starts_with(".rodata.");
}

GlobalKind global_kind(std::string_view n) {
  if (n.starts_with(".rodata")) return GlobalKind::rodata;
  if (n == ".bss") return GlobalKind::bss;
  return GlobalKind::data;
}

}  // namespace

Status ObjectBuilder::collect_global_data() {
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
      std::map<u32, u32> var_offsets;  // by VAR id
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
        var_offsets[v.type] = g.offset;
        obj_.globals_.push_back(std::move(g));
      }
      auto var_offset = [&](u32 var, u32 btf_offset) {
        auto it = var_offsets.find(var);
        return it == var_offsets.end() ? btf_offset : it->second;
      };
      if (auto e = find_graph_fields(obj_.btf_, *id, m, var_offset); !e.empty())
        return fail(ErrorKind::unsupported, "section " + sec.name, e);
    }
    data_map_[sec.index] = index;
    obj_.maps_.push_back(std::move(m));
  }
  return {};
}

// `extern T name __kconfig [__weak]`: undefined symbols whose BTF VAR is
// in the .kconfig datasec; laid out in one read-only map.
Status ObjectBuilder::collect_kconfig() {
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

}  // namespace ups::bpf::loader
