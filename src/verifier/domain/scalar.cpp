// Scalar lattice operations and the sync between ranges and known bits.
#include "verifier/domain/scalar.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups::verifier {
namespace {
constexpr u64 kSignBit = 1ULL << 63;
}

bool Scalar::sync() {
  for (int round = 0; round < 2; ++round) {
    // Known bits bound the unsigned range and vice versa.
    umin = std::max(umin, bits.min());
    umax = std::min(umax, bits.max());
    if (umin > umax || smin > smax) return false;
    // Signed range from the unsigned one when it does not cross the sign
    // boundary, and the reverse.
    if ((umin & kSignBit) == (umax & kSignBit)) {
      smin = std::max(smin, static_cast<s64>(umin));
      smax = std::min(smax, static_cast<s64>(umax));
    }
    if ((static_cast<u64>(smin) & kSignBit) == (static_cast<u64>(smax) & kSignBit)) {
      umin = std::max(umin, static_cast<u64>(smin));
      umax = std::min(umax, static_cast<u64>(smax));
    }
    if (umin > umax || smin > smax) return false;
    Tnum r = Tnum::range(umin, umax);
    if (tnum_conflicts(bits, r)) return false;
    bits = tnum_intersect(bits, r);
  }
  return umin <= umax && smin <= smax && bits.contains(bits.value) &&
         !(bits.min() > umax || bits.max() < umin);
}

Scalar Scalar::join(const Scalar& o) const {
  Scalar r;
  r.umin = std::min(umin, o.umin);
  r.umax = std::max(umax, o.umax);
  r.smin = std::min(smin, o.smin);
  r.smax = std::max(smax, o.smax);
  r.bits = tnum_union(bits, o.bits);
  r.sync();
  return r;
}

bool Scalar::meet(const Scalar& o, Scalar& out) const {
  if (tnum_conflicts(bits, o.bits)) return false;
  out.umin = std::max(umin, o.umin);
  out.umax = std::min(umax, o.umax);
  out.smin = std::max(smin, o.smin);
  out.smax = std::min(smax, o.smax);
  out.bits = tnum_intersect(bits, o.bits);
  return out.sync();
}

Scalar Scalar::truncated32() const {
  if (fits_u32()) return *this;
  if ((umax >> 32) == (umin >> 32)) {
    // Same upper half: the low halves keep their order.
    Scalar r = urange(umin & 0xffffffffULL, umax & 0xffffffffULL);
    Tnum b = tnum_cast32(bits);
    if (!tnum_conflicts(r.bits, b)) r.bits = tnum_intersect(r.bits, b);
    r.sync();
    return r;
  }
  Scalar r = u32_top();
  r.bits = tnum_cast32(bits);
  r.sync();
  return r;
}

std::string Scalar::to_string() const {
  if (is_const()) {
    if (smin < 0 && smin > -4096) return fmt::format("{}", smin);
    return fmt::format("{:#x}", umin);
  }
  std::string s;
  auto add = [&](std::string part) {
    if (!s.empty()) s += ",";
    s += part;
  };
  if (umin != 0 || umax != ~0ULL) {
    if (umax <= 0xffffffffULL || smin < 0)
      add(fmt::format("u=[{},{}]", umin, umax));
    else
      add(fmt::format("u=[{},{:#x}]", umin, umax));
  }
  if ((smin != std::numeric_limits<s64>::min() || smax != std::numeric_limits<s64>::max()) &&
      !(smin == static_cast<s64>(umin) && smax == static_cast<s64>(umax)))
    add(fmt::format("s=[{},{}]", smin, smax));
  if (bits.mask != ~0ULL && !(bits == Tnum::range(umin, umax)))
    add(fmt::format("bits={:#x}/{:#x}", bits.value, bits.mask));
  return s.empty() ? "unknown" : s;
}

}  // namespace ups::verifier
