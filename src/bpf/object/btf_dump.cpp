#include "bpf/object/btf_dump.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace ups::bpf {

namespace {

// Bits [bit_off, bit_off + bits) of the little-endian value at `p`.
u64 read_bits(std::span<const u8> bytes, u32 bit_off, u32 bits) {
  u64 v = 0;
  for (u32 i = 0; i < bits; ++i) {
    const u32 b = bit_off + i;
    if (b / 8 >= bytes.size()) break;
    if ((bytes[b / 8] >> (b % 8)) & 1) v |= u64{1} << i;
  }
  return v;
}

nlohmann::ordered_json int_json(u64 raw, u32 bits, bool is_signed) {
  if (bits == 0) return 0;
  if (bits < 64) raw &= (u64{1} << bits) - 1;
  if (!is_signed) return raw;
  if (bits < 64 && (raw >> (bits - 1)) & 1) raw |= ~u64{0} << bits;
  return static_cast<s64>(raw);
}

bool is_char(const Btf& btf, u32 id) {
  const BtfType* t = btf.type(btf.skip_modifiers(id));
  return t && t->kind == BtfKind::int_ && t->size == 1 && t->name.find("char") != std::string::npos;
}

class Dumper {
public:
  explicit Dumper(const Btf& btf) : btf_(btf) {}

  nlohmann::ordered_json value(u32 id, std::span<const u8> b, int depth) {
    const u32 rid = btf_.skip_modifiers(id);
    const BtfType* t = btf_.type(rid);
    const auto size = btf_.size_of(rid);
    if (!t || depth > 32) return nullptr;
    if (size && *size > b.size()) return nullptr;
    switch (t->kind) {
      case BtfKind::int_: return int_json(read_bits(b, t->int_offset, t->int_bits), t->int_bits, t->is_signed);
      case BtfKind::enum_:
      case BtfKind::enum64: {
        const u32 bits = std::min<u32>(t->size * 8, 64);
        const u64 mask = bits < 64 ? (u64{1} << bits) - 1 : ~u64{0};
        const u64 raw = read_bits(b, 0, bits);
        for (const auto& e : t->enumerators)
          if ((static_cast<u64>(e.value) & mask) == raw) return e.name;
        return int_json(raw, bits, t->enum_signed);
      }
      case BtfKind::float_: {
        if (t->size == 4) {
          float f;
          std::memcpy(&f, b.data(), 4);
          return f;
        }
        if (t->size == 8) {
          double d;
          std::memcpy(&d, b.data(), 8);
          return d;
        }
        return hex_bytes(b.first(t->size));
      }
      case BtfKind::ptr: return fmt::format("0x{:x}", read_bits(b, 0, 64));
      case BtfKind::array: return array(*t, b, depth);
      case BtfKind::struct_:
      case BtfKind::union_: {
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        members(*t, b, depth, o);
        return o;
      }
      case BtfKind::var: return value(t->type, b, depth + 1);
      default: return size ? nlohmann::ordered_json(hex_bytes(b.first(*size))) : nlohmann::ordered_json(nullptr);
    }
  }

private:
  nlohmann::ordered_json array(const BtfType& t, std::span<const u8> b, int depth) {
    const auto esize = btf_.size_of(t.elem_type);
    if (!esize) return nullptr;
    if (is_char(btf_, t.elem_type)) {
      // A string when it is text up to its NUL; bytes otherwise.
      const std::string_view s(reinterpret_cast<const char*>(b.data()), t.nelems);
      const std::string_view text = s.substr(0, s.find('\0'));
      bool printable = true;
      for (char c : text) printable &= (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n';
      if (printable) return std::string(text);
    }
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    const u32 n = std::min(t.nelems, kDumpMaxElements);
    for (u32 i = 0; i < n; ++i) a.push_back(value(t.elem_type, b.subspan(size_t{i} * *esize), depth + 1));
    if (t.nelems > n) a.push_back(fmt::format("... {} more", t.nelems - n));
    return a;
  }

  void members(const BtfType& t, std::span<const u8> b, int depth, nlohmann::ordered_json& o) {
    for (const auto& m : t.members) {
      const u32 mid = btf_.skip_modifiers(m.type);
      const BtfType* mt = btf_.type(mid);
      if (!mt) continue;
      if (m.bitfield_size) {
        const bool sgn = mt->kind == BtfKind::int_ && mt->is_signed;
        o[m.name] = int_json(read_bits(b, m.bit_offset, m.bitfield_size), m.bitfield_size, sgn);
        continue;
      }
      const size_t off = m.bit_offset / 8;
      if (off > b.size()) continue;
      if (m.name.empty() && (mt->kind == BtfKind::struct_ || mt->kind == BtfKind::union_)) {
        members(*mt, b.subspan(off), depth + 1, o);  // an anonymous member's fields are its parent's
        continue;
      }
      o[m.name] = value(m.type, b.subspan(off), depth + 1);
    }
  }

  const Btf& btf_;
};

}  // namespace

nlohmann::ordered_json btf_value_json(const Btf& btf, u32 type_id, std::span<const u8> bytes) {
  return Dumper(btf).value(type_id, bytes, 0);
}

std::string hex_bytes(std::span<const u8> bytes) {
  std::string s;
  for (u8 c : bytes) s += fmt::format("{}{:02x}", s.empty() ? "" : " ", c);
  return s;
}

}  // namespace ups::bpf
