// Allocated objects, rbtrees and kptrs (Linux's bpf_obj_new, bpf_rbtree_*,
// bpf_kptr_xchg), with Linux's ownership rules:
//  - bpf_obj_new gives an owning reference (Value::ref): it must be dropped
//    (bpf_obj_drop), added to an rbtree or moved into a __kptr field before
//    the program ends;
//  - bpf_rbtree_add takes it: the pointer becomes non-owning (ref 0), usable
//    while the root's bpf_spin_lock is held and gone at the unlock;
//  - bpf_rbtree_first gives a non-owning node, bpf_rbtree_remove an owning
//    one; every bpf_rbtree_* call needs the lock of the root's map value;
//  - a __kptr field is read and written only by bpf_kptr_xchg, which moves
//    ownership in and out.
#include <fmt/format.h>

#include "verifier/transformer.h"

namespace ups::verifier {

s32 Transformer::local_struct(u32 btf_id) const {
  for (size_t i = 0; i < info_.structs.size(); ++i)
    if (info_.structs[i].btf_id == btf_id && btf_id != 0) return static_cast<s32>(i);
  return -1;
}

bool Transformer::is_local(const Value& v) const {
  return v.kind == Kind::object && v.target >= 0 && static_cast<size_t>(v.target) < info_.structs.size() &&
         info_.structs[v.target].is_local();
}

const bpf::GraphRoot* Transformer::root_at(const Value& v) const {
  if (v.kind != Kind::map_value || !v.num.is_const()) return nullptr;
  for (const auto& r : info_.maps[v.target].rb_roots)
    if (r.offset == v.num.value()) return &r;
  return nullptr;
}

const bpf::KptrField* Transformer::kptr_at(const Value& v) const {
  if (v.kind != Kind::map_value || !v.num.is_const()) return nullptr;
  for (const auto& k : info_.maps[v.target].kptrs)
    if (k.offset == v.num.value()) return &k;
  return nullptr;
}

std::string Transformer::struct_label(u32 btf_id) const {
  const s32 s = local_struct(btf_id);
  return s >= 0 ? "struct " + info_.structs[s].name : fmt::format("BTF type {}", btf_id);
}

std::string Transformer::check_local_arg(const State& st, int r, const ArgSpec& a, const Prototype& p,
                                         const std::string& name) const {
  const Value& v = st.reg(r);
  const std::string at = fmt::format("{} argument {} (R{})", name, r, r);
  // The root of this call (argument 1 of the graph kfuncs).
  const bpf::GraphRoot* root = root_at(st.reg(1));
  switch (a.kind) {
    case ArgKind::local_type:
      if (v.kind != Kind::scalar || !v.num.is_const())
        return fmt::format("{} must be a constant type id (bpf_core_type_id_local), but R{} is {}", at, r, describe(v));
      if (local_struct(static_cast<u32>(v.num.value())) < 0)
        return fmt::format("{}: type id {} is not a struct of the program that can be allocated", at, v.num.value());
      return "";
    case ArgKind::local_ref:
      if (a.nullable && v.kind == Kind::scalar && v.num.is_const() && v.num.value() == 0) return "";
      if (!is_local(v))
        return fmt::format("{} must be an object from bpf_obj_new, but R{} is {}", at, r, describe(v));
      if (!v.ref || !st.has_ref(v.ref))
        return fmt::format("{} must be an owning reference, but R{} is {}: it was added to an rbtree, and only the tree owns it now",
                           at, r, describe(v));
      if (!v.num.is_const() || v.num.value() != 0)
        return fmt::format("{} must point to the start of the object, but R{} is {}", at, r, describe(v));
      return "";
    case ArgKind::rb_root: {
      if (!root)
        return fmt::format("{} must point to a struct bpf_rb_root (declared with __contains) in a map value, but R{} is {}",
                           at, r, describe(v));
      if (!st.lock.held || st.lock.map != v.target || st.lock.id != v.id)
        return fmt::format("{}: the rbtree root in map `{}` may only be used while holding the bpf_spin_lock of the same map value; call bpf_spin_lock first",
                           at, info_.maps[v.target].name);
      return "";
    }
    case ArgKind::rb_node_owned:
    case ArgKind::rb_node_ref: {
      if (!root) return "";  // argument 1 reports it
      const bool owned = a.kind == ArgKind::rb_node_owned;
      const s32 want = local_struct(root->node_type);
      if (!is_local(v) || v.target != want)
        return fmt::format("{} must be a node of {} (what the root contains), but R{} is {}", at,
                           struct_label(root->node_type), r, describe(v));
      if (!v.num.is_const() || v.num.value() != root->node_off)
        return fmt::format("{} must point to the bpf_rb_node of {} (offset {}), but R{} is {}", at,
                           struct_label(root->node_type), root->node_off, r, describe(v));
      if (owned && (!v.ref || !st.has_ref(v.ref)))
        return fmt::format("{} must be an owning reference (from bpf_obj_new or bpf_rbtree_remove), but R{} is a node already in an rbtree",
                           at, r);
      if (!owned && v.ref)
        return fmt::format("{} must be a node of the tree (from bpf_rbtree_first), but R{} is an owning reference, in no tree",
                           at, r);
      return "";
    }
    case ArgKind::kptr_slot:
      if (!kptr_at(v))
        return fmt::format("{} must point to a __kptr field of a map value, but R{} is {}", at, r, describe(v));
      (void)p;
      return "";
    default: break;
  }
  return "";
}

std::string Transformer::local_call(State& st, const Prototype& p, u32 pc, const std::string& name,
                                    std::vector<std::pair<State, u32>>& forks, Value& r0) {
  auto owning = [&](s32 st_index, s64 off, bool maybe_null) {
    Value v = Value::pointer(Kind::object, st_index, off);
    v.maybe_null = maybe_null;
    if (maybe_null) v.id = fresh_id();
    v.ref = fresh_id();
    st.refs.push_back(RefEntry{v.ref, pc, false});
    return v;
  };
  switch (p.special) {
    case Special::obj_new:
      r0 = owning(local_struct(static_cast<u32>(st.reg(1).num.value())), 0, true);
      return "";
    case Special::kptr_xchg: {
      const bpf::KptrField* k = kptr_at(st.reg(1));
      const Value& in = st.reg(2);
      if (is_local(in) && info_.structs[in.target].btf_id != k->type)
        return fmt::format("{} argument 2 (R2) is {}, but the __kptr field holds {}", name, describe(in), struct_label(k->type));
      if (in.ref) disown(st, in.ref, false);
      r0 = owning(local_struct(k->type), 0, true);
      return "";
    }
    case Special::rbtree_add: {
      const bpf::GraphRoot* root = root_at(st.reg(1));
      const Value node = st.reg(2);
      const Value less = st.reg(3);
      // The tree owns the node now; the program keeps a non-owning pointer.
      disown(st, node.ref, true);
      // `less(a, b)` runs with the lock held, on two nodes of the tree.
      State cb = st;
      Frame f;
      Value n = Value::pointer(Kind::object, local_struct(root->node_type), root->node_off);
      f.regs[1] = n;
      f.regs[2] = n;
      f.regs[10] = Value::pointer(Kind::stack, static_cast<s32>(st.frames.size()));
      f.subprog = static_cast<u32>(less.target);
      f.is_callback = true;
      f.less_callback = true;
      f.callback_refs = static_cast<u32>(st.refs.size());
      for (int r = 0; r <= 5; ++r) cb.reg(r) = Value::uninit();
      cb.frames.push_back(std::move(f));
      forks.emplace_back(std::move(cb), static_cast<u32>(less.target));
      r0 = Value::scalar(Scalar::srange(-22, 0));
      return "";
    }
    case Special::rbtree_first: {
      const bpf::GraphRoot* root = root_at(st.reg(1));
      r0 = Value::pointer(Kind::object, local_struct(root->node_type), root->node_off);
      r0.maybe_null = true;
      r0.id = fresh_id();
      return "";
    }
    case Special::rbtree_remove: {
      const bpf::GraphRoot* root = root_at(st.reg(1));
      r0 = owning(local_struct(root->node_type), root->node_off, true);
      return "";
    }
    default: break;
  }
  return "";
}

std::string Transformer::less_callback_exit(const State& st) const {
  const Value& r0 = st.reg(0);
  if (r0.kind != Kind::scalar) return fmt::format("the rbtree `less` callback must return a bool, but R0 is {}", describe(r0));
  if (st.refs.size() != st.top().callback_refs)
    return fmt::format("reference acquired at instruction {} is not released before the `less` callback returns",
                       st.refs.back().insn);
  return "";
}

}  // namespace ups::verifier
