// Open-coded iterators (bpf_for, bpf_repeat, bpf_for_each): an iterator is
// a struct on the stack that only its kfuncs may touch. _new makes the
// bytes a live iterator that must be destroyed on every path (a reference);
// _next either yields an element (a non-NULL pointer) or drains the
// iterator and returns NULL; _destroy releases it. Loops over _next are
// bounded by the iterator itself, so the analyzer lets them converge (see
// advances_live_iterator) instead of calling them infinite.
#include <fmt/format.h>

#include "verifier/transformer.h"

namespace ups::verifier {
namespace {

// Slot index of stack offset off (< 0).
u32 slot_of(s64 off) { return static_cast<u32>(-off - 1) / 8; }

// The slots [off, off + size) covers, highest index (lowest address) first.
template <class F>
void for_each_slot(s64 off, u32 size, F&& f) {
  for (s64 o = off; o < off + static_cast<s64>(size); o += 8) f(slot_of(o));
}

}  // namespace

const IterSlot* Transformer::iter_at(const State& st, const Value& ptr) const {
  if (ptr.kind != Kind::stack || !ptr.num.is_const() || ptr.target < 0 ||
      static_cast<size_t>(ptr.target) >= st.frames.size())
    return nullptr;
  const s64 off = static_cast<s64>(ptr.num.value());
  if (off >= 0 || off < -bpf::kStackSize) return nullptr;
  const StackSlot* s = st.frames[ptr.target].find_slot(slot_of(off));
  return s && s->is_iter() ? &s->iter : nullptr;
}

std::string Transformer::check_iter_arg(const State& st, int r, const ArgSpec& a, Special sp,
                                        const std::string& name) const {
  if (a.struct_index < 0 || static_cast<size_t>(a.struct_index) >= info_.structs.size())
    return fmt::format("{}: its prototype names no iterator type for argument {}", name, r);
  const StructDesc& type = info_.structs[a.struct_index];
  const Value& v = st.reg(r);
  if (v.kind != Kind::stack)
    return fmt::format("{} argument {} (R{}) must point to a struct {} on the stack, but R{} is {}", name, r, r,
                       type.name, r, describe(v));
  if (!v.num.is_const() || static_cast<s64>(v.num.value()) % 8 != 0)
    return fmt::format("{} argument {} (R{}) must point to a struct {} at a constant stack offset that is a multiple "
                       "of 8, but it is {}",
                       name, r, r, type.name, describe(v));
  if (auto e = check_region(st, r, v, 0, type.size, true); !e.empty()) return fmt::format("{} argument {}: {}", name, r, e);
  const s64 off = static_cast<s64>(v.num.value());
  const Frame& f = st.frames[v.target];
  auto created_at = [&](u32 ref) {
    for (const auto& e : st.refs)
      if (e.id == ref) return fmt::format(" (created at instruction {})", e.insn);
    return std::string();
  };
  if (sp == Special::iter_new) {
    std::string busy;
    for_each_slot(off, type.size, [&](u32 slot) {
      const StackSlot* s = f.find_slot(slot);
      if (busy.empty() && s && s->is_iter())
        busy = fmt::format("{} argument {}: the stack at fp{} already holds an iterator{}; destroy it before "
                           "creating another there",
                           name, r, off, created_at(s->iter.ref));
    });
    return busy;
  }
  const IterSlot* it = iter_at(st, v);
  if (!it || !it->base)
    return fmt::format("{} argument {} (R{}) must point to a struct {} made by its _new kfunc, but fp{} holds none "
                       "(never created, or already destroyed)",
                       name, r, r, type.name, off);
  if (it->type != a.struct_index) {
    const std::string have = it->type >= 0 && static_cast<size_t>(it->type) < info_.structs.size()
                                 ? info_.structs[it->type].name
                                 : std::string("another iterator");
    return fmt::format("{} argument {} (R{}) must point to a struct {}, but fp{} holds a struct {}", name, r, r,
                       type.name, off, have);
  }
  return "";
}

void Transformer::iter_create(State& st, const Value& ptr, s32 type, u32 pc) {
  const u32 ref = fresh_id();
  st.refs.push_back(RefEntry{ref, pc, true});
  const s64 off = static_cast<s64>(ptr.num.value());
  Frame& f = st.frames[ptr.target];
  for_each_slot(off, info_.structs[type].size, [&](u32 slot) {
    StackSlot& s = f.slot(slot);
    s.bytes.fill(ByteKind::iter);
    s.spill = Value::uninit();
    s.iter = IterSlot{type, ref, false, slot == slot_of(off)};
  });
}

void Transformer::iter_destroy(State& st, const Value& ptr) {
  const IterSlot* it = iter_at(st, ptr);
  if (!it) return;
  const u32 ref = it->ref;
  const s64 off = static_cast<s64>(ptr.num.value());
  Frame& f = st.frames[ptr.target];
  for_each_slot(off, info_.structs[it->type].size, [&](u32 slot) { f.slot(slot) = StackSlot{}; });
  std::erase_if(st.refs, [&](const RefEntry& e) { return e.id == ref; });
}

void Transformer::iter_drain(State& st, const Value& ptr) {
  const IterSlot* it = iter_at(st, ptr);
  if (!it) return;
  const s64 off = static_cast<s64>(ptr.num.value());
  Frame& f = st.frames[ptr.target];
  for_each_slot(off, info_.structs[it->type].size, [&](u32 slot) { f.slot(slot).iter.drained = true; });
}

void Transformer::iter_advance(State& st, const Value& ptr) {
  const IterSlot* it = iter_at(st, ptr);
  if (!it) return;
  const s64 off = static_cast<s64>(ptr.num.value());
  Frame& f = st.frames[ptr.target];
  for_each_slot(off, info_.structs[it->type].size, [&](u32 slot) { ++f.slot(slot).iter.depth; });
}

bool Transformer::advances_live_iterator(const State& st, u32 pc) const {
  const auto* c = cfg_.insns[pc] ? std::get_if<Call>(&*cfg_.insns[pc]) : nullptr;
  if (!c || c->to != Call::To::kfunc) return false;
  const Prototype* p = prototype(st, *c);
  if (!p || p->special != Special::iter_next) return false;
  for (int i = 0; i < 5; ++i)
    if (p->args[i].kind == ArgKind::iter) {
      const IterSlot* it = iter_at(st, st.reg(i + 1));
      return it && it->base && !it->drained;
    }
  return false;
}

}  // namespace ups::verifier
