// Checks of calls against their prototypes and of the value a callback
// returns: the assertions a call or an exit must satisfy, with the message
// a policy author sees when one does not hold.
#include <fmt/format.h>

#include "verifier/transformer.h"

namespace ups::verifier {
namespace {

constexpr u64 kMaxMemArg = 1 << 29;

const char* arg_expectation(ArgKind k) {
  switch (k) {
    case ArgKind::scalar: return "a number";
    case ArgKind::any: return "a value";
    case ArgKind::map_ptr: return "a map";
    case ArgKind::map_key: return "a pointer to a map key";
    case ArgKind::map_value: return "a pointer to a map value";
    case ArgKind::map_value_out: return "a pointer to writable memory for a map value";
    case ArgKind::mem: return "a pointer to readable memory";
    case ArgKind::mem_uninit: return "a pointer to writable memory";
    case ArgKind::mem_size:
    case ArgKind::mem_size_or_zero: return "a bounded size";
    case ArgKind::struct_ptr: return "a typed pointer";
    case ArgKind::callback: return "a function address";
    case ArgKind::timer: return "a pointer to a bpf_timer in a map value";
    case ArgKind::spin_lock: return "a pointer to a bpf_spin_lock in a map value";
    case ArgKind::ref: return "an acquired reference";
    case ArgKind::iter: return "a pointer to an iterator on the stack";
    case ArgKind::none: break;
  }
  return "nothing";
}

}  // namespace

Transformer::MapRefs Transformer::call_maps(const State& st, const Prototype& p) const {
  MapRefs m;
  for (int i = 0; i < 5; ++i)
    if (p.args[i].kind == ArgKind::map_ptr && st.reg(i + 1).kind == Kind::map_ptr) m.map = st.reg(i + 1).target;
  return m;
}

std::string Transformer::check_call_args(const State& st, const Prototype& p, const std::string& name) const {
  const MapRefs maps = call_maps(st, p);
  for (int i = 0; i < 5; ++i) {
    const ArgSpec& a = p.args[i];
    if (a.kind == ArgKind::none) break;
    const int r = i + 1;
    const Value& v = st.reg(r);
    auto wrong = [&](std::string extra = {}) {
      std::string want = arg_expectation(a.kind);
      if (a.kind == ArgKind::struct_ptr && a.struct_index >= 0 && static_cast<size_t>(a.struct_index) < info_.structs.size())
        want = "a pointer to struct " + info_.structs[a.struct_index].name;
      return fmt::format("{} argument {} (R{}) must be {}, but R{} is {}{}", name, r, r, want, r, describe(v), extra);
    };
    if (v.kind == Kind::uninit)
      return v.ref ? fmt::format("{} argument {}: {}", name, r, uninit_text(r, v))
                   : fmt::format("{} argument {} (R{}) is not initialised", name, r, r);
    const bool is_null_const = v.kind == Kind::scalar && v.num.is_const() && v.num.value() == 0;
    if (a.nullable && is_null_const) continue;
    if (v.is_pointer() && v.maybe_null && !a.nullable)
      return fmt::format("{} argument {}: R{} may be NULL ({}); check it against NULL first", name, r, r, describe(v));
    switch (a.kind) {
      case ArgKind::none: break;
      case ArgKind::scalar:
        if (v.kind != Kind::scalar) return wrong(" (passing a pointer as a number would leak it)");
        break;
      case ArgKind::any: break;
      case ArgKind::map_ptr:
        if (v.kind != Kind::map_ptr) return wrong();
        if (p.map_types && !(p.map_types & (u64{1} << static_cast<u32>(info_.maps[v.target].type))))
          return fmt::format("{} argument {} (R{}): {} cannot be used with map `{}`, a {} map", name, r, r, name,
                             info_.maps[v.target].name, bpf::map_type_name(info_.maps[v.target].type));
        break;
      case ArgKind::map_key:
      case ArgKind::map_value:
      case ArgKind::map_value_out: {
        if (v.kind != Kind::stack && v.kind != Kind::map_value && v.kind != Kind::map_key) return wrong();
        if (maps.map < 0) return fmt::format("{}: no map argument precedes argument {}", name, r);
        const auto& m = info_.maps[maps.map];
        const u32 size = a.kind == ArgKind::map_key ? m.key_size : m.value_size;
        const bool write = a.kind == ArgKind::map_value_out;
        if (auto e = check_region(st, r, v, 0, size, write); !e.empty()) return fmt::format("{} argument {}: {}", name, r, e);
        if (v.kind == Kind::stack) {
          auto e = write ? check_stack_writable(st, v, v.num.smin, v.num.smax, size)
                         : check_stack_readable(st, v, v.num.smin, v.num.smax, size, false);
          if (!e.empty()) return fmt::format("{} argument {}: {}", name, r, e);
        }
        break;
      }
      case ArgKind::mem:
      case ArgKind::mem_uninit: {
        if (v.kind != Kind::stack && v.kind != Kind::map_value && v.kind != Kind::map_key) return wrong();
        if (a.size == 0 && i + 1 >= 5) return fmt::format("{}: memory argument {} has no size argument", name, r);
        const Value sz = a.size ? Value::scalar(Scalar::constant(a.size)) : st.reg(r + 1);
        if (sz.kind != Kind::scalar)
          return fmt::format("{} argument {} (R{}) must be the size of argument {}, but R{} is {}", name, r + 1, r + 1, r, r + 1, describe(sz));
        if (sz.num.umax > kMaxMemArg)
          return fmt::format("{} argument {} (R{}) is the size of argument {} and must be bounded, but it is {}", name, r + 1, r + 1, r, sz.num.to_string());
        if (a.size == 0 && p.args[i + 1].kind == ArgKind::mem_size && sz.num.umin == 0)
          return fmt::format("{} argument {} (R{}) is the size of argument {} and may be 0 ({})", name, r + 1, r + 1, r, sz.num.to_string());
        if (sz.num.umax == 0) break;
        const bool write = a.kind == ArgKind::mem_uninit;
        if (auto e = check_region(st, r, v, 0, static_cast<u32>(sz.num.umax), write); !e.empty())
          return fmt::format("{} argument {}: {}", name, r, e);
        if (write && v.kind == Kind::stack)
          if (auto e = check_stack_writable(st, v, v.num.smin, v.num.smax, static_cast<u32>(sz.num.umax)); !e.empty())
            return fmt::format("{} argument {}: {}", name, r, e);
        if (!write && v.kind == Kind::stack)
          if (auto e = check_stack_readable(st, v, v.num.smin, v.num.smax, static_cast<u32>(sz.num.umax), false); !e.empty())
            return fmt::format("{} argument {}: {}", name, r, e);
        break;
      }
      case ArgKind::mem_size:
      case ArgKind::mem_size_or_zero: break;  // checked with its memory argument
      case ArgKind::struct_ptr:
        if (v.kind != Kind::object || (a.struct_index >= 0 && v.target != a.struct_index)) return wrong();
        if (!v.num.is_const() || v.num.value() != 0)
          return fmt::format("{} argument {} (R{}) must point to the start of the struct, but it is {}", name, r, r, describe(v));
        break;
      case ArgKind::callback:
        if (v.kind != Kind::func) return wrong();
        break;
      case ArgKind::timer:
      case ArgKind::spin_lock: {
        if (v.kind != Kind::map_value) return wrong();
        const auto& m = info_.maps[v.target];
        s32 want = a.kind == ArgKind::timer ? m.timer_off : m.spin_lock_off;
        if (want < 0) return fmt::format("{} argument {}: map `{}` has no {} in its value", name, r, m.name,
                                         a.kind == ArgKind::timer ? "bpf_timer" : "bpf_spin_lock");
        if (!v.num.is_const() || static_cast<s64>(v.num.value()) != want)
          return fmt::format("{} argument {} (R{}) must point to the {} at offset {} of the map value, but it is {}", name, r, r,
                             a.kind == ArgKind::timer ? "bpf_timer" : "bpf_spin_lock", want, describe(v));
        break;
      }
      case ArgKind::ref:
        if (!v.is_pointer()) return wrong();
        break;
      case ArgKind::iter:
        if (auto e = check_iter_arg(st, r, a, p.special, name); !e.empty()) return e;
        break;
    }
    if (a.release) {
      if (!v.ref || !st.has_ref(v.ref))
        return fmt::format("{} argument {} (R{}) must be a reference acquired earlier, but it is {}", name, r, r, describe(v));
      if (!v.num.is_const() || v.num.value() != 0)
        return fmt::format("{} argument {} (R{}) must be the acquired pointer itself, not an offset into it", name, r, r);
    }
  }
  // bpf_timer_init(timer, map, ...): the map is the timer's own.
  s32 timer_map = -1;
  for (int i = 0; i < 5; ++i)
    if (p.args[i].kind == ArgKind::timer) timer_map = st.reg(i + 1).target;
  if (timer_map >= 0 && maps.map >= 0 && maps.map != timer_map)
    return fmt::format("{}: the timer is in a value of map `{}`, but the map argument is `{}`", name,
                       info_.maps[timer_map].name, info_.maps[maps.map].name);
  return "";
}

std::string Transformer::check_return(const Value& r0) const {
  const auto& want = info_.ctx.ret;
  if (!want) return "";  // void: the caller never sees R0
  if (r0.is_pointer())
    return fmt::format("R0 is {}: returning a pointer would leak it", describe(r0));
  if (r0.kind == Kind::uninit)
    return fmt::format("R0 is not set before exit; {} must return a value in [{}, {}]", info_.ctx.callback, want->first, want->second);
  // A callback's int return is checked as the int its low half is, or as
  // the full 64-bit value when the range needs it.
  const Scalar& n = r0.num;
  s64 lo = n.smin, hi = n.smax;
  const bool is32 = want->first >= INT32_MIN && want->second <= INT32_MAX;
  if (is32 && !(lo >= INT32_MIN && hi <= INT32_MAX)) {
    lo = n.s32min;
    hi = n.s32max;
  }
  if (lo < want->first || hi > want->second) {
    std::string have = lo == hi ? fmt::format("{}", lo) : fmt::format("a value in [{}, {}]", lo, hi);
    return fmt::format("{} must return a value in [{}, {}], but R0 may be {}", info_.ctx.callback, want->first, want->second, have);
  }
  return "";
}

}  // namespace ups::verifier
