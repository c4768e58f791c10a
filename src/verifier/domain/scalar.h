// Scalar: the abstract value of a 64-bit number: unsigned and signed 64-bit
// ranges, the signed range of its low 32 bits (what a `w` operation and an
// `int` return see), plus known bits (Tnum), kept consistent with each
// other. The unsigned 32-bit view is derived on demand.
// Lattice operations only; ALU transfer functions are in scalar_ops.h.
#pragma once

#include <limits>
#include <string>

#include "base/types.h"
#include "verifier/domain/tnum.h"

namespace ups::verifier {

struct Scalar {
  u64 umin = 0, umax = ~0ULL;
  s64 smin = std::numeric_limits<s64>::min(), smax = std::numeric_limits<s64>::max();
  Tnum bits = Tnum::unknown();
  // The low 32 bits read as a signed int lie in [s32min, s32max].
  s64 s32min = std::numeric_limits<s32>::min(), s32max = std::numeric_limits<s32>::max();

  static Scalar top() { return {}; }
  static Scalar constant(u64 v) {
    const s64 low = static_cast<s32>(static_cast<u32>(v));
    return {v, v, static_cast<s64>(v), static_cast<s64>(v), Tnum::constant(v), low, low};
  }
  static Scalar urange(u64 lo, u64 hi) {
    Scalar s;
    s.umin = lo;
    s.umax = hi;
    s.sync();
    return s;
  }
  static Scalar srange(s64 lo, s64 hi) {
    Scalar s;
    s.smin = lo;
    s.smax = hi;
    s.sync();
    return s;
  }
  // Any value a 32-bit operation can leave (upper half zero).
  static Scalar u32_top() { return urange(0, 0xffffffffULL); }

  bool is_const() const { return umin == umax; }
  u64 value() const { return umin; }
  bool fits_u32() const { return umax <= 0xffffffffULL; }
  bool contains(u64 v) const {
    return v >= umin && v <= umax && static_cast<s64>(v) >= smin &&
           static_cast<s64>(v) <= smax && bits.contains(v);
  }

  // Tighten every component from the others. Returns false when no value is
  // left (the state is unreachable).
  bool sync();
  bool subset_of(const Scalar& o) const {
    return umin >= o.umin && umax <= o.umax && smin >= o.smin && smax <= o.smax &&
           s32min >= o.s32min && s32max <= o.s32max && bits.subset_of(o.bits);
  }
  Scalar join(const Scalar& o) const;
  // Meet; false when empty.
  bool meet(const Scalar& o, Scalar& out) const;

  // The value truncated to its low 32 bits, zero-extended (its signed
  // 32-bit view is unchanged).
  Scalar truncated32() const;
  std::string to_string() const;
  friend bool operator==(const Scalar&, const Scalar&) = default;

private:
  void sync32();  // between the 32-bit signed view and the 64-bit ranges
};

}  // namespace ups::verifier
