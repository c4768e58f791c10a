// Abstract semantics of ALU operations, jumps, lddw, calls and exits.
// Memory instructions are in memory.cpp, call argument checks in checker.cpp.
#include "verifier/transformer.h"

#include <algorithm>

#include <fmt/format.h>

#include "verifier/domain/scalar_ops.h"

namespace ups::verifier {
namespace op = bpf::op;
namespace {


StepOut fail(std::string msg) {
  StepOut o;
  o.flow = StepOut::Flow::error;
  o.error = std::move(msg);
  return o;
}
StepOut go(u32 pc) {
  StepOut o;
  o.pc = pc;
  return o;
}

std::string uninit_msg(int r, const Value& v) { return uninit_text(r, v); }

const char* alu_name(u8 o) {
  switch (o) {
    case op::ADD: return "addition";
    case op::SUB: return "subtraction";
    case op::MUL: return "multiplication";
    case op::DIV: return "division";
    case op::MOD: return "modulo";
    case op::OR: return "bitwise or";
    case op::AND: return "bitwise and";
    case op::XOR: return "xor";
    case op::LSH: return "left shift";
    case op::RSH: return "right shift";
    case op::ARSH: return "arithmetic shift";
    case op::NEG: return "negation";
    case op::END: return "byte swap";
  }
  return "this operation";
}

// Every register and spilled slot in every frame.
template <class F>
void for_each_value(State& st, F&& f) {
  for (auto& fr : st.frames) {
    for (auto& r : fr.regs) f(r);
    for (auto& s : fr.slots)
      if (s.has_spill()) f(s.spill);
  }
}

}  // namespace

Transformer::Transformer(const ProgramInfo& info, const ApiSet& api, const Cfg& cfg, size_t object_maps)
    : info_(info), api_(api), cfg_(cfg), object_maps_(object_maps), inner_of_(info.maps.size(), -1) {
  // verify() appends the inner map of each map of maps, in order.
  size_t next = object_maps;
  for (size_t i = 0; i < object_maps && next < info.maps.size(); ++i)
    if (info.maps[i].inner) inner_of_[i] = static_cast<s32>(next++);
}

s32 Transformer::inner_map(s32 map) const {
  return map >= 0 && static_cast<size_t>(map) < inner_of_.size() ? inner_of_[map] : -1;
}

const ApiSet& Transformer::api_for(const State& st) const {
  return st.timer_callback && api_.timer_api() ? *api_.timer_api() : api_;
}

const Prototype* Transformer::prototype(const State& st, const Call& c) const {
  const ApiSet& api = api_for(st);
  if (c.to == Call::To::helper) return api.helper(static_cast<u32>(c.id));
  if (c.to == Call::To::kfunc) return api.kfunc(static_cast<u32>(c.id));
  return nullptr;
}

State Transformer::initial_state() {
  State st;
  Frame f;
  f.subprog = info_.entry;
  f.regs[1] = Value::pointer(Kind::ctx, 0);
  f.regs[10] = Value::pointer(Kind::stack, 0);
  st.frames.push_back(std::move(f));
  return st;
}

void Transformer::mark_null(State& st, u32 id, bool is_null) {
  u32 ref = 0;
  for_each_value(st, [&](Value& v) {
    if (v.id != id || !v.is_pointer()) return;
    if (is_null) {
      ref = v.ref ? v.ref : ref;
      v = Value::scalar(Scalar::constant(0));
    } else {
      v.maybe_null = false;
    }
  });
  // A NULL result holds no reference: nothing to release on that path.
  if (is_null && ref) {
    std::erase_if(st.refs, [&](const RefEntry& e) { return e.id == ref; });
  }
}

void Transformer::release_ref(State& st, u32 ref) {
  std::erase_if(st.refs, [&](const RefEntry& e) { return e.id == ref; });
  for_each_value(st, [&](Value& v) {
    if (v.ref == ref && v.kind != Kind::uninit) {
      v = Value::uninit();
      v.ref = ref;  // remembered for the message on a later use
    }
  });
}

void Transformer::disown(State& st, u32 ref, bool keep) {
  std::erase_if(st.refs, [&](const RefEntry& e) { return e.id == ref; });
  for_each_value(st, [&](Value& v) {
    if (v.ref != ref || v.kind == Kind::uninit) return;
    if (keep) {
      v.ref = 0;
    } else {
      v = Value::uninit();
      v.ref = ref;
    }
  });
}

void Transformer::drop_non_owning(State& st, u32 pc) {
  for_each_value(st, [&](Value& v) {
    if (!is_local(v) || v.ref) return;
    v = Value::uninit();
    v.target = static_cast<s32>(pc);  // remembered for the message on a later use
  });
}

namespace {

// Scalars copied by `rX = rY` share an id, so a branch on one narrows all.
void propagate_scalar(State& st, const Value& v) {
  if (v.id == 0 || v.kind != Kind::scalar) return;
  for_each_value(st, [&](Value& x) {
    if (x.kind == Kind::scalar && x.id == v.id) x.num = v.num;
  });
}

}  // namespace

struct StepVisitor {
  Transformer& t;
  State& st;
  u32 pc;

  std::string read(const Operand& o, Value& out) {
    if (!o.is_reg) {
      out = Value::scalar(Scalar::constant(static_cast<u64>(static_cast<s64>(o.imm))));
      return "";
    }
    out = st.reg(o.reg);
    if (out.kind == Kind::uninit) return uninit_msg(o.reg, out);
    return "";
  }

  StepOut operator()(const Alu& a) {
    Value src;
    if (a.op != op::NEG && a.op != op::END) {
      if (auto e = read(a.src, src); !e.empty()) return fail(e);
    } else {
      src = Value::scalar(Scalar::constant(static_cast<u64>(a.src.imm)));
    }
    Value& dst = st.reg(a.dst);
    if (a.op == op::MOV && a.off == 1 && a.is64 && a.src.is_reg) return addr_space_cast(a, src, dst);
    if (a.op == op::MOV) {
      if (src.is_pointer()) {
        if (!a.is64 || a.off) return fail(fmt::format("R{} is {}: a 32-bit or sign-extending move would truncate the pointer", a.src.reg, t.describe(src)));
        dst = src;
        return go(pc + 1);
      }
      if (a.is64 && a.off == 0 && a.src.is_reg) {
        // Copies share an id so that later range checks narrow both.
        Value& s = st.reg(a.src.reg);
        if (s.id == 0) s.id = t.fresh_id();
        dst = s;
        return go(pc + 1);
      }
      dst = Value::scalar(alu_abstract(op::MOV, a.is64, Scalar::top(), src.num, a.off));
      return go(pc + 1);
    }
    if (dst.kind == Kind::uninit) return fail(uninit_msg(a.dst, dst));
    if (dst.is_pointer() || src.is_pointer()) return pointer_alu(a, dst, src);
    // Any arithmetic on an arena pointer gives an arena pointer (Linux:
    // "any arithmetic operations are allowed on arena pointers").
    const bool arena = dst.arena || src.arena;
    dst = Value::scalar(alu_abstract(a.op, a.is64, dst.num, src.num, a.off, a.to_be));
    dst.arena = arena;
    return go(pc + 1);
  }

  // addr_space_cast: to the kernel's view (imm 1) gives an arena pointer;
  // to the user's (imm 1 << 16) a number. The source is a number or an
  // arena pointer: a host pointer turned into an arena one would be an
  // address the program could read off.
  StepOut addr_space_cast(const Alu& a, const Value& src, Value& dst) {
    if (!t.has_arena())
      return fail("addr_space_cast can only be used in a program that has an arena (a BPF_MAP_TYPE_ARENA map)");
    if (src.is_pointer() && !t.info_.allow_ptr_leaks)
      return fail(fmt::format("R{} is {}: addr_space_cast of a pointer that is not into the arena would leak it",
                              a.src.reg, t.describe(src)));
    dst = a.src.imm == 1 ? Value::arena_ptr() : Value::scalar();
    return go(pc + 1);
  }

  StepOut pointer_alu(const Alu& a, Value& dst, const Value& src) {
    const Value& ptr = dst.is_pointer() ? dst : src;
    int preg = dst.is_pointer() ? a.dst : a.src.reg;
    if (!a.is64) return fail(fmt::format("R{} is {}: 32-bit {} on a pointer is not allowed", preg, t.describe(ptr), alu_name(a.op)));
    if (dst.is_pointer() && src.is_pointer()) {
      if (a.op == op::SUB && !dst.maybe_null && !src.maybe_null && dst.kind != Kind::map_ptr &&
          dst.kind != Kind::func && src.kind != Kind::map_ptr && src.kind != Kind::func) {
        // Within one object the difference of the offsets is the difference
        // of the addresses; between two objects (two elements of one map,
        // two frames) it is a number about the host's memory layout.
        if (t.same_object(dst, src)) {
          dst = Value::scalar(alu_abstract(op::SUB, true, dst.num, src.num, 0));
          return go(pc + 1);
        }
        if (t.info_.allow_ptr_leaks) {
          dst = Value::scalar();
          return go(pc + 1);
        }
      }
      return fail(fmt::format("{} of two pointers (R{} is {}, R{} is {}) is not allowed{}", alu_name(a.op), a.dst,
                              t.describe(dst), a.src.reg, t.describe(src),
                              a.op == op::SUB ? " unless both point into one object (one stack frame, or global data)" : ""));
    }
    bool ptr_is_dst = dst.is_pointer();
    if (!(a.op == op::ADD || (a.op == op::SUB && ptr_is_dst)))
      return fail(fmt::format("R{} is {}: {} on a pointer is not allowed (only adding or subtracting a number)",
                              preg, t.describe(ptr), alu_name(a.op)));
    if (ptr.maybe_null)
      return fail(fmt::format("R{} may be NULL ({}); check it against NULL before pointer arithmetic", preg, t.describe(ptr)));
    if (ptr.kind == Kind::map_ptr || ptr.kind == Kind::func)
      return fail(fmt::format("R{} is {}: pointer arithmetic on it is not allowed", preg, t.describe(ptr)));
    const Value& num = ptr_is_dst ? src : dst;
    // container_of on an owning object reference keeps the reference: a
    // release needs its start again (checked there).
    if (ptr.ref && !(t.is_local(ptr) && num.num.is_const()))
      return fail(fmt::format("R{} is {}: arithmetic on an acquired reference is not allowed", preg, t.describe(ptr)));
    Value r = ptr;
    r.num = alu_abstract(a.op, true, ptr.num, num.num, 0);
    r.id = 0;
    if (r.num.smin < -kMaxPtrOff || r.num.smax > kMaxPtrOff)
      return fail(fmt::format("R{} is {}: adding {} may move it out of any object (offset range [{}, {}]); bound the number first",
                              preg, t.describe(ptr), num.num.to_string(), r.num.smin, r.num.smax));
    dst = r;
    return go(pc + 1);
  }

  StepOut operator()(const Jump& j) {
    if (j.op == op::JA) return go(j.target);
    if (j.op == op::JCOND) {
      // may_goto: falls through while the frame's budget lasts, jumps once
      // it is spent; the analyzer treats it as a loop head that bounds its
      // loop (Analyzer::prune), as Linux does.
      StepOut o = go(pc + 1);
      o.forks.emplace_back(st, j.target);
      ++st.may_goto_depth;
      return o;
    }
    Value a = st.reg(j.dst);
    if (a.kind == Kind::uninit) return fail(uninit_msg(j.dst, a));
    Value b;
    if (auto e = read(j.src, b); !e.empty()) return fail(e);
    State taken = st;
    bool can_take = true, can_fall = true;
    if (a.kind == Kind::scalar && b.kind == Kind::scalar) {
      Value ta = a, tb = b, fa = a, fb = b;
      can_take = refine_cond(j.op, j.is32, true, ta.num, tb.num);
      can_fall = refine_cond(j.op, j.is32, false, fa.num, fb.num);
      auto apply = [&](State& s, const Value& va, const Value& vb) {
        s.reg(j.dst) = va;
        propagate_scalar(s, va);
        if (j.src.is_reg) {
          s.reg(j.src.reg) = vb;
          propagate_scalar(s, vb);
        }
      };
      if (can_take) apply(taken, ta, tb);
      if (can_fall) apply(st, fa, fb);
    } else {
      // A pointer compared with NULL, with another pointer, or (when the
      // loader may see pointer values) with a number.
      const bool a_ptr = a.is_pointer();
      const Value& p = a_ptr ? a : b;
      const Value& other = a_ptr ? b : a;
      const bool eq_op = j.op == op::JEQ || j.op == op::JNE;
      const bool vs_null = !j.is32 && eq_op && other.kind == Kind::scalar && other.num.is_const() && other.num.value() == 0;
      const bool both = a.is_pointer() && b.is_pointer();
      // Equality of two pointers says whether they are one; an order only
      // within one object says nothing about addresses.
      const bool harmless = vs_null || (!j.is32 && both && (eq_op || t.same_object(a, b)));
      if (!harmless && !t.info_.allow_ptr_leaks) {
        const int preg = a_ptr ? j.dst : j.src.reg;
        if (both)
          return fail(fmt::format("R{} is {} and R{} is {}: ordering pointers to different objects would reveal their addresses; only == and != are allowed",
                                  j.dst, t.describe(a), j.src.reg, t.describe(b)));
        return fail(fmt::format("R{} is {}: a {}comparison of a pointer with a number would reveal its address; only `== 0` and `!= 0` (NULL checks) are allowed",
                                preg, t.describe(p), j.is32 ? "32-bit " : ""));
      }
      if (vs_null) {
        bool eq = j.op == op::JEQ;
        if (p.maybe_null) {
          t.mark_null(taken, p.id, eq);
          t.mark_null(st, p.id, !eq);
        } else if (p.kind != Kind::scalar) {
          // A valid pointer is never NULL.
          (eq ? can_take : can_fall) = false;
        }
      }
    }
    if (!can_take && !can_fall) {
      // Both refinements empty: this state is unreachable.
      StepOut o;
      o.flow = StepOut::Flow::exit;
      return o;
    }
    if (!can_take) return go(pc + 1);
    if (!can_fall) {
      st = std::move(taken);
      return go(j.target);
    }
    StepOut o = go(pc + 1);
    o.forks.emplace_back(std::move(taken), j.target);
    return o;
  }

  StepOut operator()(const LoadImm64& l) {
    Value v;
    switch (l.what) {
      case LoadImm64::What::number: v = Value::scalar(Scalar::constant(l.value)); break;
      case LoadImm64::What::map:
      case LoadImm64::What::map_value: {
        if (l.index >= t.object_maps_)
          return fail(fmt::format("reference to map {} but the program has {} maps", l.index, t.object_maps_));
        if (l.what == LoadImm64::What::map) {
          v = Value::pointer(Kind::map_ptr, static_cast<s32>(l.index));
        } else {
          const auto& m = t.info_.maps[l.index];
          if (l.value >= m.value_size)
            return fail(fmt::format("offset {} is outside the {} bytes of `{}`", l.value, m.value_size, m.name));
          v = Value::pointer(Kind::map_value, static_cast<s32>(l.index), static_cast<s64>(l.value));
        }
        break;
      }
      case LoadImm64::What::func: v = Value::pointer(Kind::func, static_cast<s32>(l.index)); break;
    }
    st.reg(l.dst) = v;
    return go(pc + 2);
  }

  StepOut operator()(const Mem& m) {
    std::string e = m.is_load ? t.load(st, m, pc) : t.store(st, m, pc);
    if (!e.empty()) return fail(e);
    return go(pc + 1);
  }
  StepOut operator()(const Atomic& a) {
    if (auto e = t.atomic(st, a); !e.empty()) return fail(e);
    return go(pc + 1);
  }
  StepOut operator()(const Call& c) { return t.call(st, c, pc); }
  StepOut operator()(const Exit&) { return t.exit(st, pc); }
};

StepOut Transformer::step(State& st, u32 pc) {
  StepVisitor v{*this, st, pc};
  return std::visit(v, *cfg_.insns[pc]);
}

std::string Transformer::call_name(const Call& c) const {
  if (c.to == Call::To::local) return fmt::format("the function at instruction {}", c.target);
  if (c.to == Call::To::kfunc) {
    if (const Prototype* p = api_.kfunc(static_cast<u32>(c.id)); p && !p->name.empty()) return p->name;
    if (c.id >= 0 && static_cast<size_t>(c.id) < info_.kfunc_names.size()) return info_.kfunc_names[c.id];
    return fmt::format("kfunc #{}", c.id);
  }
  if (const Prototype* p = api_.helper(static_cast<u32>(c.id)); p && !p->name.empty()) return p->name;
  return fmt::format("helper #{}", c.id);
}

StepOut Transformer::call(State& st, const Call& c, u32 pc) {
  const std::string name = call_name(c);
  // A bpf-to-bpf call while holding the spin lock is allowed for static
  // functions (Linux 6.9+; each is checked under the lock as it is called,
  // its calls included); a global function is refused there.
  if (st.lock.held && c.to == Call::To::local &&
      std::find(info_.global_subprogs.begin(), info_.global_subprogs.end(), c.target) != info_.global_subprogs.end())
    return fail(fmt::format("calling the global function at instruction {} while holding the spin lock taken at "
                            "instruction {}; only static functions may be called there",
                            c.target, st.lock.insn));
  if (c.to == Call::To::local) {
    if (st.frames.size() >= static_cast<size_t>(bpf::kMaxCallDepth))
      return fail(fmt::format("call depth exceeds {} frames", bpf::kMaxCallDepth));
    for (const auto& f : st.frames)
      if (f.subprog == c.target) return fail(fmt::format("recursive call to {}", name));
    Frame f;
    for (int r = 1; r <= 5; ++r) f.regs[r] = st.reg(r);
    f.regs[10] = Value::pointer(Kind::stack, static_cast<s32>(st.frames.size()));
    f.return_to = pc + 1;
    f.subprog = c.target;
    st.frames.push_back(std::move(f));
    return go(c.target);
  }
  const ApiSet& api = api_for(st);
  const Prototype* p = prototype(st, c);
  const std::string where = st.timer_callback ? "a timer callback" : info_.ctx.callback;
  if (!p) {
    std::string why = c.to == Call::To::helper ? api.helper_denied(static_cast<u32>(c.id)) : api.kfunc_denied(static_cast<u32>(c.id));
    if (why.empty()) why = fmt::format("{} is not available to {}", name, where);
    return fail(why);
  }
  // (A second bpf_res_spin_lock gets its own message below: Linux allows it.)
  const bool lock_call = p->special == Special::res_spin_lock || p->special == Special::spin_unlock ||
                         p->special == Special::res_spin_unlock;
  if (st.lock.held && !lock_call && !is_graph_call(p->special) && !p->spinlock_safe)
    return fail(fmt::format("calling {} while holding the spin lock taken at instruction {}; release it first", name, st.lock.insn));
  if (p->sleepable && st.rcu_depth)
    return fail(fmt::format("{} may sleep, inside the RCU read section opened at instruction {}; call it after "
                            "bpf_rcu_read_unlock", name, st.rcu_insn));
  if (p->sleepable && (!info_.ctx.sleepable || st.timer_callback))
    return fail(fmt::format("{} may sleep, and {} is not a sleepable callback", name, where));
  if (auto e = check_call_args(st, *p, name); !e.empty()) return fail(e);

  // Effects on arguments.
  const MapRefs maps = call_maps(st, *p);
  for (int i = 0; i < 5; ++i) {
    const ArgSpec& a = p->args[i];
    const Value v = st.reg(i + 1);
    // The call may write every byte its size allows: up to the largest size
    // at the offset the pointer may have.
    if (v.kind == Kind::stack && (a.kind == ArgKind::mem_uninit || a.kind == ArgKind::map_value_out)) {
      u64 lo_size = 0, hi_size = 0;
      if (a.kind == ArgKind::map_value_out) {
        if (maps.map >= 0) lo_size = hi_size = info_.maps[maps.map].value_size;
      } else if (a.size) {
        lo_size = hi_size = a.size;
      } else if (i + 1 < 5) {
        lo_size = st.reg(i + 2).num.umin;
        hi_size = st.reg(i + 2).num.umax;
      }
      if (hi_size > 0) write_stack(st, v, v.num.smin, v.num.smax, lo_size, hi_size);
    }
    if (a.release && v.ref) release_ref(st, v.ref);
  }
  // The iterator argument of an iterator kfunc, if any.
  Value iter_ptr;
  s32 iter_type = -1;
  for (int i = 0; i < 5; ++i)
    if (p->args[i].kind == ArgKind::iter) {
      iter_ptr = st.reg(i + 1);
      iter_type = p->args[i].struct_index;
      break;
    }
  std::vector<std::pair<State, u32>> forks, timer_roots;
  bool yields_null_only = false;  // _next on a drained iterator
  Value local_r0;
  switch (p->special) {
    case Special::none: break;
    case Special::obj_new:
    case Special::rbtree_add:
    case Special::rbtree_first:
    case Special::rbtree_remove:
    case Special::kptr_xchg:
      if (auto e = local_call(st, *p, pc, name, forks, local_r0); !e.empty()) return fail(e);
      break;
    case Special::iter_new: iter_create(st, iter_ptr, iter_type, pc); break;
    case Special::iter_destroy: iter_destroy(st, iter_ptr); break;
    case Special::iter_next: {
      const IterSlot* it = iter_at(st, iter_ptr);
      if (it && it->drained) {
        yields_null_only = true;
        break;
      }
      // Drained: NULL from now on.
      State drained = st;
      iter_drain(drained, iter_ptr);
      for (int r = 1; r <= 5; ++r) drained.reg(r) = Value::uninit();
      drained.reg(0) = Value::scalar(Scalar::constant(0));
      forks.emplace_back(std::move(drained), pc + 1);
      iter_advance(st, iter_ptr);
      break;
    }
    case Special::timer_set_callback: {
      State cb;
      if (auto e = timer_callback_state(st, cb); !e.empty()) return fail(e);
      const u32 entry = cb.top().subprog;
      timer_roots.emplace_back(std::move(cb), entry);
      break;
    }
    // bpf_res_spin_lock: bpf_spin_lock's rules (one lock held, no calls
    // but the unlock). Linux's can fail (deadlock, timeout) and the
    // program must test its result; in upsched it cannot: only one lock
    // is ever held (refused above) and policies run under the core's
    // lock, so nothing else holds it. Its row returns 0 only, and the
    // failure branch is never taken.
    case Special::res_spin_lock:
    case Special::spin_lock: {
      const Value& v = st.reg(1);
      if (st.lock.held)
        return fail(fmt::format("the spin lock is already held (taken at instruction {}); upsched holds one lock "
                                "at a time, where Linux allows several resilient locks", st.lock.insn));
      st.lock = LockState{true, v.target, v.id, pc};
      break;
    }
    case Special::res_spin_unlock:
    case Special::spin_unlock: {
      const Value& v = st.reg(1);
      if (!st.lock.held) return fail("bpf_spin_unlock without a held spin lock");
      if (st.lock.map != v.target || st.lock.id != v.id)
        return fail(fmt::format("unlocks a different spin lock than the one taken at instruction {}", st.lock.insn));
      st.lock = LockState{};
      drop_non_owning(st, pc);
      break;
    }
    case Special::rcu_read_lock:
      if (st.rcu_depth == 0) st.rcu_insn = pc;
      ++st.rcu_depth;
      break;
    case Special::rcu_read_unlock:
      if (st.rcu_depth == 0) return fail("bpf_rcu_read_unlock without an open bpf_rcu_read_lock section");
      --st.rcu_depth;
      break;
    case Special::loop: {
      const Value& nr = st.reg(1);
      const Value& cb = st.reg(2);
      if (nr.num.umax > 0) {
        State in = st;
        Frame f;
        f.regs[1] = Value::scalar(Scalar::urange(0, std::min<u64>(nr.num.umax, 1u << 23) - 1));
        f.regs[2] = st.reg(3);
        f.regs[10] = Value::pointer(Kind::stack, static_cast<s32>(st.frames.size()));
        f.return_to = pc + 1;
        f.subprog = static_cast<u32>(cb.target);
        f.is_callback = true;
        f.callback_refs = static_cast<u32>(st.refs.size());
        f.cb_index = f.regs[1].num;
        f.cb_ctx = f.regs[2];
        for (int r = 1; r <= 5; ++r) in.reg(r) = Value::uninit();
        in.frames.push_back(std::move(f));
        forks.emplace_back(std::move(in), static_cast<u32>(cb.target));
      }
      break;
    }
  }
  (void)maps;
  for (int r = 1; r <= 5; ++r) st.reg(r) = Value::uninit();
  Value r0 = Value::scalar();
  switch (p->ret) {
    case RetKind::scalar:
      if (p->ret_range) r0.num = Scalar::srange(p->ret_range->first, p->ret_range->second);
      break;
    case RetKind::void_: break;
    case RetKind::map_value_or_null:
      // A map of maps holds maps: the lookup gives the inner one.
      r0 = inner_map(maps.map) >= 0 ? Value::pointer(Kind::map_ptr, inner_map(maps.map))
                                    : Value::pointer(Kind::map_value, maps.map);
      r0.maybe_null = true;
      r0.id = fresh_id();
      break;
    case RetKind::local_obj: r0 = local_r0; break;
    case RetKind::arena: r0 = Value::arena_ptr(); break;
    case RetKind::struct_ptr:
      r0 = Value::pointer(Kind::object, p->ret_struct);
      // _next yields an element here; the NULL of a drained iterator is
      // the fork above.
      r0.maybe_null = p->ret_null && p->special != Special::iter_next;
      if (r0.maybe_null) r0.id = fresh_id();
      break;
  }
  if (yields_null_only) r0 = Value::scalar(Scalar::constant(0));
  if (p->acquire && r0.is_pointer()) {
    r0.ref = fresh_id();
    st.refs.push_back(RefEntry{r0.ref, pc, false});
  }
  st.reg(0) = r0;
  if (p->ends_run) {
    // The run stops here (scx_bpf_error): what follows, a return value
    // meant for a scheduler that is going away, never runs on this path.
    StepOut o;
    o.flow = StepOut::Flow::exit;
    o.forks = std::move(forks);
    o.roots = std::move(timer_roots);
    return o;
  }
  StepOut o = go(pc + 1);
  o.forks = std::move(forks);
  o.roots = std::move(timer_roots);
  return o;
}

std::string Transformer::timer_callback_state(const State& st, State& out) const {
  // Arguments were checked: R1 is the bpf_timer in a value of its map, R2
  // the callback.
  const Value& timer = st.reg(1);
  const Value& fn = st.reg(2);
  if (!api_.timer_api())
    return "timer callbacks are not available here (the host gives them no API set)";
  // Linux calls it as callback(map, key, value), from a context of its own.
  Frame f;
  f.subprog = static_cast<u32>(fn.target);
  f.regs[1] = Value::pointer(Kind::map_ptr, timer.target);
  f.regs[2] = Value::pointer(Kind::map_key, timer.target);
  f.regs[3] = Value::pointer(Kind::map_value, timer.target);
  f.regs[10] = Value::pointer(Kind::stack, 0);
  out.frames.push_back(std::move(f));
  out.timer_callback = true;
  return "";
}

StepOut Transformer::exit(State& st, u32 pc) {
  Frame& top = st.top();
  const Value r0 = top.regs[0];
  if (st.frames.size() > 1) {
    const bool returns_void = !top.is_callback && !top.less_callback &&
                              std::find(info_.void_subprogs.begin(), info_.void_subprogs.end(), top.subprog) !=
                                  info_.void_subprogs.end();
    if (r0.kind == Kind::uninit && !returns_void) return fail("R0 is not set before returning from the function");
    if (top.less_callback) {
      // The caller went on from the bpf_rbtree_add call already.
      if (auto e = less_callback_exit(st); !e.empty()) return fail(e);
      StepOut o;
      o.flow = StepOut::Flow::exit;
      return o;
    }
    const s32 depth = static_cast<s32>(st.frames.size()) - 1;
    if (r0.kind == Kind::stack && r0.target == depth)
      return fail("returns a pointer to its own stack, which is gone after the return");
    if (top.is_callback) {
      if (r0.kind != Kind::scalar || r0.num.umax > 1)
        return fail(fmt::format("a bpf_loop callback must return 0 (continue) or 1 (stop), but R0 is {}", describe(r0)));
      if (st.refs.size() != top.callback_refs)
        return fail(fmt::format("reference acquired at instruction {} is not released before the callback returns", st.refs.back().insn));
      if (st.lock.held)
        return fail(fmt::format("the spin lock taken at instruction {} is still held when the callback returns", st.lock.insn));
    }
    for (size_t i = 0; i < top.slots.size(); ++i)
      if (top.slots[i].is_iter() && top.slots[i].iter.base)
        return fail(fmt::format("the iterator at fp-{} is not destroyed before the function returns", 8 * (i + 1)));
    Frame done = std::move(st.frames.back());
    st.frames.pop_back();
    // Pointers into the finished frame's stack die with it.
    for_each_value(st, [&](Value& v) {
      if (v.kind == Kind::stack && v.target == depth) v = Value::uninit();
    });
    for (int r = 1; r <= 5; ++r) st.reg(r) = Value::uninit();
    StepOut o = go(done.return_to);
    if (done.is_callback) {
      st.reg(0) = Value::scalar(Scalar::srange(-7, 1 << 23));
      // bpf_loop may call the callback again with whatever it left behind.
      State again = st;
      Frame f;
      f.regs[1] = Value::scalar(done.cb_index);
      f.regs[2] = done.cb_ctx;
      f.regs[10] = Value::pointer(Kind::stack, depth);
      f.return_to = done.return_to;
      f.subprog = done.subprog;
      f.is_callback = true;
      f.callback_refs = done.callback_refs;
      f.cb_index = done.cb_index;
      f.cb_ctx = done.cb_ctx;
      again.reg(0) = Value::uninit();
      if (done.cb_ctx.kind == Kind::stack && done.cb_ctx.target >= depth) f.regs[2] = Value::uninit();
      again.frames.push_back(std::move(f));
      o.forks.emplace_back(std::move(again), done.subprog);
    } else {
      st.reg(0) = r0;
    }
    return o;
  }
  if (st.lock.held)
    return fail(fmt::format("the spin lock taken at instruction {} is still held at exit", st.lock.insn));
  if (st.rcu_depth)
    return fail(fmt::format("the RCU read section opened at instruction {} is still open at exit; close it with "
                            "bpf_rcu_read_unlock", st.rcu_insn));
  if (!st.refs.empty()) {
    const RefEntry& r = st.refs.front();
    const Call* c = cfg_.insns[r.insn] ? std::get_if<Call>(&*cfg_.insns[r.insn]) : nullptr;
    if (r.iter)
      return fail(fmt::format("the iterator created by {} at instruction {} is not destroyed on this path",
                              c ? call_name(*c) : std::string("its _new kfunc"), r.insn));
    std::string what = c ? fmt::format("the reference from {}", call_name(*c)) : std::string("a reference");
    return fail(fmt::format("{} acquired at instruction {} is not released on this path", what, r.insn));
  }
  if (st.timer_callback) {
    if (r0.kind != Kind::scalar || !r0.num.is_const() || r0.num.value() != 0)
      return fail(fmt::format("a timer callback must return 0, but R0 is {}", describe(r0)));
  } else if (auto e = check_return(r0); !e.empty()) {
    return fail(e);
  }
  StepOut o;
  o.flow = StepOut::Flow::exit;
  return o;
}

}  // namespace ups::verifier
