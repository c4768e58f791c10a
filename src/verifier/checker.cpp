// Checks of calls against their prototypes and of the value a callback
// returns: the assertions a call or an exit must satisfy, with the message
// a policy author sees when one does not hold.
#include <cstring>

#include <fmt/format.h>

#include "bpf/helpers/bpf_printf.h"
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
    case ArgKind::const_str: return "a constant string in read-only data";
    case ArgKind::callback: return "a function address";
    case ArgKind::timer: return "a pointer to a bpf_timer in a map value";
    case ArgKind::spin_lock: return "a pointer to a bpf_spin_lock in a map value";
    case ArgKind::res_spin_lock: return "a pointer to a bpf_res_spin_lock in a map value";
    case ArgKind::ref: return "an acquired reference";
    case ArgKind::iter: return "a pointer to an iterator on the stack";
    case ArgKind::local_type: return "a constant type id";
    case ArgKind::local_ref: return "an object from bpf_obj_new";
    case ArgKind::rb_root: return "a pointer to a struct bpf_rb_root";
    case ArgKind::rb_node_owned:
    case ArgKind::rb_node_ref: return "a pointer to a struct bpf_rb_node";
    case ArgKind::kptr_slot: return "a pointer to a __kptr field";
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
      if (a.kind == ArgKind::struct_ptr && a.struct_alt >= 0 && static_cast<size_t>(a.struct_alt) < info_.structs.size())
        want += " or struct " + info_.structs[a.struct_alt].name;
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
        if (v.kind != Kind::scalar && !info_.allow_ptr_leaks)
          return wrong(" (passing a pointer as a number would leak it)");
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
                         : check_stack_readable(st, v, v.num.smin, v.num.smax, size, info_.allow_ptr_leaks, info_.allow_uninit_stack);
          if (!e.empty()) return fmt::format("{} argument {}: {}", name, r, e);
        }
        break;
      }
      case ArgKind::mem:
      case ArgKind::mem_uninit: {
        // A field of a typed struct (a task's comm) is readable memory too,
        // for an argument the callee only reads (Linux's PTR_TO_BTF_ID).
        const bool struct_read = v.kind == Kind::object && a.kind == ArgKind::mem && !a.writable;
        if (v.kind != Kind::stack && v.kind != Kind::map_value && v.kind != Kind::map_key && !struct_read) return wrong();
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
        if (a.writable && !write)
          if (auto e = check_region(st, r, v, 0, static_cast<u32>(sz.num.umax), true); !e.empty())
            return fmt::format("{} argument {}: {} (Linux requires a kfunc's memory arguments to be writable: put it in "
                               "writable data, e.g. a `static char[]`, not a `const` one)",
                               name, r, e);
        if (write && v.kind == Kind::stack)
          if (auto e = check_stack_writable(st, v, v.num.smin, v.num.smax, static_cast<u32>(sz.num.umax)); !e.empty())
            return fmt::format("{} argument {}: {}", name, r, e);
        if (!write && v.kind == Kind::stack)
          if (auto e = check_stack_readable(st, v, v.num.smin, v.num.smax, static_cast<u32>(sz.num.umax), info_.allow_ptr_leaks,
                                            info_.allow_uninit_stack); !e.empty())
            return fmt::format("{} argument {}: {}", name, r, e);
        break;
      }
      case ArgKind::mem_size:
      case ArgKind::mem_size_or_zero: break;  // checked with its memory argument
      case ArgKind::struct_ptr:
        if (v.kind != Kind::object || (v.target != a.struct_index && v.target != a.struct_alt)) return wrong();
        if (!v.num.is_const() || v.num.value() != 0)
          return fmt::format("{} argument {} (R{}) must point to the start of the struct, but it is {}", name, r, r, describe(v));
        break;
      case ArgKind::callback:
        if (v.kind != Kind::func) return wrong();
        break;
      case ArgKind::const_str:
        if (auto e = check_const_str(v, r, name); !e.empty()) return e;
        break;
      case ArgKind::timer:
      case ArgKind::spin_lock:
      case ArgKind::res_spin_lock: {
        if (v.kind != Kind::map_value) return wrong();
        const auto& m = info_.maps[v.target];
        // The two locks are not interchangeable (Linux's rule too).
        if (a.kind != ArgKind::timer && m.spin_lock_off >= 0 && m.res_lock != (a.kind == ArgKind::res_spin_lock))
          return fmt::format("{} argument {}: the lock in map `{}` is a {}; use {}", name, r, m.name,
                             m.res_lock ? "bpf_res_spin_lock" : "bpf_spin_lock",
                             m.res_lock ? "bpf_res_spin_lock/unlock" : "bpf_spin_lock/unlock");
        s32 want = a.kind == ArgKind::timer ? m.timer_off : m.spin_lock_off;
        const char* field = a.kind == ArgKind::timer           ? "bpf_timer"
                            : a.kind == ArgKind::res_spin_lock ? "bpf_res_spin_lock"
                                                               : "bpf_spin_lock";
        if (want < 0) return fmt::format("{} argument {}: map `{}` has no {} in its value", name, r, m.name, field);
        if (!v.num.is_const() || static_cast<s64>(v.num.value()) != want)
          return fmt::format("{} argument {} (R{}) must point to the {} at offset {} of the map value, but it is {}", name, r, r,
                             field, want, describe(v));
        break;
      }
      case ArgKind::ref:
        if (!v.is_pointer()) return wrong();
        break;
      case ArgKind::iter:
        if (auto e = check_iter_arg(st, r, a, p.special, name); !e.empty()) return e;
        break;
      case ArgKind::local_type:
      case ArgKind::local_ref:
      case ArgKind::rb_root:
      case ArgKind::rb_node_owned:
      case ArgKind::rb_node_ref:
      case ArgKind::kptr_slot:
        if (auto e = check_local_arg(st, r, a, p, name); !e.empty()) return e;
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
  if (p.format) return check_format_values(st, p, name);
  return "";
}

std::string Transformer::check_const_str(const Value& v, int r, const std::string& name) const {
  // The host reads it up to its NUL (strlen), so the NUL must be there for
  // good: in memory the program cannot write.
  if (v.kind != Kind::map_value || !is_read_only(info_.maps[v.target]))
    return fmt::format("{} argument {} (R{}) must be a constant string in read-only data (a `static const char[]`), but R{} is {}",
                       name, r, r, r, describe(v));
  if (!v.num.is_const())
    return fmt::format("{} argument {} (R{}) must point to a constant string at a known offset, but it is {}", name, r, r, describe(v));
  const std::string_view bytes = constant_bytes(v);
  if (bytes.find('\0') == std::string_view::npos)
    return fmt::format("{} argument {} (R{}): no NUL ends the string at offset {} of map `{}`", name, r, r, v.num.value(),
                       info_.maps[v.target].name);
  return "";
}

std::string Transformer::check_format_values(const State& st, const Prototype& p, const std::string& name) const {
  const FormatSpec& f = *p.format;
  const int freg = f.format + 1;
  const Value& fmt_ptr = st.reg(freg);
  std::string_view text = constant_bytes(fmt_ptr);
  if (!text.empty() && f.size != f.format) {
    // A format with a size argument: the host reads at most that many bytes.
    const Value& size = st.reg(f.size + 1);
    if (size.kind == Kind::scalar) text = text.substr(0, std::min<u64>(text.size(), size.num.umin));
  }
  bpf::FormatArg kinds[bpf::kMaxBprintfVarargs];
  const std::size_t max_values = f.values == FormatSpec::Values::registers ? static_cast<std::size_t>(5 - f.first)
                                                                             : bpf::kMaxBprintfVarargs;
  int n = -1;
  if (!text.empty()) {
    n = bpf::bpf_format_args(text.data(), text.size(), std::span<bpf::FormatArg>(kinds, max_values));
    if (n < 0)
      return fmt::format("{}: the format \"{}\" is not one the host prints (an unknown conversion, a non-printable character, no NUL, or more than {} values)",
                         name, text.substr(0, std::min<std::size_t>(text.find('\0'), 64)), max_values);
  }
  if (f.values == FormatSpec::Values::array) {
    // bpf_snprintf and bpf_trace_vprintk: the values are read from memory,
    // where a pointer is data only if the loader may see pointers.
    if (n < 0) return "";
    const Value& len = st.reg(f.first + 2);
    if (!len.num.is_const() || len.num.value() % 8 != 0)
      return fmt::format("{} argument {} (R{}) must be a constant multiple of 8 (the size of the values), but it is {}", name,
                         f.first + 2, f.first + 2, describe(len));
    if (static_cast<u64>(n) * 8 > len.num.value())
      return fmt::format("{}: the format converts {} values, but argument {} gives {}", name, n, f.first + 2, len.num.value() / 8);
    return "";
  }
  // Values in registers: only the ones the format converts are read. Without
  // a constant format every register may be.
  const int count = n >= 0 ? n : static_cast<int>(max_values);
  for (int i = 0; i < count; ++i) {
    const int r = f.first + 1 + i;
    const Value& v = st.reg(r);
    const bpf::FormatArg kind = n >= 0 ? kinds[i] : bpf::FormatArg::number;
    if (v.kind == Kind::uninit)
      return fmt::format("{} argument {} (R{}) is not initialised, but {}", name, r, r,
                         n >= 0 ? fmt::format("the format converts {} value{}", n, n == 1 ? "" : "s")
                                : std::string("the format is not a constant string in read-only data, so all of R3-R5 are read"));
    if (v.is_pointer() && kind != bpf::FormatArg::memory && !info_.allow_ptr_leaks)
      return fmt::format("{} argument {} (R{}) is {}: printing a pointer's value would leak it", name, r, r, describe(v));
  }
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
