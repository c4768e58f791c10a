// BTF parsing and validation (kernel Documentation/bpf/btf.rst, "Type
// encoding"). Checks ids, string offsets, counts and value loops once, so
// every query afterwards is total.
#include "bpf/object/btf.h"

#include <functional>

#include <fmt/format.h>

#include "bpf/object/load_error.h"

#include "bpf/object/byte_reader.h"

namespace ups::bpf {

namespace {

constexpr u16 kBtfMagic = 0xeB9F;
constexpr int kMaxResolveDepth = 64;

tl::unexpected<Error> btf_error(const std::string& what, std::string msg) {
  return make_error(ErrorKind::malformed, std::move(msg), where_at({}, what));
}

bool is_chain_kind(BtfKind k) {
  switch (k) {
    case BtfKind::ptr: case BtfKind::typedef_: case BtfKind::volatile_: case BtfKind::const_:
    case BtfKind::restrict_: case BtfKind::type_tag:
      return true;
    default:
      return false;
  }
}

// Kinds that are no value: nothing may be of them, point through a chain to
// them by value, or hold them as a member.
bool is_valueless(BtfKind k) {
  return k == BtfKind::func || k == BtfKind::func_proto || k == BtfKind::var || k == BtfKind::datasec ||
         k == BtfKind::decl_tag;
}

// What Linux's BTF checker (kernel/bpf/btf.c) refuses beyond ids and by-value
// loops: a func that is not a func_proto, a func_proto, variable or member
// of a type that holds no value, a datasec entry that is not a variable or
// function, a decl_tag on what cannot carry one, and a loop of pointers and
// modifiers (`ptr -> const -> ptr`). Ids are already in range.
Status check_kinds(const Btf& btf, const std::string& what) {
  const u32 n = btf.count();
  auto bad = [&](u32 id, std::string msg) {
    const BtfType* t = btf.type(id);
    return btf_error(what, fmt::format("type {} ({} {}): {}", id, btf_kind_name(t->kind), t->name, msg));
  };
  // The kind a chain of pointers and modifiers from `ref` ends at, by value:
  // a pointer ends the chain (what it points to may be anything).
  auto value_kind = [&](u32 ref) { return btf.type(btf.skip_modifiers(ref))->kind; };
  // Pointer and modifier chains: 0 new, 1 on the walk, 2 ends properly.
  std::vector<u8> color(n, 0);
  std::vector<u32> walk;
  for (u32 id = 1; id < n; ++id) {
    walk.clear();
    u32 at = id;
    while (is_chain_kind(btf.type(at)->kind) && color[at] == 0) {
      color[at] = 1;
      walk.push_back(at);
      at = btf.type(at)->type;
    }
    if (color[at] == 1) return bad(at, "a chain of pointers and modifiers leads back to it (type loop)");
    for (u32 w : walk) color[w] = 2;
  }
  for (u32 id = 1; id < n; ++id) {
    const BtfType& t = *btf.type(id);
    switch (t.kind) {
      case BtfKind::func:
        if (btf.type(t.type)->kind != BtfKind::func_proto)
          return bad(id, fmt::format("its type {} is a {}, not a func_proto", t.type, btf_kind_name(btf.type(t.type)->kind)));
        break;
      case BtfKind::func_proto:
        if (is_valueless(value_kind(t.type)))
          return bad(id, fmt::format("returns type {}, a {}, which is no value", t.type, btf_kind_name(value_kind(t.type))));
        for (const auto& m : t.members)
          if (is_valueless(value_kind(m.type)))
            return bad(id, fmt::format("parameter {} has type {}, a {}, which is no value", m.name, m.type,
                                       btf_kind_name(value_kind(m.type))));
        break;
      case BtfKind::var:
        if (is_valueless(value_kind(t.type)))
          return bad(id, fmt::format("its type {} is a {}, which is no value", t.type, btf_kind_name(value_kind(t.type))));
        break;
      case BtfKind::struct_: case BtfKind::union_:
        for (const auto& m : t.members)
          if (is_valueless(value_kind(m.type)))
            return bad(id, fmt::format("member {} has type {}, a {}, which is no value", m.name, m.type,
                                       btf_kind_name(value_kind(m.type))));
        break;
      case BtfKind::datasec:
        for (const auto& v : t.secinfo) {
          if (btf.type(v.type)->kind != BtfKind::var && btf.type(v.type)->kind != BtfKind::func)
            return bad(id, fmt::format("entry type {} is a {}, not a variable or function", v.type,
                                       btf_kind_name(btf.type(v.type)->kind)));
          // Linux: "Invalid size". clang emits it when it shrinks a static
          // that holds two values to one byte but keeps its type.
          auto need = btf.size_of(v.type);
          if (btf.type(v.type)->kind == BtfKind::var && need && v.size < *need)
            return bad(id, fmt::format("variable {} (type {}) has {} bytes, its type needs {}",
                                       btf.type(v.type)->name, v.type, v.size, *need));
        }
        break;
      case BtfKind::decl_tag: {
        const BtfKind k = btf.type(t.type)->kind;
        if (k != BtfKind::struct_ && k != BtfKind::union_ && k != BtfKind::var && k != BtfKind::func &&
            k != BtfKind::typedef_)
          return bad(id, fmt::format("tags type {}, a {}, which cannot carry a tag", t.type, btf_kind_name(k)));
        break;
      }
      default:
        break;
    }
  }
  return {};
}

}  // namespace

const char* btf_kind_name(BtfKind k) {
  static const char* const names[] = {
      "void", "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef",
      "volatile", "const", "restrict", "func", "func_proto", "var", "datasec",
      "float", "decl_tag", "type_tag", "enum64"};
  auto i = static_cast<size_t>(k);
  return i < std::size(names) ? names[i] : "unknown";
}

Result<Btf> Btf::parse(std::span<const u8> data, const std::string& what) {
  ByteReader r(data);
  if (!r.has(0, 24)) return btf_error(what, fmt::format("truncated header ({} bytes)", data.size()));
  if (r.read<u16>(0) != kBtfMagic)
    return btf_error(what, fmt::format("bad magic 0x{:04x}", r.read<u16>(0)));
  if (r.read<u8>(2) != 1) return btf_error(what, fmt::format("unsupported version {}", r.read<u8>(2)));
  u32 hdr_len = r.read<u32>(4);
  u32 type_off = r.read<u32>(8), type_len = r.read<u32>(12);
  u32 str_off = r.read<u32>(16), str_len = r.read<u32>(20);
  if (hdr_len < 24 || !r.has(0, hdr_len)) return btf_error(what, fmt::format("bad header length {}", hdr_len));
  if (!r.has(u64{hdr_len} + type_off, type_len))
    return btf_error(what, fmt::format("type section [{}, +{}) outside the {} bytes", type_off, type_len, data.size()));
  if (!r.has(u64{hdr_len} + str_off, str_len))
    return btf_error(what, fmt::format("string section [{}, +{}) outside the {} bytes", str_off, str_len, data.size()));

  Btf btf;
  auto strs = r.bytes(u64{hdr_len} + str_off, str_len);
  btf.strings_.assign(reinterpret_cast<const char*>(strs.data()), strs.size());
  if (!btf.strings_.empty() && btf.strings_.back() != '\0')
    return btf_error(what, "string section is not NUL-terminated");

  auto name_at = [&](u32 off, u32 id, std::string& out) -> Status {
    if (off != 0 && off >= btf.strings_.size())
      return btf_error(what, fmt::format("type {}: name offset {} outside the string section ({} bytes)",
                                         id, off, btf.strings_.size()));
    out = std::string(btf.string_at(off));
    return {};
  };

  ByteReader t(r.bytes(u64{hdr_len} + type_off, type_len));
  btf.types_.emplace_back();  // id 0: void
  u64 pos = 0;
  while (pos < t.size()) {
    u32 id = static_cast<u32>(btf.types_.size());
    if (!t.has(pos, 12)) return btf_error(what, fmt::format("type {}: truncated at byte {}", id, pos));
    BtfType ty;
    u32 name_off = t.read<u32>(pos), info = t.read<u32>(pos + 4), size_type = t.read<u32>(pos + 8);
    pos += 12;
    u32 vlen = info & 0xffff;
    u32 kind = (info >> 24) & 0x1f;
    ty.kflag = (info >> 31) != 0;
    if (kind == 0 || kind > static_cast<u32>(BtfKind::enum64))
      return btf_error(what, fmt::format("type {}: unknown kind {}", id, kind));
    ty.kind = static_cast<BtfKind>(kind);
    if (auto s = name_at(name_off, id, ty.name); !s) return tl::unexpected(s.error());
    auto need = [&](u64 n) -> Status {
      if (!t.has(pos, n))
        return btf_error(what, fmt::format("type {} ({} {}): {} entries need {} bytes, {} left",
                                           id, btf_kind_name(ty.kind), ty.name, vlen, n,
                                           t.size() - pos));
      return {};
    };
    switch (ty.kind) {
      case BtfKind::int_: {
        ty.size = size_type;
        if (auto s = need(4); !s) return tl::unexpected(s.error());
        u32 enc = t.read<u32>(pos);
        pos += 4;
        ty.is_signed = ((enc >> 24) & 1) != 0;
        ty.int_offset = (enc >> 16) & 0xff;
        ty.int_bits = enc & 0xff;
        if (ty.size > 16 || ty.int_bits > ty.size * 8)
          return btf_error(what, fmt::format("type {} (int {}): bad size {} bits {}", id, ty.name, ty.size, ty.int_bits));
        break;
      }
      case BtfKind::ptr: case BtfKind::typedef_: case BtfKind::volatile_: case BtfKind::const_:
      case BtfKind::restrict_: case BtfKind::type_tag: case BtfKind::func:
        ty.type = size_type;
        if (ty.kind == BtfKind::func) ty.linkage = vlen;
        break;
      case BtfKind::fwd:
        break;
      case BtfKind::float_:
        ty.size = size_type;
        break;
      case BtfKind::array: {
        if (auto s = need(12); !s) return tl::unexpected(s.error());
        ty.elem_type = t.read<u32>(pos);
        ty.index_type = t.read<u32>(pos + 4);
        ty.nelems = t.read<u32>(pos + 8);
        pos += 12;
        break;
      }
      case BtfKind::struct_: case BtfKind::union_: {
        ty.size = size_type;
        if (auto s = need(u64{vlen} * 12); !s) return tl::unexpected(s.error());
        ty.members.resize(vlen);
        for (auto& m : ty.members) {
          if (auto s = name_at(t.read<u32>(pos), id, m.name); !s) return tl::unexpected(s.error());
          m.type = t.read<u32>(pos + 4);
          u32 off = t.read<u32>(pos + 8);
          m.bit_offset = ty.kflag ? (off & 0xffffff) : off;
          m.bitfield_size = ty.kflag ? (off >> 24) : 0;
          pos += 12;
        }
        break;
      }
      case BtfKind::enum_: case BtfKind::enum64: {
        ty.size = size_type;
        ty.enum_signed = ty.kflag;
        u64 rec = ty.kind == BtfKind::enum_ ? 8 : 12;
        if (auto s = need(u64{vlen} * rec); !s) return tl::unexpected(s.error());
        ty.enumerators.resize(vlen);
        for (auto& e : ty.enumerators) {
          if (auto s = name_at(t.read<u32>(pos), id, e.name); !s) return tl::unexpected(s.error());
          if (ty.kind == BtfKind::enum_) {
            e.value = ty.kflag ? s64{t.read<s32>(pos + 4)} : s64{t.read<u32>(pos + 4)};
          } else {
            u64 v = u64{t.read<u32>(pos + 4)} | (u64{t.read<u32>(pos + 8)} << 32);
            e.value = static_cast<s64>(v);
          }
          pos += rec;
        }
        break;
      }
      case BtfKind::func_proto: {
        ty.type = size_type;
        if (auto s = need(u64{vlen} * 8); !s) return tl::unexpected(s.error());
        ty.members.resize(vlen);
        for (auto& m : ty.members) {
          if (auto s = name_at(t.read<u32>(pos), id, m.name); !s) return tl::unexpected(s.error());
          m.type = t.read<u32>(pos + 4);
          pos += 8;
        }
        break;
      }
      case BtfKind::var:
        ty.type = size_type;
        if (auto s = need(4); !s) return tl::unexpected(s.error());
        ty.linkage = t.read<u32>(pos);
        pos += 4;
        break;
      case BtfKind::datasec: {
        ty.size = size_type;
        if (auto s = need(u64{vlen} * 12); !s) return tl::unexpected(s.error());
        ty.secinfo.resize(vlen);
        for (auto& v : ty.secinfo) {
          v.type = t.read<u32>(pos);
          v.offset = t.read<u32>(pos + 4);
          v.size = t.read<u32>(pos + 8);
          pos += 12;
        }
        break;
      }
      case BtfKind::decl_tag:
        ty.type = size_type;
        if (auto s = need(4); !s) return tl::unexpected(s.error());
        ty.component = static_cast<s32>(t.read<u32>(pos));
        pos += 4;
        break;
      case BtfKind::void_:
        break;
    }
    btf.types_.push_back(std::move(ty));
  }

  // Every referenced id must exist.
  u32 n = btf.count();
  for (u32 id = 1; id < n; ++id) {
    const BtfType& ty = btf.types_[id];
    auto check = [&](u32 ref, const char* role) -> Status {
      if (ref >= n)
        return btf_error(what, fmt::format("type {} ({} {}): {} refers to type {}, but there are only {}",
                                           id, btf_kind_name(ty.kind), ty.name, role, ref, n));
      return {};
    };
    Status s = check(ty.type, "its target");
    if (s && ty.kind == BtfKind::array) s = check(ty.elem_type, "element type");
    if (s && ty.kind == BtfKind::array) s = check(ty.index_type, "index type");
    for (size_t i = 0; s && i < ty.members.size(); ++i) s = check(ty.members[i].type, "a member");
    for (size_t i = 0; s && i < ty.secinfo.size(); ++i) s = check(ty.secinfo[i].type, "a variable");
    if (!s) return tl::unexpected(s.error());
  }

  // Sizes, detecting types that contain themselves by value.
  btf.sizes_.assign(n, std::nullopt);
  std::vector<u8> state(n, 0);  // 0 new, 1 in progress, 2 done
  std::function<Status(u32, int)> resolve = [&](u32 id, int depth) -> Status {
    if (state[id] == 2) return {};
    const BtfType& ty = btf.types_[id];
    if (state[id] == 1)
      return btf_error(what, fmt::format("type {} ({} {}) contains itself (type loop)", id, btf_kind_name(ty.kind), ty.name));
    if (depth > kMaxResolveDepth)
      return btf_error(what, fmt::format("type {} ({} {}): type chain deeper than {}", id, btf_kind_name(ty.kind), ty.name, kMaxResolveDepth));
    state[id] = 1;
    std::optional<u32> size;
    switch (ty.kind) {
      case BtfKind::int_: case BtfKind::enum_: case BtfKind::enum64: case BtfKind::float_:
      case BtfKind::datasec:
        size = ty.size;
        break;
      case BtfKind::ptr:
        size = 8;
        break;
      case BtfKind::struct_: case BtfKind::union_:
        for (const auto& m : ty.members)
          if (auto s = resolve(m.type, depth + 1); !s) return s;
        size = ty.size;
        break;
      case BtfKind::array: {
        if (auto s = resolve(ty.elem_type, depth + 1); !s) return s;
        auto es = btf.sizes_[ty.elem_type];
        if (es) {
          u64 total = u64{*es} * ty.nelems;
          if (total > 0xffffffffu)
            return btf_error(what, fmt::format("type {} (array): {} elements of {} bytes overflow", id, ty.nelems, *es));
          size = static_cast<u32>(total);
        }
        break;
      }
      case BtfKind::typedef_: case BtfKind::volatile_: case BtfKind::const_:
      case BtfKind::restrict_: case BtfKind::type_tag: case BtfKind::var: case BtfKind::decl_tag:
        if (auto s = resolve(ty.type, depth + 1); !s) return s;
        size = btf.sizes_[ty.type];
        break;
      case BtfKind::void_: case BtfKind::fwd: case BtfKind::func: case BtfKind::func_proto:
        break;
    }
    btf.sizes_[id] = size;
    state[id] = 2;
    return {};
  };
  for (u32 id = 1; id < n; ++id)
    if (auto s = resolve(id, 0); !s) return tl::unexpected(s.error());
  if (auto s = check_kinds(btf, what); !s) return tl::unexpected(s.error());
  return btf;
}

u32 Btf::skip_modifiers(u32 id) const {
  for (int i = 0; i <= kMaxResolveDepth && id < types_.size(); ++i) {
    switch (types_[id].kind) {
      case BtfKind::typedef_: case BtfKind::volatile_: case BtfKind::const_:
      case BtfKind::restrict_: case BtfKind::type_tag:
        id = types_[id].type;
        break;
      default:
        return id;
    }
  }
  return id;
}

u32 Btf::skip_qualifiers(u32 id) const {
  for (int i = 0; i <= kMaxResolveDepth && id < types_.size(); ++i) {
    switch (types_[id].kind) {
      case BtfKind::volatile_: case BtfKind::const_: case BtfKind::restrict_: case BtfKind::type_tag:
        id = types_[id].type;
        break;
      default:
        return id;
    }
  }
  return id;
}

std::optional<u32> Btf::size_of(u32 id) const {
  return id < sizes_.size() ? sizes_[id] : std::nullopt;
}

std::string Btf::type_name(u32 id) const {
  std::string suffix;
  for (int depth = 0; depth <= kMaxResolveDepth; ++depth) {
    const BtfType* t = type(id);
    if (!t) return "<bad type>" + suffix;
    switch (t->kind) {
      case BtfKind::void_: return "void" + suffix;
      case BtfKind::ptr: suffix = " *" + suffix; id = t->type; continue;
      case BtfKind::const_: case BtfKind::volatile_: case BtfKind::restrict_: case BtfKind::type_tag:
        id = t->type;
        continue;
      case BtfKind::array:
        suffix = fmt::format("{}[{}]", suffix, t->nelems);
        id = t->elem_type;
        continue;
      case BtfKind::struct_: return "struct " + (t->name.empty() ? "<anon>" : t->name) + suffix;
      case BtfKind::union_: return "union " + (t->name.empty() ? "<anon>" : t->name) + suffix;
      case BtfKind::enum_: case BtfKind::enum64:
        return "enum " + (t->name.empty() ? "<anon>" : t->name) + suffix;
      case BtfKind::fwd: return (t->kflag ? "union " : "struct ") + t->name + suffix;
      default: return t->name + suffix;
    }
  }
  return "<deep type>" + suffix;
}

std::optional<u32> Btf::find(BtfKind kind, std::string_view name) const {
  for (u32 id = 1; id < types_.size(); ++id)
    if (types_[id].kind == kind && types_[id].name == name) return id;
  return std::nullopt;
}

std::string_view Btf::string_at(u32 off) const {
  if (off >= strings_.size()) return {};
  return std::string_view(strings_.c_str() + off);
}

}  // namespace ups::bpf

namespace ups::bpf {

std::string_view strip_flavour(std::string_view name) {
  // libbpf's bpf_core_essential_name_len: the last "___" that has a
  // non-underscore character on both sides starts the flavour.
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name.compare(i + 1, 3, "___") == 0 && name[i + 4] != '_')
      return name.substr(0, i + 1);
  }
  return name;
}

}  // namespace ups::bpf
