// Decoding BTF map definitions (libbpf parse_btf_map_def semantics).
#include "bpf/object/btf_maps.h"
#include "bpf/object/graph_fields.h"

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf {

namespace {

tl::unexpected<Error> map_error(const std::string& map, std::string msg) {
  return make_error(ErrorKind::malformed, std::move(msg), where_at({}, "map " + map));
}

bool known_map_type(u32 t) {
  switch (static_cast<MapType>(t)) {
    case MapType::hash: case MapType::array: case MapType::percpu_hash:
    case MapType::percpu_array: case MapType::lru_hash: case MapType::array_of_maps:
    case MapType::hash_of_maps: case MapType::queue: case MapType::stack:
    case MapType::ringbuf: case MapType::task_storage: case MapType::cgrp_storage: case MapType::arena:
      return true;
  }
  return false;
}

// `int (*name)[N]` -> N.
Result<u32> int_member(const Btf& btf, const std::string& map, const BtfMember& m) {
  const BtfType* p = btf.type(btf.skip_modifiers(m.type));
  if (!p || p->kind != BtfKind::ptr) return map_error(map, fmt::format("member {} is not declared with __uint()", m.name));
  const BtfType* a = btf.type(btf.skip_modifiers(p->type));
  if (!a || a->kind != BtfKind::array) return map_error(map, fmt::format("member {} is not declared with __uint()", m.name));
  return a->nelems;
}

// `int (*name)[N]` -> N, or `enum { ... = V } name` (__ulong) -> V.
Result<u64> wide_member(const Btf& btf, const std::string& map, const BtfMember& m) {
  const BtfType* e = btf.type(btf.skip_modifiers(m.type));
  if (e && (e->kind == BtfKind::enum_ || e->kind == BtfKind::enum64)) {
    if (e->enumerators.size() != 1)
      return map_error(map, fmt::format("member {} is not declared with __ulong()", m.name));
    return static_cast<u64>(e->enumerators[0].value);
  }
  auto v = int_member(btf, map, m);
  if (!v) return tl::unexpected(v.error());
  return u64{*v};
}

// `T *name` -> the id of T.
Result<u32> type_member(const Btf& btf, const std::string& map, const BtfMember& m) {
  const BtfType* p = btf.type(btf.skip_modifiers(m.type));
  if (!p || p->kind != BtfKind::ptr) return map_error(map, fmt::format("member {} is not declared with __type()", m.name));
  return p->type;
}

Result<MapDef> parse_def(const Btf& btf, const std::string& name, u32 def_type, int depth) {
  const BtfType* def = btf.type(btf.skip_modifiers(def_type));
  if (!def || def->kind != BtfKind::struct_)
    return map_error(name, fmt::format("definition is {}, expected a struct", btf.type_name(def_type)));
  MapDef m;
  m.name = name;
  std::optional<u32> type, key_size, value_size;
  u32 key_type = 0, value_type = 0;
  const BtfMember* values = nullptr;
  for (const auto& mem : def->members) {
    auto as_int = [&](std::optional<u32>& slot) -> Status {
      auto v = int_member(btf, name, mem);
      if (!v) return tl::unexpected(v.error());
      slot = *v;
      return {};
    };
    Status s;
    std::optional<u32> tmp;
    if (mem.name == "type") s = as_int(type);
    else if (mem.name == "max_entries") { s = as_int(tmp); if (s) m.max_entries = *tmp; }
    else if (mem.name == "map_flags") { s = as_int(tmp); if (s) m.map_flags = *tmp; }
    else if (mem.name == "key_size") s = as_int(key_size);
    else if (mem.name == "value_size") s = as_int(value_size);
    else if (mem.name == "map_extra") {
      auto v = wide_member(btf, name, mem);
      if (!v) return tl::unexpected(v.error());
      m.map_extra = *v;
    } else if (mem.name == "numa_node" || mem.name == "pinning") s = as_int(tmp);
    else if (mem.name == "key") {
      auto t = type_member(btf, name, mem);
      if (!t) return tl::unexpected(t.error());
      key_type = *t;
    } else if (mem.name == "value") {
      auto t = type_member(btf, name, mem);
      if (!t) return tl::unexpected(t.error());
      value_type = *t;
    } else if (mem.name == "values") {
      values = &mem;
    } else {
      return map_error(name, fmt::format("unknown member {} in the map definition", mem.name));
    }
    if (!s) return tl::unexpected(s.error());
  }
  if (!type) return map_error(name, "no map type (__uint(type, ...))");
  if (!known_map_type(*type)) return map_error(name, fmt::format("unsupported map type {}", *type));
  m.type = static_cast<MapType>(*type);

  auto sized = [&](const char* role, u32 type_id, std::optional<u32> explicit_size, u32& out) -> Status {
    if (type_id) {
      auto sz = btf.size_of(type_id);
      if (!sz) return map_error(name, fmt::format("{} type {} has no size", role, btf.type_name(type_id)));
      if (explicit_size && *explicit_size != *sz)
        return map_error(name, fmt::format("{}_size {} differs from the size {} of its type {}", role, *explicit_size, *sz, btf.type_name(type_id)));
      out = *sz;
    } else if (explicit_size) {
      out = *explicit_size;
    }
    return {};
  };
  if (auto s = sized("key", key_type, key_size, m.key_size); !s) return tl::unexpected(s.error());
  if (auto s = sized("value", value_type, value_size, m.value_size); !s) return tl::unexpected(s.error());
  m.btf_key_type_id = key_type;
  m.btf_value_type_id = value_type;
  if (value_type) {
    m.timer_off = find_special_field(btf, value_type, "bpf_timer");
    m.spin_lock_off = find_special_field(btf, value_type, "bpf_spin_lock");
    if (m.spin_lock_off < 0) {
      m.spin_lock_off = find_special_field(btf, value_type, "bpf_res_spin_lock");
      m.res_lock = m.spin_lock_off >= 0;
    }
    if (auto e = find_graph_fields(btf, value_type, m); !e.empty()) return map_error(name, e);
  }

  bool in_map = m.type == MapType::array_of_maps || m.type == MapType::hash_of_maps;
  if (values) {
    if (!in_map) return map_error(name, "`values` is only for array_of_maps and hash_of_maps");
    if (depth > 0) return map_error(name, "map-in-map nested more than one level");
    const BtfType* arr = btf.type(btf.skip_modifiers(values->type));
    if (!arr || arr->kind != BtfKind::array) return map_error(name, "`values` is not an array (__array())");
    const BtfType* p = btf.type(btf.skip_modifiers(arr->elem_type));
    if (!p || p->kind != BtfKind::ptr) return map_error(name, "`values` elements are not pointers to a map definition");
    auto inner = parse_def(btf, name + ".inner", p->type, depth + 1);
    if (!inner) return tl::unexpected(inner.error());
    m.inner = std::make_shared<MapDef>(std::move(*inner));
    if (m.value_size == 0) m.value_size = 4;
    if (m.key_size == 0 && m.type == MapType::array_of_maps) m.key_size = 4;
  } else if (in_map) {
    return map_error(name, "map-in-map without an inner map definition (__array(values, ...))");
  }
  if ((m.type == MapType::task_storage || m.type == MapType::cgrp_storage) && m.key_size == 0) m.key_size = 4;
  return m;
}

}  // namespace

Result<MapDef> parse_btf_map(const Btf& btf, const std::string& name, u32 var_type) {
  return parse_def(btf, name, var_type, 0);
}

namespace {

// memo[id] = 1 once type id is known not to contain the struct, so shared
// sub-types are searched once (a fuzzed BTF could otherwise nest many wide
// structs into an exponential walk).
s32 find_special(const Btf& btf, u32 id, std::string_view struct_name, std::vector<u8>& memo, int depth) {
  id = btf.skip_modifiers(id);
  const BtfType* t = btf.type(id);
  if (!t || memo[id] || depth > 64) return -1;
  s32 found = -1;
  if (t->kind == BtfKind::array) {
    found = find_special(btf, t->elem_type, struct_name, memo, depth + 1);
  } else if (t->kind == BtfKind::struct_ || t->kind == BtfKind::union_) {
    if (t->name == struct_name) return 0;
    for (const auto& m : t->members) {
      s32 inner = find_special(btf, m.type, struct_name, memo, depth + 1);
      if (inner >= 0) {
        found = static_cast<s32>(m.bit_offset / 8) + inner;
        break;
      }
    }
  }
  if (found < 0) memo[id] = 1;
  return found;
}

}  // namespace

s32 find_special_field(const Btf& btf, u32 id, std::string_view struct_name) {
  std::vector<u8> memo(btf.count(), 0);
  return find_special(btf, id, struct_name, memo, 0);
}

}  // namespace ups::bpf
