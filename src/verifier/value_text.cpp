// How abstract values and states read in messages and in the --log trace.
#include <fmt/format.h>

#include "verifier/transformer.h"

namespace ups::verifier {

std::string reg_label(int r) { return fmt::format("R{}", r); }

std::string uninit_text(int r, const Value& v) {
  if (v.ref) return fmt::format("R{} held a reference that has been released; it cannot be used any more", r);
  if (v.target >= 0)
    return fmt::format("R{} was a node of an rbtree, which the bpf_spin_unlock at instruction {} stopped protecting; it cannot be used after the unlock",
                       r, v.target);
  if (r == 0) return "R0 is read before it is set (no call or assignment gives it a value)";
  return fmt::format("R{} is used before it is initialised", r);
}

namespace {
std::string offset_text(const Scalar& off) {
  if (off.is_const()) return fmt::format("{}", static_cast<s64>(off.value()));
  return fmt::format("[{}, {}]", off.smin, off.smax);
}
}  // namespace

std::string Transformer::describe(const Value& v) const {
  auto map_name = [&](s32 i) {
    return (i >= 0 && static_cast<size_t>(i) < info_.maps.size()) ? info_.maps[i].name : std::string("?");
  };
  auto struct_name = [&](s32 i) {
    return (i >= 0 && static_cast<size_t>(i) < info_.structs.size()) ? info_.structs[i].name : std::string("?");
  };
  std::string s;
  switch (v.kind) {
    case Kind::uninit: return "uninitialised";
    case Kind::scalar:
      if (v.arena) return "a pointer into the arena";
      if (v.num.is_const()) return fmt::format("a number ({})", v.num.to_string());
      return fmt::format("a number ({})", v.num.to_string());
    case Kind::ctx: s = fmt::format("a pointer to the callback's arguments (offset {})", offset_text(v.num)); break;
    case Kind::stack: s = fmt::format("a pointer to the stack (fp{:+})", v.num.is_const() ? static_cast<s64>(v.num.value()) : v.num.smin); break;
    case Kind::map_ptr: return fmt::format("map `{}`{}", map_name(v.target), v.maybe_null ? " or null" : "");
    case Kind::map_key: s = fmt::format("a pointer to a key of map `{}` (offset {})", map_name(v.target), offset_text(v.num)); break;
    case Kind::map_value:
      if (v.maybe_null) return fmt::format("map value or null (map `{}`)", map_name(v.target));
      s = fmt::format("a pointer into a value of map `{}` (offset {})", map_name(v.target), offset_text(v.num));
      break;
    case Kind::object:
      if (v.maybe_null) s = fmt::format("{} or null", struct_name(v.target));
      else s = fmt::format("a pointer to struct {}", struct_name(v.target));
      if (!v.num.is_const() || v.num.value() != 0) s += fmt::format(" (offset {})", offset_text(v.num));
      break;
    case Kind::func: return fmt::format("the address of the function at instruction {}", v.target);
  }
  if (v.ref) s += ", an acquired reference";
  else if (is_local(v)) s += ", a non-owning reference (a node of an rbtree)";
  return s;
}

std::string Transformer::describe_regs(const State& st) const {
  std::string out;
  for (int r = 0; r < bpf::kNumRegs; ++r) {
    const Value& v = st.reg(r);
    if (v.kind == Kind::uninit || r == 10) continue;
    if (!out.empty()) out += " ";
    if (v.kind == Kind::scalar) {
      out += fmt::format("R{}={}", r, v.num.to_string());
    } else {
      const char* k = v.kind == Kind::ctx ? "ctx" : v.kind == Kind::stack ? "fp" : v.kind == Kind::map_ptr ? "map"
                    : v.kind == Kind::map_value ? "map_value" : v.kind == Kind::map_key ? "map_key"
                    : v.kind == Kind::object ? "obj" : "func";
      out += fmt::format("R{}={}{}{}", r, k, v.maybe_null ? "_or_null" : "",
                         v.num.is_const() ? fmt::format("{:+}", static_cast<s64>(v.num.value()))
                                          : fmt::format("[{},{}]", v.num.smin, v.num.smax));
    }
  }
  if (st.frames.size() > 1) out = fmt::format("frame {} ", st.frames.size() - 1) + out;
  return out;
}

}  // namespace ups::verifier
