// Loader phase: the BTF-defined maps of .maps and the map-in-map `values`
// initialisers (libbpf collect_map_relos).
#include "bpf/object/object_builder.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "bpf/object/load_error.h"
#include "bpf/object/btf_maps.h"

namespace ups::bpf::loader {

Status ObjectBuilder::collect_maps() {
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
    if (!def) return with_file(def.error());
    map_at_[{maps->index, sym.value}] = obj_.maps_.size();
    map_extents_.push_back(MapExtent{sym.value, sym.size, values_offset(def_type), obj_.maps_.size()});
    obj_.maps_.push_back(std::move(*def));
  }
  return {};
}

// Byte offset of the `values` member (map-in-map initialiser) in a map
// definition struct, if it has one.
std::optional<u64> ObjectBuilder::values_offset(u32 def_type) const {
  const BtfType* def = obj_.btf_.type(obj_.btf_.skip_modifiers(def_type));
  if (!def) return std::nullopt;
  for (const auto& m : def->members)
    if (m.name == "values") return m.bit_offset / 8;
  return std::nullopt;
}

// `.values = { [i] = &inner, ... }` of a map-in-map: clang leaves the
// slots zero and emits one R_BPF_64_ABS64 relocation in `.rel.maps` per
// slot, against the inner map's symbol (libbpf collect_map_relos).
Status ObjectBuilder::collect_map_initialisers() {
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

Status ObjectBuilder::add_inner_slot(const ElfSection& maps, const ElfFile::RelocSet& set, size_t n) {
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

}  // namespace ups::bpf::loader
