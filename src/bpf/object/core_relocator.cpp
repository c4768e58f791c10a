// CO-RE resolution by name against HostTypes, and instruction patching
// (libbpf relo_core.c: bpf_core_calc_relo_insn / bpf_core_patch_insn).
#include "bpf/object/core_relocator.h"

#include "bpf/object/object.h"

#include <charconv>

#include "base/assert.h"

#include <fmt/format.h>

#include "bpf/object/load_error.h"

namespace ups::bpf {

namespace {

tl::unexpected<Error> relo_error(const BtfExtCoreRelo& r, std::string msg) {
  return make_error(ErrorKind::malformed,
                    fmt::format("CO-RE {} relocation (access \"{}\", type {}): {}",
                                core_relo_kind_name(r.kind), r.access, r.type_id, msg),
                    where_at({}, ".BTF.ext"));
}

Result<std::vector<u32>> parse_access(const BtfExtCoreRelo& r) {
  std::vector<u32> out;
  std::string_view s = r.access;
  if (s.empty() || s.size() > 256) return relo_error(r, "bad access string");
  while (!s.empty()) {
    size_t colon = s.find(':');
    std::string_view part = s.substr(0, colon);
    u32 v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || p != part.data() + part.size() || part.empty())
      return relo_error(r, "bad access string");
    out.push_back(v);
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
    if (s.empty()) return relo_error(r, "bad access string");
  }
  return out;
}

// Name of a local type for host lookup: the struct/union/enum name without
// flavour, or the nearest typedef name for an anonymous one.
std::string local_name(const Btf& btf, u32 id) {
  for (int i = 0; i < 64; ++i) {
    const BtfType* t = btf.type(id);
    if (!t) return {};
    bool named_type = t->kind == BtfKind::struct_ || t->kind == BtfKind::union_ ||
                      t->kind == BtfKind::enum_ || t->kind == BtfKind::enum64 ||
                      t->kind == BtfKind::typedef_ || t->kind == BtfKind::int_ ||
                      t->kind == BtfKind::fwd || t->kind == BtfKind::float_;
    if (t->kind == BtfKind::typedef_) {
      const BtfType* under = btf.type(btf.skip_modifiers(id));
      if (under && !under->name.empty()) return std::string(strip_flavour(under->name));
    }
    if (named_type) return std::string(strip_flavour(t->name));
    id = t->type;
  }
  return {};
}

bool is_composite(const BtfType* t) {
  return t && (t->kind == BtfKind::struct_ || t->kind == BtfKind::union_);
}

Result<CoreOutcome> resolve_field(const Btf& btf, const BtfExtCoreRelo& r,
                                  const std::vector<u32>& spec, const HostTypes& host) {
  CoreOutcome out;
  u32 root = btf.skip_modifiers(r.type_id);
  const BtfType* rt = btf.type(root);
  if (!is_composite(rt)) return relo_error(r, "root type is not a struct or union");
  std::string root_name = local_name(btf, r.type_id);
  out.access = root_name;
  const HostStruct* hs = host.find_struct(root_name);
  auto fail = [&](std::string why) {
    out.resolved = false;
    out.failure = std::move(why);
    return out;
  };

  // Local walk and target walk side by side.
  u32 cur = root;                    // local type id (modifiers skipped)
  const HostStruct* tstruct = hs;    // target: current struct, or
  const HostField* tfield = nullptr; // the field we are inside (arrays, scalars)
  u64 toff = 0;
  u32 tsize = hs ? hs->size : 0;
  bool tsigned = false;
  u32 local_size = btf.size_of(root).value_or(0);
  u32 bit_size = 0;     // local bitfield width of the last member, 0 if none
  if (!hs) return fail(fmt::format("struct {} does not exist on the host", root_name));
  toff = u64{spec[0]} * hs->size;

  for (size_t i = 1; i < spec.size(); ++i) {
    const BtfType* t = btf.type(cur);
    if (is_composite(t)) {
      if (spec[i] >= t->members.size())
        return relo_error(r, fmt::format("member index {} outside {} ({} members)", spec[i],
                                         btf.type_name(cur), t->members.size()));
      const BtfMember& m = t->members[spec[i]];
      cur = btf.skip_modifiers(m.type);
      local_size = btf.size_of(cur).value_or(0);
      bit_size = m.bitfield_size;
      if (m.name.empty()) continue;  // anonymous struct/union: host layouts are flattened
      out.access += "." + m.name;
      if (!tstruct) return fail(fmt::format("{} is not a struct on the host", out.access));
      const HostField* f = tstruct->field(m.name);
      if (!f) return fail(fmt::format("field {} does not exist on the host", out.access));
      toff += f->offset;
      tsize = f->size;
      tsigned = f->is_signed;
      tfield = f;
      tstruct = (!f->struct_type.empty() && f->array_len == 0) ? host.find_struct(f->struct_type) : nullptr;
    } else if (t && t->kind == BtfKind::array) {
      out.access += fmt::format("[{}]", spec[i]);
      cur = btf.skip_modifiers(t->elem_type);
      local_size = btf.size_of(cur).value_or(0);
      bit_size = 0;
      if (!tfield || tfield->array_len == 0)
        return fail(fmt::format("{} is not an array on the host", out.access));
      u32 esize = tfield->size / tfield->array_len;
      if (spec[i] >= tfield->array_len)
        return fail(fmt::format("{}: index outside the host's {} elements", out.access, tfield->array_len));
      toff += u64{spec[i]} * esize;
      tsize = esize;
      tstruct = tfield->struct_type.empty() ? nullptr : host.find_struct(tfield->struct_type);
      tfield = nullptr;
    } else {
      return relo_error(r, fmt::format("access step {} into non-aggregate {}", i, btf.type_name(cur)));
    }
  }
  if (toff > 0xffffffffu) return relo_error(r, "offset overflow");

  out.local_size = local_size;
  out.target_size = tsize;
  switch (r.kind) {
    case CoreReloKind::field_byte_offset: out.value = toff; break;
    case CoreReloKind::field_byte_size: out.value = tsize; break;
    case CoreReloKind::field_exists: out.value = 1; break;
    case CoreReloKind::field_signed: out.value = tsigned ? 1 : 0; break;
    case CoreReloKind::field_lshift_u64:
    case CoreReloKind::field_rshift_u64: {
      // The host field is a whole field of tsize bytes read in full: a
      // local bitfield narrower than it keeps its width.
      u32 bits = bit_size ? bit_size : tsize * 8;
      if (bits == 0 || bits > 64) return fail(fmt::format("{}: no shift for a {}-byte field", out.access, tsize));
      out.value = 64 - bits;
      break;
    }
    default: UPS_ASSERT(false);
  }
  return out;
}

Result<CoreOutcome> resolve_type(const Btf& btf, const BtfExtCoreRelo& r, const HostTypes& host) {
  CoreOutcome out;
  u32 local = btf.skip_qualifiers(r.type_id);
  const BtfType* t = btf.type(btf.skip_modifiers(local));
  std::string name = local_name(btf, r.type_id);
  out.access = btf.type_name(local);
  std::optional<u32> size;
  bool exists = false;
  if (is_composite(t)) {
    const HostStruct* hs = host.find_struct(name);
    exists = hs != nullptr;
    if (hs) size = hs->size;
  } else if (t && (t->kind == BtfKind::enum_ || t->kind == BtfKind::enum64)) {
    exists = host.has_enum(name);
    if (exists) size = t->size;
  } else {
    // Scalars, pointers and typedefs to them: the host has the same C types.
    exists = true;
    size = btf.size_of(local);
  }
  switch (r.kind) {
    case CoreReloKind::type_exists: case CoreReloKind::type_matches:
      out.value = exists ? 1 : 0;
      return out;
    case CoreReloKind::type_size:
      if (!exists || !size) {
        out.resolved = false;
        out.failure = fmt::format("type {} does not exist on the host", out.access);
        return out;
      }
      out.value = *size;
      return out;
    case CoreReloKind::type_id_local: case CoreReloKind::type_id_target:
      // upsched has no kernel BTF ids: both are the object's local id.
      out.value = r.type_id;
      return out;
    default: UPS_ASSERT(false);
  }
  return out;
}

Result<CoreOutcome> resolve_enumval(const Btf& btf, const BtfExtCoreRelo& r,
                                    const std::vector<u32>& spec, const HostTypes& host) {
  CoreOutcome out;
  const BtfType* t = btf.type(btf.skip_modifiers(r.type_id));
  if (!t || (t->kind != BtfKind::enum_ && t->kind != BtfKind::enum64))
    return relo_error(r, "type is not an enum");
  if (spec.size() != 1 || spec[0] >= t->enumerators.size()) return relo_error(r, "enumerator index out of range");
  std::string ename = t->name.empty() ? std::string() : std::string(strip_flavour(t->name));
  const std::string& vname = t->enumerators[spec[0]].name;
  out.access = fmt::format("enum {}::{}", ename.empty() ? "<anon>" : ename, vname);
  auto v = host.enum_value(ename, strip_flavour(vname));
  if (r.kind == CoreReloKind::enumval_exists) {
    out.value = v ? 1 : 0;
  } else if (v) {
    out.value = static_cast<u64>(*v);
  } else {
    out.resolved = false;
    out.failure = fmt::format("{} does not exist on the host", out.access);
  }
  return out;
}

}  // namespace

Result<CoreOutcome> resolve_core_relo(const Btf& btf, const BtfExtCoreRelo& relo,
                                      const HostTypes& host) {
  auto spec = parse_access(relo);
  if (!spec) return tl::unexpected(spec.error());
  if (relo.type_id == 0 || relo.type_id >= btf.count()) return relo_error(relo, "type id out of range");
  switch (relo.kind) {
    case CoreReloKind::field_byte_offset: case CoreReloKind::field_byte_size:
    case CoreReloKind::field_exists: case CoreReloKind::field_signed:
    case CoreReloKind::field_lshift_u64: case CoreReloKind::field_rshift_u64: {
      auto out = resolve_field(btf, relo, *spec, host);
      if (out && !out->resolved && relo.kind == CoreReloKind::field_exists) {
        out->resolved = true;
        out->value = 0;
      }
      return out;
    }
    case CoreReloKind::type_id_local: case CoreReloKind::type_id_target:
    case CoreReloKind::type_exists: case CoreReloKind::type_size: case CoreReloKind::type_matches:
      return resolve_type(btf, relo, host);
    case CoreReloKind::enumval_exists: case CoreReloKind::enumval_value:
      return resolve_enumval(btf, relo, *spec, host);
  }
  return relo_error(relo, "unknown kind");
}

Status patch_core_insn(std::span<Insn> code, size_t idx, const CoreOutcome& out, CoreReloKind kind) {
  auto where = where_at({}, fmt::format("instruction {}", idx));
  if (idx >= code.size())
    return make_error(ErrorKind::malformed, fmt::format("CO-RE relocation for {} outside the code", out.access), where);
  Insn& insn = code[idx];
  u8 cls = insn.opcode & op::CLASS_MASK;
  if (cls == op::ALU || cls == op::ALU64) {
    if ((insn.opcode & op::X) != 0)
      return make_error(ErrorKind::malformed, fmt::format("CO-RE relocation for {} on a register ALU operation", out.access), where);
    if (out.value > 0x7fffffffu && kind != CoreReloKind::enumval_value)
      return make_error(ErrorKind::unsupported, fmt::format("CO-RE value {} for {} does not fit the 32-bit immediate", out.value, out.access), where);
    insn.imm = static_cast<s32>(static_cast<u32>(out.value));
    return {};
  }
  if (cls == op::LDX || cls == op::ST || cls == op::STX) {
    u8 mode = insn.opcode & op::MODE_MASK;
    if (mode != op::MEM && mode != op::MEMSX)
      return make_error(ErrorKind::malformed, fmt::format("CO-RE relocation for {} on opcode 0x{:02x}", out.access, insn.opcode), where);
    if (kind != CoreReloKind::field_byte_offset)
      return make_error(ErrorKind::malformed, fmt::format("CO-RE {} relocation on a memory access", core_relo_kind_name(kind)), where);
    if (out.value > 0x7fff)
      return make_error(ErrorKind::unsupported, fmt::format("offset {} of {} does not fit a memory access", out.value, out.access), where);
    insn.off = static_cast<s16>(out.value);
    // A field whose width differs on the host: read it at the host's width
    // (the compiler used the local one).
    static constexpr u8 sizes[] = {4, 2, 1, 8};  // W, H, B, DW
    u32 width = sizes[(insn.opcode & op::SIZE_MASK) >> 3];
    if (width == out.local_size && out.target_size != out.local_size && cls != op::ST) {
      u8 code_bits;
      switch (out.target_size) {
        case 1: code_bits = op::B; break;
        case 2: code_bits = op::H; break;
        case 4: code_bits = op::W; break;
        case 8: code_bits = op::DW; break;
        default:
          return make_error(ErrorKind::unsupported,
                            fmt::format("{} is {} bytes on the host, {} in the object", out.access,
                                        out.target_size, out.local_size), where);
      }
      insn.opcode = static_cast<u8>((insn.opcode & ~op::SIZE_MASK) | code_bits);
    }
    return {};
  }
  if (insn.opcode == (op::LD | op::DW | op::IMM)) {
    if (idx + 1 >= code.size())
      return make_error(ErrorKind::malformed, "CO-RE relocation on a truncated lddw", where);
    insn.imm = static_cast<s32>(static_cast<u32>(out.value));
    code[idx + 1].imm = static_cast<s32>(static_cast<u32>(out.value >> 32));
    return {};
  }
  return make_error(ErrorKind::malformed,
                    fmt::format("CO-RE relocation for {} on opcode 0x{:02x}, which carries no value", out.access, insn.opcode),
                    where);
}

void poison_insn(std::span<Insn> code, size_t idx) {
  UPS_ASSERT(idx < code.size());
  bool lddw = code[idx].opcode == (op::LD | op::DW | op::IMM);
  code[idx] = Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, kPoisonCoreHelper);
  if (lddw && idx + 1 < code.size()) code[idx + 1] = Insn::make(op::JMP | op::JA, 0, 0, 0, 0);
}

namespace {

// Anonymous members are inlined; `budget` bounds the fields one struct can
// expand to (a fuzzed BTF can share anonymous types exponentially).
void flatten_members(const Btf& btf, const BtfType& t, u32 base, HostStruct& hs, int depth,
                     u32& budget) {
  for (const auto& m : t.members) {
    if (budget == 0 || depth > 64) return;
    --budget;
    u32 mt = btf.skip_modifiers(m.type);
    const BtfType* mty = btf.type(mt);
    u32 off = base + m.bit_offset / 8;
    if (m.name.empty()) {
      if (is_composite(mty)) flatten_members(btf, *mty, off, hs, depth + 1, budget);
      continue;
    }
    HostField f;
    f.name = m.name;
    f.offset = off;
    f.size = m.bitfield_size ? (m.bitfield_size + 7) / 8 : btf.size_of(mt).value_or(0);
    const BtfType* elem = mty;
    if (mty && mty->kind == BtfKind::array) {
      f.array_len = mty->nelems;
      elem = btf.type(btf.skip_modifiers(mty->elem_type));
      if (f.array_len == 0) f.size = 0;
    }
    if (elem && elem->kind == BtfKind::int_) f.is_signed = elem->is_signed;
    if (elem && (elem->kind == BtfKind::enum_ || elem->kind == BtfKind::enum64)) f.is_signed = elem->enum_signed;
    if (is_composite(elem)) f.struct_type = std::string(strip_flavour(elem->name));
    hs.fields.push_back(std::move(f));
  }
}

}  // namespace

HostTypes host_types_from_btf(const Btf& btf) {
  HostTypes h;
  u32 budget = 1u << 20;  // members visited in all, for every struct together
  for (u32 id = 1; id < btf.count(); ++id) {
    const BtfType* t = btf.type(id);
    if (is_composite(t) && !t->name.empty()) {
      HostStruct hs;
      hs.name = std::string(strip_flavour(t->name));
      if (h.find_struct(hs.name)) continue;
      hs.size = t->size;
      flatten_members(btf, *t, 0, hs, 0, budget);
      h.add_struct(std::move(hs));
    } else if (t && (t->kind == BtfKind::enum_ || t->kind == BtfKind::enum64)) {
      HostEnum e;
      e.name = std::string(strip_flavour(t->name));
      for (const auto& v : t->enumerators) e.values.emplace_back(v.name, v.value);
      h.add_enum(std::move(e));
    }
  }
  return h;
}

}  // namespace ups::bpf
