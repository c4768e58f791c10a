// Scalar lattice operations and the sync between ranges and known bits.
#include "verifier/domain/scalar.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups::verifier {
namespace {
constexpr u64 kSignBit = 1ULL << 63;
}

void Scalar::sync32() {
  constexpr s64 kS32Min = std::numeric_limits<s32>::min(), kS32Max = std::numeric_limits<s32>::max();
  constexpr u64 kHalf = 0x80000000ULL, kWord = 0x100000000ULL;
  // A value in the int range is its own low half read as signed.
  if (smin >= kS32Min && smax <= kS32Max) {
    s32min = std::max(s32min, smin);
    s32max = std::min(s32max, smax);
    smin = std::max(smin, s32min);
    smax = std::min(smax, s32max);
  }
  if (!fits_u32()) return;
  // Upper half zero: the low half is the value; read as signed, the part
  // from 2^31 up is negative.
  if (umax < kHalf) {
    s32min = std::max<s64>(s32min, static_cast<s64>(umin));
    s32max = std::min<s64>(s32max, static_cast<s64>(umax));
  } else if (umin >= kHalf) {
    s32min = std::max<s64>(s32min, static_cast<s64>(umin - kWord));
    s32max = std::min<s64>(s32max, static_cast<s64>(umax - kWord));
  }
  if (s32min > s32max) return;
  if (s32min >= 0) {
    umin = std::max(umin, static_cast<u64>(s32min));
    umax = std::min(umax, static_cast<u64>(s32max));
  } else if (s32max < 0) {
    umin = std::max(umin, static_cast<u64>(s32min + static_cast<s64>(kWord)));
    umax = std::min(umax, static_cast<u64>(s32max + static_cast<s64>(kWord)));
  }
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
    sync32();
    if (umin > umax || smin > smax || s32min > s32max) return false;
    Tnum r = Tnum::range(umin, umax);
    if (tnum_conflicts(bits, r)) return false;
    bits = tnum_intersect(bits, r);
  }
  return umin <= umax && smin <= smax && s32min <= s32max && bits.contains(bits.value) &&
         !(bits.min() > umax || bits.max() < umin);
}

Scalar Scalar::join(const Scalar& o) const {
  Scalar r;
  r.umin = std::min(umin, o.umin);
  r.umax = std::max(umax, o.umax);
  r.smin = std::min(smin, o.smin);
  r.smax = std::max(smax, o.smax);
  r.bits = tnum_union(bits, o.bits);
  r.s32min = std::min(s32min, o.s32min);
  r.s32max = std::max(s32max, o.s32max);
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
  out.s32min = std::max(s32min, o.s32min);
  out.s32max = std::min(s32max, o.s32max);
  return out.sync();
}

Scalar Scalar::truncated32() const {
  if (fits_u32()) return *this;
  if ((umax >> 32) == (umin >> 32)) {
    // Same upper half: the low halves keep their order.
    Scalar r = urange(umin & 0xffffffffULL, umax & 0xffffffffULL);
    Tnum b = tnum_cast32(bits);
    if (!tnum_conflicts(r.bits, b)) r.bits = tnum_intersect(r.bits, b);
    r.s32min = s32min;
    r.s32max = s32max;
    r.sync();
    return r;
  }
  Scalar r = u32_top();
  r.bits = tnum_cast32(bits);
  r.s32min = s32min;
  r.s32max = s32max;
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
  if ((s32min != std::numeric_limits<s32>::min() || s32max != std::numeric_limits<s32>::max()) &&
      !(smin >= s32min && smax <= s32max))
    add(fmt::format("s32=[{},{}]", s32min, s32max));
  if (bits.mask != ~0ULL && !(bits == Tnum::range(umin, umax)))
    add(fmt::format("bits={:#x}/{:#x}", bits.value, bits.mask));
  return s.empty() ? "unknown" : s;
}

}  // namespace ups::verifier
