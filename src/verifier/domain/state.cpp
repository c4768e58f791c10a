// State order for pruning: cur <= old when every behaviour from cur is one
// old already showed safe.
#include "verifier/domain/state.h"

#include <algorithm>

namespace ups::verifier {

ByteKind Frame::byte(s32 off) const {
  u32 pos = static_cast<u32>(-off - 1);  // 0 = byte at -1
  const StackSlot* s = find_slot(pos / 8);
  if (!s) return ByteKind::uninit;
  return s->bytes[7 - pos % 8];
}

namespace {

// Ids of cur mapped to ids of old must be a consistent function both ways.
struct IdMap {
  std::vector<std::pair<u32, u32>> pairs;  // few ids per state: a flat list
  bool match(u32 a, u32 b) {
    if (a == 0 || b == 0) return a == b;
    for (const auto& [x, y] : pairs) {
      if (x == a || y == b) return x == a && y == b;
    }
    pairs.emplace_back(a, b);
    return true;
  }
  // A value's link to its copies: one cur did not link (id 0) stands for
  // a link of its own, which matches an old id used nowhere else (as
  // Linux's check_ids gives it a temporary id).
  bool match_copies(u32 a, u32 b) { return match(a == 0 && b != 0 ? unlinked_++ : a, b); }
  u32 unlinked_ = 0xf0000000u;
};

bool value_le(const Value& cur, const Value& old, IdMap& ids) {
  if (old.kind == Kind::uninit) return true;  // old never read it
  if (cur.kind != old.kind || cur.target != old.target) return false;
  if (cur.maybe_null && !old.maybe_null) return false;
  if (cur.arena != old.arena) return false;  // an arena pointer is dereferenced, a number not
  if (!cur.num.subset_of(old.num)) return false;
  // Old's copies were narrowed together by its branches; cur's must be
  // copies of each other too (cur may link more than old did).
  if (old.id != 0 && !ids.match_copies(cur.id, old.id)) return false;
  return cur.kind == Kind::scalar || ids.match(cur.ref, old.ref);
}

bool slot_le(const StackSlot& cur, const StackSlot& old, IdMap& ids) {
  if (old.is_iter() || cur.is_iter()) {
    if (!old.is_iter()) {
      // Old never used these bytes (all uninit): cur's iterator is only a
      // reference to release, which the reference lists compare.
      for (auto b : old.bytes)
        if (b != ByteKind::uninit) return false;
      return true;
    }
    return cur.is_iter() && cur.iter.type == old.iter.type && cur.iter.drained == old.iter.drained &&
           cur.iter.base == old.iter.base && ids.match(cur.iter.ref, old.iter.ref);
  }
  bool cur_spill = cur.is_spill(), old_spill = old.is_spill();
  if (old_spill) {
    if (cur_spill) return value_le(cur.spill, old.spill, ids);
    // A scalar spill in old accepts plain data in cur only if old's spill
    // is an unknown scalar.
    if (old.spill.kind != Kind::scalar || old.spill.arena || !(old.spill.num == Scalar::top())) return false;
    for (auto b : cur.bytes)
      if (b == ByteKind::uninit) return false;
    return true;
  }
  if (old.is_narrow_spill()) {
    // Like a whole spill, for its four bytes.
    if (cur.is_narrow_spill() || cur_spill) {
      if (!value_le(cur.spill, old.spill, ids)) return false;
    } else if (!(old.spill.num == Scalar::top())) {
      return false;
    }
  }
  for (int i = 0; i < 8; ++i) {
    ByteKind o = old.bytes[i], c = cur.bytes[i];
    if (o == ByteKind::uninit) continue;
    if (o == ByteKind::spill && old.is_narrow_spill()) {
      if (c == ByteKind::uninit) return false;
      continue;  // the value was compared above
    }
    if (o == c) continue;
    if (o == ByteKind::misc && (c == ByteKind::zero || (c == ByteKind::spill && cur.spill.kind == Kind::scalar)))
      continue;
    return false;
  }
  return true;
}

}  // namespace

bool subsumed_by(const State& cur, const State& old, const std::vector<u16>& live_regs) {
  if (cur.frames.size() != old.frames.size()) return false;
  if (!(cur.lock.held == old.lock.held && cur.lock.map == old.lock.map)) return false;
  if (cur.refs.size() != old.refs.size() || cur.timer_callback != old.timer_callback) return false;
  if (cur.rcu_depth != old.rcu_depth) return false;
  IdMap ids;
  if (cur.lock.held && !ids.match(cur.lock.id, old.lock.id)) return false;
  for (size_t f = 0; f < cur.frames.size(); ++f) {
    const Frame& c = cur.frames[f];
    const Frame& o = old.frames[f];
    if (c.return_to != o.return_to || c.subprog != o.subprog || c.is_callback != o.is_callback ||
        c.less_callback != o.less_callback)
      return false;
    if (c.is_callback && (!(c.cb_index == o.cb_index) || !value_le(c.cb_ctx, o.cb_ctx, ids)))
      return false;
    u16 live = f < live_regs.size() ? live_regs[f] : 0xffff;
    for (int r = 0; r < bpf::kNumRegs; ++r)
      if ((live >> r) & 1)
        if (!value_le(c.regs[r], o.regs[r], ids)) return false;
    size_t n = std::max(c.slots.size(), o.slots.size());
    static const StackSlot empty{};
    for (size_t i = 0; i < n; ++i) {
      const StackSlot& cs = i < c.slots.size() ? c.slots[i] : empty;
      const StackSlot& os = i < o.slots.size() ? o.slots[i] : empty;
      if (!slot_le(cs, os, ids)) return false;
    }
  }
  for (size_t i = 0; i < cur.refs.size(); ++i)
    if (!ids.match(cur.refs[i].id, old.refs[i].id)) return false;
  return true;
}

namespace {

// Both scalars of one sort (numbers, or arena pointers), not equal.
bool joinable(const Value& cur, const Value& old) {
  return cur.kind == Kind::scalar && old.kind == Kind::scalar && cur.arena == old.arena && !(cur == old);
}

}  // namespace

std::optional<State> join_scalars(const State& cur, const State& old, const std::vector<u16>& live_regs) {
  if (cur.frames.size() != old.frames.size()) return std::nullopt;
  // Each live register, then each slot laid out alike, where both hold
  // different scalars of one sort; `join` widens cur's to cover old's.
  auto each_difference = [&](auto&& join) {
    bool any = false;
    for (size_t f = 0; f < cur.frames.size(); ++f) {
      const Frame& c = cur.frames[f];
      const Frame& o = old.frames[f];
      const u16 live = f < live_regs.size() ? live_regs[f] : 0xffff;
      for (int r = 0; r < bpf::kNumRegs; ++r)
        if ((live >> r) & 1 && joinable(c.regs[r], o.regs[r])) {
          any = true;
          join(f, r, -1);
        }
      for (size_t i = 0; i < c.slots.size() && i < o.slots.size(); ++i)
        if (c.slots[i].bytes == o.slots[i].bytes && c.slots[i].has_spill() &&
            joinable(c.slots[i].spill, o.slots[i].spill)) {
          any = true;
          join(f, -1, static_cast<s64>(i));
        }
    }
    return any;
  };
  // Most states compared have nothing to join: find out before copying.
  if (!each_difference([](size_t, int, s64) {})) return std::nullopt;
  State j = cur;
  each_difference([&](size_t f, int r, s64 i) {
    Value& v = r >= 0 ? j.frames[f].regs[r] : j.frames[f].slots[i].spill;
    const Value& o = r >= 0 ? old.frames[f].regs[r] : old.frames[f].slots[i].spill;
    v.num = v.num.join(o.num);
    // Unlinked from its copies: they may not be narrowed with it any more
    // (knowing less), and it no longer needs copies where old had some.
    v.id = 0;
  });
  return j;
}

bool same_iteration(const State& a, const State& b) {
  if (a.frames.size() != b.frames.size() || a.may_goto_depth != b.may_goto_depth) return false;
  for (size_t f = 0; f < a.frames.size(); ++f) {
    const auto& sa = a.frames[f].slots;
    const auto& sb = b.frames[f].slots;
    for (size_t i = 0; i < std::max(sa.size(), sb.size()); ++i) {
      const bool ia = i < sa.size() && sa[i].is_iter() && sa[i].iter.base;
      const bool ib = i < sb.size() && sb[i].is_iter() && sb[i].iter.base;
      if (ia != ib) return false;
      if (ia && sa[i].iter.depth != sb[i].iter.depth) return false;
    }
  }
  return true;
}

}  // namespace ups::verifier
