// The oracle's checks (see soundness_oracle.h).
#include "soundness_oracle.h"

#include <fmt/format.h>

#include "bpf/isa/disassembler.h"

namespace ups::verifier::test {
namespace {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::uninit: return "nothing";
    case Kind::scalar: return "a number";
    case Kind::ctx: return "context";
    case Kind::stack: return "stack";
    case Kind::map_ptr: return "map";
    case Kind::map_value: return "map value";
    case Kind::map_key: return "map key";
    case Kind::object: return "object";
    case Kind::func: return "function";
  }
  return "?";
}

bool scalar_holds(const Scalar& s, u64 v) {
  const s64 low = static_cast<s32>(static_cast<u32>(v));
  return s.contains(v) && low >= s.s32min && low <= s.s32max;
}

std::string claim_text(const ValueClaim& c) {
  if (c.kind == Kind::scalar) return fmt::format("a number {}", c.num.to_string());
  return fmt::format("{} {} at offset {}{}", kind_name(c.kind), c.target, c.num.to_string(), c.maybe_null ? " or NULL" : "");
}

}  // namespace

std::vector<SoundnessOracle::Place> SoundnessOracle::places(u64 v) const {
  std::vector<Place> out;
  const u64 span = static_cast<u64>(bpf::kMaxCallDepth) * bpf::kStackSize;
  if (v <= layout_.stack_top && v >= layout_.stack_top - span) {
    // Frame d's top is stack_top - d * 512; its bytes lie below it. The top
    // of one frame is also the end of the next one's bytes.
    for (s32 d = 0; d < bpf::kMaxCallDepth; ++d) {
      const u64 top = layout_.stack_top - static_cast<u64>(d) * bpf::kStackSize;
      const s64 off = static_cast<s64>(v - top);
      if (off <= 0 && off >= -bpf::kStackSize) out.push_back({Kind::stack, d, off});
    }
  }
  for (const auto& r : layout_.regions)
    if (v >= r.base && v <= r.base + r.size) out.push_back({r.kind, r.target, static_cast<s64>(v - r.base)});
  return out;
}

bool SoundnessOracle::matches(const ValueClaim& c, u64 v, const std::vector<Place>& at) const {
  switch (c.kind) {
    case Kind::scalar:
      // A number that is an address of the program's memory is a pointer the
      // verifier lost track of.
      return at.empty() && scalar_holds(c.num, v);
    case Kind::func: return v < code_.size();
    case Kind::object:
    case Kind::map_key:
    case Kind::uninit: return true;  // never read on that path
    default: break;
  }
  if (v == 0 && c.maybe_null) return true;
  // The offset from the start of the claimed object: pointer arithmetic
  // may take a pointer outside its object, as long as nothing accesses it.
  auto within = [&](u64 base) {
    const s64 off = static_cast<s64>(v - base);
    return off >= c.num.smin && off <= c.num.smax;
  };
  if (c.kind == Kind::stack)
    return c.target >= 0 && within(layout_.stack_top - static_cast<u64>(c.target) * bpf::kStackSize);
  for (const auto& r : layout_.regions)
    if (r.kind == c.kind && r.target == c.target && within(r.base)) return true;
  return false;
}

std::string SoundnessOracle::describe(u64 v, const std::vector<Place>& at) const {
  if (at.empty()) return fmt::format("the number {:#x}", v);
  std::string s = fmt::format("{:#x} (", v);
  for (size_t i = 0; i < at.size(); ++i)
    s += fmt::format("{}{} {} offset {}", i ? " or " : "", kind_name(at[i].kind), at[i].target, at[i].off);
  return s + ")";
}

bool SoundnessOracle::before(u32 pc, const u64* regs) {
  if (pc >= claims_.size() || !claims_[pc].reached) {
    disagreement_ = fmt::format("instruction {} runs, but the verifier found it unreachable", pc);
    return false;
  }
  const InsnClaim& c = claims_[pc];
  ++checked_;
  for (int r = 0; r < 10; ++r) {
    if (!(c.live & (1u << r)) || c.regs[r].empty()) continue;
    const u64 v = regs[r];
    const auto at = places(v);
    bool ok = false;
    for (const ValueClaim& vc : c.regs[r]) ok = ok || matches(vc, v, at);
    if (ok) continue;
    std::string claimed;
    for (const ValueClaim& vc : c.regs[r]) claimed += (claimed.empty() ? "" : " or ") + claim_text(vc);
    const bool lost_pointer = !at.empty() && c.regs[r].size() == 1 && c.regs[r][0].kind == Kind::scalar;
    disagreement_ = fmt::format("instruction {} `{}`: R{} holds {}, but the verifier claimed {}{}", pc,
                                bpf::disassemble_at(code_, pc), r, describe(v, at), claimed,
                                lost_pointer ? " (a pointer-to-number flow)" : "");
    return false;
  }
  return true;
}

}  // namespace ups::verifier::test
