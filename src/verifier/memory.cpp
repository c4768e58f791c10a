// Loads, stores and atomics: which region a pointer reaches, whether every
// offset its range allows is inside that region, and what the stack, the
// map values, the context and typed structs hold afterwards.
#include <fmt/format.h>

#include "verifier/transformer.h"

namespace ups::verifier {
namespace {

std::string range_text(s64 lo, s64 hi) {
  return lo == hi ? fmt::format("{}", lo) : fmt::format("[{}, {}]", lo, hi);
}

bool overlaps(s64 lo, s64 hi, s64 flo, s64 fhi) { return lo < fhi && flo < hi; }

Scalar unknown_of_width(u32 width, bool sign_extend) {
  if (width >= 8) return Scalar::top();
  u64 bits = 8ULL * width;
  if (sign_extend) return Scalar::srange(-(1LL << (bits - 1)), (1LL << (bits - 1)) - 1);
  return Scalar::urange(0, (1ULL << bits) - 1);
}

// Slot index and byte position of stack offset off (< 0).
std::pair<u32, int> stack_pos(s64 off) {
  u32 pos = static_cast<u32>(-off - 1);
  return {pos / 8, 7 - static_cast<int>(pos % 8)};
}

// A spilled number written over in part: its bytes become data, the ones
// of a zero staying known zeros until the write marks them.
void spill_to_bytes(StackSlot& s) {
  const bool zero = s.spill.kind == Kind::scalar && s.spill.num.is_const() && s.spill.num.value() == 0;
  s.bytes.fill(zero ? ByteKind::zero : ByteKind::misc);
  s.spill = Value::uninit();
}

}  // namespace

bool is_read_only(const bpf::MapDef& m) {
  return m.global == bpf::GlobalKind::rodata || m.global == bpf::GlobalKind::kconfig ||
         (m.map_flags & bpf::BPF_F_RDONLY_PROG);
}

bool Transformer::same_object(const Value& a, const Value& b) const {
  if (a.kind != b.kind || a.target != b.target || a.maybe_null || b.maybe_null) return false;
  if (a.kind == Kind::stack) return true;
  if (a.kind != Kind::map_value) return false;
  const auto& m = info_.maps[a.target];
  return m.type == bpf::MapType::array && m.max_entries == 1 && !m.inner;
}

std::string_view Transformer::constant_bytes(const Value& v) const {
  if (v.kind != Kind::map_value || v.maybe_null || !v.num.is_const()) return {};
  const auto& m = info_.maps[v.target];
  const u64 off = v.num.value();
  if (!is_read_only(m) || off >= m.initial.size()) return {};
  return std::string_view(reinterpret_cast<const char*>(m.initial.data()) + off, m.initial.size() - off);
}

std::string Transformer::check_region(const State& st, int reg, const Value& base, s64 off, u32 width,
                                      bool write) const {
  const std::string r = reg_label(reg);
  switch (base.kind) {
    case Kind::uninit: return uninit_text(reg, base);
    case Kind::scalar:
      if (base.num.is_const() && base.num.value() == 0)
        return fmt::format("{} is NULL, not a pointer; memory at address 0 cannot be accessed", r);
      return fmt::format("{} is {}, not a pointer; memory can only be accessed through pointers", r, describe(base));
    case Kind::map_ptr:
      return fmt::format("{} is {}, not a pointer to its values; look a value up first", r, describe(base));
    case Kind::func: return fmt::format("{} is {}, not a pointer to data", r, describe(base));
    default: break;
  }
  if (base.maybe_null) return fmt::format("{} may be NULL ({}); check it against NULL first", r, describe(base));
  const s64 lo = base.num.smin + off, hi = base.num.smax + off + width;  // [lo, hi)
  switch (base.kind) {
    case Kind::ctx: {
      if (write) return fmt::format("the arguments of {} are read-only", info_.ctx.callback);
      if (!base.num.is_const()) return fmt::format("{} has a variable offset into the callback's arguments", r);
      const size_t n = info_.ctx.args.size();
      if (lo < 0 || width != 8 || lo % 8 != 0 || static_cast<size_t>(lo / 8) >= n)
        return fmt::format("reading {} bytes at offset {} of the arguments of {}, which has {} argument{} of 8 bytes",
                           width, lo, info_.ctx.callback, n, n == 1 ? "" : "s");
      return "";
    }
    case Kind::stack:
      if (lo < -bpf::kStackSize)
        return fmt::format("stack access at offset {} (size {}) is beyond the {}-byte stack", range_text(lo, hi - width),
                           width, bpf::kStackSize);
      if (hi > 0)
        return fmt::format("stack access at offset {} (size {}) is above the top of the stack (r10)",
                           range_text(lo, hi - width), width);
      return "";
    case Kind::map_value: {
      const auto& m = info_.maps[base.target];
      if (base.num.smin < -(1LL << 29) || base.num.smax > (1LL << 29))
        return fmt::format("{} has an unbounded offset ({}) into a value of map `{}`; bound it before the access", r,
                           base.num.to_string(), m.name);
      if ((lo < 0 || hi > static_cast<s64>(m.value_size)) && !skip_map_value_bounds_)
        return fmt::format("out of bounds: {} bytes at offset {} of a value of map `{}`, which has {} bytes", width,
                           range_text(lo, hi - width), m.name, m.value_size);
      if (write && is_read_only(m))
        return fmt::format("map `{}` is read-only; it cannot be written", m.name);
      if (m.spin_lock_off >= 0 && overlaps(lo, hi, m.spin_lock_off, m.spin_lock_off + 4))
        return fmt::format("direct access to the bpf_spin_lock in a value of map `{}`; use bpf_spin_lock/unlock", m.name);
      if (m.timer_off >= 0 && overlaps(lo, hi, m.timer_off, m.timer_off + 16))
        return fmt::format("direct access to the bpf_timer in a value of map `{}`; use the bpf_timer helpers", m.name);
      for (const auto& g : m.rb_roots)
        if (overlaps(lo, hi, g.offset, g.offset + 16))
          return fmt::format("direct access to the bpf_rb_root at offset {} of a value of map `{}`; use the bpf_rbtree_* kfuncs",
                             g.offset, m.name);
      for (const auto& k : m.kptrs)
        if (overlaps(lo, hi, k.offset, k.offset + 8))
          return fmt::format("direct {} of the __kptr field at offset {} of a value of map `{}`; move its object in and out with bpf_kptr_xchg",
                             write ? "write" : "read", k.offset, m.name);
      return "";
    }
    case Kind::map_key: {
      const auto& m = info_.maps[base.target];
      if (write) return fmt::format("the key of map `{}` is read-only", m.name);
      if (base.num.smin < -(1LL << 29) || base.num.smax > (1LL << 29) || lo < 0 || hi > static_cast<s64>(m.key_size))
        return fmt::format("out of bounds: {} bytes at offset {} of a key of map `{}`, which has {} bytes", width,
                           range_text(lo, hi - width), m.name, m.key_size);
      return "";
    }
    case Kind::object: {
      const StructDesc& s = info_.structs[base.target];
      if (!base.num.is_const())
        return fmt::format("{} has a variable offset ({}) into struct {}", r, base.num.to_string(), s.name);
      if (lo < 0 || hi > static_cast<s64>(s.size))
        return fmt::format("out of bounds: {} bytes at offset {} of struct {}, which has {} bytes", width, lo, s.name, s.size);
      const FieldRule* f = s.rule_for(static_cast<u32>(lo), width);
      if (!f) return fmt::format("no field of struct {} covers {} bytes at offset {}", s.name, width, lo);
      if (!f->denied.empty())
        return fmt::format("{} {}->{}: {}", write ? "writing" : "reading", s.name, f->name, f->denied);
      if (write && f->access != FieldAccess::read_write)
        return fmt::format("{}->{} is read-only for policies", s.name, f->name);
      return "";
    }
    default: break;
  }
  return "internal: unknown region";
}

std::string Transformer::check_stack_readable(const State& st, const Value& ptr, s64 lo, s64 hi, u32 width,
                                              bool allow_spilled_ptr, bool allow_uninit) const {
  const Frame& f = st.frames[ptr.target];
  for (s64 o = lo; o < hi + width; ++o) {
    auto [slot, b] = stack_pos(o);
    const StackSlot* s = f.find_slot(slot);
    ByteKind k = s ? s->bytes[b] : ByteKind::uninit;
    if (k == ByteKind::uninit) {
      if (allow_uninit) continue;
      if (lo == hi) return fmt::format("reading uninitialised stack: byte at fp{} of the {} bytes at fp{}", o, width, lo);
      return fmt::format("reading uninitialised stack: byte at fp{} may be read (offsets fp{}..fp{})", o, lo, hi);
    }
    if (k == ByteKind::iter)
      return fmt::format("reading the iterator at fp{} as data; use it only through its bpf_iter_* kfuncs", o - b);
    if (k == ByteKind::spill && s->spill.is_pointer() && !allow_spilled_ptr)
      return fmt::format("reading part of a pointer spilled at fp{} as data", o - b);
  }
  return "";
}

std::string Transformer::check_stack_writable(const State& st, const Value& ptr, s64 lo, s64 hi, u32 width) const {
  const Frame& f = st.frames[ptr.target];
  for (s64 o = lo; o < hi + width; ++o) {
    auto [slot, b] = stack_pos(o);
    const StackSlot* s = f.find_slot(slot);
    if (s && s->is_iter())
      return fmt::format("writing over the iterator at fp{}; destroy it with its bpf_iter_*_destroy kfunc first", o - b);
  }
  return "";
}

void Transformer::note_stack_depth(const Frame& f, s64 lowest) {
  u32& depth = stack_depths_[f.subprog];
  depth = std::max<u32>(depth, static_cast<u32>(std::max<s64>(-lowest, 0)));
}

void Transformer::write_stack(State& st, const Value& ptr, s64 lo, s64 hi, u64 min_width, u64 max_width) {
  Frame& f = st.frames[ptr.target];
  note_stack_depth(f, lo);
  // Surely written: [hi, lo + min_width) (empty unless the offset is
  // nearly known); maybe written: [lo, hi + max_width).
  const s64 sure_lo = hi, sure_hi = lo + static_cast<s64>(min_width);
  const s64 end = hi + static_cast<s64>(max_width);
  auto sure = [&](s64 o) { return o >= sure_lo && o < sure_hi; };
  for (s64 o = lo; o < end; ++o) {
    auto [slot, b] = stack_pos(o);
    StackSlot& s = f.slot(slot);
    if (s.is_spill()) {
      if (s.spill.is_pointer()) {
        // What the write leaves of the pointer would be readable data:
        // unreadable instead (as if never written), unless the loader may
        // see pointer values. Bytes surely written become data below.
        s.bytes.fill(info_.allow_ptr_leaks ? ByteKind::misc : ByteKind::uninit);
        s.spill = Value::uninit();
      } else {
        spill_to_bytes(s);
      }
    } else if (s.is_narrow_spill()) {
      for (int i = 0; i < 4; ++i) s.bytes[i] = ByteKind::misc;
      s.spill = Value::uninit();
    }
    if (sure(o)) s.bytes[b] = ByteKind::misc;
    else if (s.bytes[b] == ByteKind::zero) s.bytes[b] = ByteKind::misc;
  }
}

bool Transformer::has_arena() const {
  for (const auto& m : info_.maps)
    if (m.type == bpf::MapType::arena) return true;
  return false;
}

std::string Transformer::note_arena_access(u32 pc, bool arena) {
  auto [it, fresh] = arena_access_.try_emplace(pc, arena);
  if (fresh || it->second == arena) return "";
  return "this instruction accesses the arena on one path and other memory on another; the same instruction "
         "cannot be used with and without an arena pointer";
}

// A store into the arena: any offset (the access is confined at run time),
// a number or an arena pointer; a host pointer would be readable by anyone
// who reads the arena (user space, in Linux, through its mapping).
std::string Transformer::arena_store(const State& st, const Mem& m, const Value& v) const {
  (void)st;
  if (v.is_pointer() && !info_.allow_ptr_leaks)
    return fmt::format("storing R{} ({}) into the arena would leak a pointer", m.value.reg, describe(v));
  return "";
}

std::string Transformer::load(State& st, const Mem& m, u32 pc) {
  const Value base = st.reg(m.base);
  const bool through_arena = base.kind == Kind::scalar && base.arena;
  if (auto e = note_arena_access(pc, through_arena); !e.empty()) return e;
  if (through_arena) {
    if (m.sign_extend) return "sign-extending loads from the arena are not supported";
    st.reg(m.value.reg) = Value::scalar(unknown_of_width(m.width, false));
    return "";
  }
  if (auto e = check_region(st, m.base, base, m.off, m.width, false); !e.empty()) return e;
  Value out = Value::scalar(unknown_of_width(m.width, m.sign_extend));
  const s64 lo = base.num.smin + m.off, hi = base.num.smax + m.off;
  switch (base.kind) {
    case Kind::ctx: {
      const ArgDesc& a = info_.ctx.args[static_cast<size_t>(lo / 8)];
      if (a.kind == ArgDesc::Kind::scalar) {
        out = Value::scalar(a.range);
      } else {
        out = Value::pointer(Kind::object, a.struct_index);
        out.maybe_null = a.nullable;
        if (a.nullable) out.id = fresh_id();
      }
      break;
    }
    case Kind::stack: {
      if (auto e = check_stack_readable(st, base, lo, hi, m.width, (lo == hi && m.width == 8 && lo % 8 == 0) || info_.allow_ptr_leaks,
                                        info_.allow_uninit_stack);
          !e.empty())
        return e;
      const Frame& f = st.frames[base.target];
      // A slot never written (allow_uninit_stack) reads as an unknown number.
      if (lo == hi && f.find_slot(stack_pos(lo).first) && f.find_slot(stack_pos(lo + m.width - 1).first)) {
        auto [slot, b] = stack_pos(lo);
        const StackSlot& s = *f.find_slot(slot);
        if (m.width == 8 && lo % 8 == 0 && s.is_spill()) {
          out = s.spill;
          break;
        }
        if (m.width == 4 && b == 0 && !m.sign_extend && s.has_spill() && s.spill.kind == Kind::scalar &&
            s.spill.num.umax <= 0xffffffffULL) {
          // A 32-bit scalar spilled and filled keeps its bounds, as in Linux.
          out = Value::scalar(s.spill.num);
          break;
        }
        if (s.is_spill() && s.spill.kind == Kind::scalar && s.spill.num.is_const() && !m.sign_extend &&
            b + m.width <= 8) {
          // Part of a spilled constant: the bytes are known.
          u64 v = s.spill.num.value() >> (8 * b);
          if (m.width < 8) v &= (1ULL << (8 * m.width)) - 1;
          out = Value::scalar(Scalar::constant(v));
          break;
        }
        bool zero = true;
        for (s64 o = lo; o < lo + m.width; ++o) {
          auto [sl, bb] = stack_pos(o);
          if (f.find_slot(sl)->bytes[bb] != ByteKind::zero) zero = false;
        }
        if (zero) out = Value::scalar(Scalar::constant(0));
      }
      break;
    }
    case Kind::map_value: {
      const auto& md = info_.maps[base.target];
      // Read-only global data (`const volatile` configuration) is known.
      if (is_read_only(md) && lo == hi && !md.initial.empty() &&
          static_cast<size_t>(lo + m.width) <= md.initial.size()) {
        u64 v = 0;
        for (u32 i = 0; i < m.width; ++i) v |= static_cast<u64>(md.initial[lo + i]) << (8 * i);
        if (m.sign_extend) {
          u64 sb = 1ULL << (8 * m.width - 1);
          v = (v ^ sb) - sb;
        }
        out = Value::scalar(Scalar::constant(v));
      }
      break;
    }
    case Kind::object: {
      const StructDesc& s = info_.structs[base.target];
      const FieldRule* f = s.rule_for(static_cast<u32>(lo), m.width);
      if (f->points_to >= 0 && m.width == 8 && f->offset == lo) {
        out = Value::pointer(Kind::object, f->points_to);
        out.maybe_null = f->nullable;
        if (f->nullable) out.id = fresh_id();
      }
      break;
    }
    default: break;
  }
  (void)pc;
  st.reg(m.value.reg) = out;
  return "";
}

std::string Transformer::store(State& st, const Mem& m, u32 pc) {
  const Value base = st.reg(m.base);
  Value v;
  if (m.value.is_reg) {
    v = st.reg(m.value.reg);
    if (v.kind == Kind::uninit)
      return v.ref ? uninit_text(m.value.reg, v) : fmt::format("R{} is stored before it is initialised", m.value.reg);
  } else {
    v = Value::scalar(Scalar::constant(static_cast<u64>(static_cast<s64>(m.value.imm))));
  }
  const bool through_arena = base.kind == Kind::scalar && base.arena;
  if (auto e = note_arena_access(pc, through_arena); !e.empty()) return e;
  if (through_arena) return arena_store(st, m, v);
  if (auto e = check_region(st, m.base, base, m.off, m.width, true); !e.empty()) return e;
  // A pointer stored into a map value becomes a number others may read:
  // only for a loader who may see pointer values.
  const bool leak_ok = base.kind == Kind::map_value && info_.allow_ptr_leaks;
  if (v.is_pointer() && base.kind != Kind::stack && !leak_ok) {
    if (base.kind == Kind::map_value)
      return fmt::format("storing R{} ({}) into a value of map `{}` would leak a pointer", m.value.reg, describe(v),
                         info_.maps[base.target].name);
    return fmt::format("storing R{} ({}) through {} would leak a pointer", m.value.reg, describe(v), describe(base));
  }
  if (base.kind != Kind::stack) return "";
  const s64 lo = base.num.smin + m.off, hi = base.num.smax + m.off;
  if (auto e = check_stack_writable(st, base, lo, hi, m.width); !e.empty()) return e;
  note_stack_depth(st.frames[base.target], lo);
  if (v.is_pointer()) {
    if (lo != hi || m.width != 8 || lo % 8 != 0)
      return fmt::format("R{} ({}) must be stored to the stack whole: 8 bytes at a constant offset that is a multiple of 8",
                         m.value.reg, describe(v));
  }
  Frame& f = st.frames[base.target];
  if (lo == hi && m.width == 8 && lo % 8 == 0) {
    StackSlot& s = f.slot(stack_pos(lo).first);
    s.bytes.fill(ByteKind::spill);
    s.spill = v;
    return "";
  }
  write_stack(st, base, lo, hi, m.width, m.width);
  if (lo == hi && m.width == 4 && lo % 8 == 0 && v.kind == Kind::scalar && v.num.umax <= 0xffffffffULL &&
      !(v.num.is_const() && v.num.umin == 0)) {  // a zero stays zero bytes, below
    // The low half of the slot holds a 32-bit scalar whose bounds a 32-bit
    // fill gets back (the upper half keeps what write_stack left).
    StackSlot& s = f.slot(stack_pos(lo).first);
    for (int i = 0; i < 4; ++i) s.bytes[i] = ByteKind::spill;
    s.spill = v;
    return "";
  }
  if (lo == hi && v.num.is_const()) {
    u64 bytes = v.num.value();
    for (u32 i = 0; i < m.width; ++i) {
      auto [slot, b] = stack_pos(lo + i);
      if (((bytes >> (8 * i)) & 0xff) == 0) f.slot(slot).bytes[b] = ByteKind::zero;
    }
  }
  return "";
}

std::string Transformer::atomic(State& st, const Atomic& a) {
  const Value base = st.reg(a.base);
  const Value src = st.reg(a.src);
  if (src.kind == Kind::uninit) return fmt::format("R{} is used before it is initialised", a.src);
  if (base.kind == Kind::scalar && base.arena) return "atomic operations on arena memory are not supported";
  if (src.is_pointer() && !info_.allow_ptr_leaks)
    return fmt::format("R{} is {}: atomic operations on pointers would leak them", a.src, describe(src));
  if (a.op == bpf::op::ATOMIC_CMPXCHG) {
    const Value& r0 = st.reg(0);
    if (r0.kind == Kind::uninit) return "R0 (the expected value of cmpxchg) is used before it is initialised";
    if (r0.is_pointer() && !info_.allow_ptr_leaks) return fmt::format("R0 is {}: atomic operations on pointers would leak them", describe(r0));
  }
  if (base.is_pointer() && !base.maybe_null && base.kind != Kind::stack && base.kind != Kind::map_value)
    return fmt::format("R{} is {}: atomic operations are only allowed on the stack and map values", a.base, describe(base));
  if (auto e = check_region(st, a.base, base, a.off, a.width, true); !e.empty()) return e;
  if (base.kind == Kind::stack) {
    const s64 lo = base.num.smin + a.off, hi = base.num.smax + a.off;
    if (auto e = check_stack_readable(st, base, lo, hi, a.width, false); !e.empty()) return e;
    write_stack(st, base, lo, hi, a.width, a.width);
  }
  Scalar fetched = unknown_of_width(a.width, false);
  if (a.op == bpf::op::ATOMIC_CMPXCHG) st.reg(0) = Value::scalar(fetched);
  else if (a.op & bpf::op::ATOMIC_FETCH) st.reg(a.src) = Value::scalar(fetched);
  return "";
}

}  // namespace ups::verifier
