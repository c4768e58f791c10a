// Scalar: the abstract value of a 64-bit number: unsigned and signed 64-bit
// ranges plus known bits (Tnum), kept consistent with each other. 32-bit
// views (the subregister a `w` operation sees) are derived on demand.
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

  static Scalar top() { return {}; }
  static Scalar constant(u64 v) {
    return {v, v, static_cast<s64>(v), static_cast<s64>(v), Tnum::constant(v)};
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
           bits.subset_of(o.bits);
  }
  Scalar join(const Scalar& o) const;
  // Meet; false when empty.
  bool meet(const Scalar& o, Scalar& out) const;

  // The value truncated to its low 32 bits, zero-extended.
  Scalar truncated32() const;
  std::string to_string() const;
  friend bool operator==(const Scalar&, const Scalar&) = default;
};

}  // namespace ups::verifier
