// Tnum: known bits of a 64-bit value ("tristate numbers"): a bit is known
// when its mask bit is 0, and then its value is in `value`. Sound transfer
// functions for the ALU operations the verifier tracks.
#pragma once

#include "base/types.h"

namespace ups::verifier {

struct Tnum {
  u64 value = 0;
  u64 mask = ~0ULL;  // unknown bits

  static Tnum constant(u64 v) { return {v, 0}; }
  static Tnum unknown() { return {0, ~0ULL}; }
  // The smallest tnum covering [min, max].
  static Tnum range(u64 min, u64 max) {
    u64 chi = min ^ max;
    if (chi == 0) return constant(min);
    int bits = 64 - __builtin_clzll(chi);
    if (bits > 63) return unknown();
    u64 delta = (1ULL << bits) - 1;
    return {min & ~delta, delta};
  }

  bool is_const() const { return mask == 0; }
  u64 min() const { return value; }
  u64 max() const { return value | mask; }
  bool contains(u64 v) const { return (v & ~mask) == value; }
  // Every value of `this` is a value of `o`.
  bool subset_of(const Tnum& o) const {
    if (mask & ~o.mask) return false;
    return (value & ~o.mask) == o.value;
  }
  friend bool operator==(const Tnum&, const Tnum&) = default;
};

inline Tnum tnum_add(Tnum a, Tnum b) {
  u64 sm = a.mask + b.mask;
  u64 sv = a.value + b.value;
  u64 sigma = sm + sv;
  u64 chi = sigma ^ sv;
  u64 mu = chi | a.mask | b.mask;
  return {sv & ~mu, mu};
}
inline Tnum tnum_sub(Tnum a, Tnum b) {
  u64 dv = a.value - b.value;
  u64 alpha = dv + a.mask;
  u64 beta = dv - b.mask;
  u64 chi = alpha ^ beta;
  u64 mu = chi | a.mask | b.mask;
  return {dv & ~mu, mu};
}
inline Tnum tnum_and(Tnum a, Tnum b) {
  u64 alpha = a.value | a.mask;
  u64 beta = b.value | b.mask;
  u64 v = a.value & b.value;
  return {v, alpha & beta & ~v};
}
inline Tnum tnum_or(Tnum a, Tnum b) {
  u64 v = a.value | b.value;
  u64 mu = a.mask | b.mask;
  return {v, mu & ~v};
}
inline Tnum tnum_xor(Tnum a, Tnum b) {
  u64 v = a.value ^ b.value;
  u64 mu = a.mask | b.mask;
  return {v & ~mu, mu};
}
inline Tnum tnum_lshift(Tnum a, unsigned s) { return {a.value << s, a.mask << s}; }
inline Tnum tnum_rshift(Tnum a, unsigned s) { return {a.value >> s, a.mask >> s}; }
inline Tnum tnum_arshift(Tnum a, unsigned s, bool is32) {
  if (is32) {
    return {static_cast<u32>(static_cast<s32>(static_cast<u32>(a.value)) >> s),
            static_cast<u32>(static_cast<s32>(static_cast<u32>(a.mask)) >> s)};
  }
  return {static_cast<u64>(static_cast<s64>(a.value) >> s),
          static_cast<u64>(static_cast<s64>(a.mask) >> s)};
}
// Half-multiply: the known-bits product (Linux's tnum_mul).
inline Tnum tnum_mul(Tnum a, Tnum b) {
  u64 acc_v = a.value * b.value;
  Tnum acc_m{0, 0};
  while (a.value || a.mask) {
    if (a.value & 1)
      acc_m = tnum_add(acc_m, Tnum{0, b.mask});
    else if (a.mask & 1)
      acc_m = tnum_add(acc_m, Tnum{0, b.value | b.mask});
    a = tnum_rshift(a, 1);
    b = tnum_lshift(b, 1);
  }
  return tnum_add(Tnum::constant(acc_v), acc_m);
}
// Meet: the values both describe (caller checks for conflicts first).
inline bool tnum_conflicts(Tnum a, Tnum b) {
  return ((a.value ^ b.value) & ~a.mask & ~b.mask) != 0;
}
inline Tnum tnum_intersect(Tnum a, Tnum b) {
  u64 v = a.value | b.value;
  u64 mu = a.mask & b.mask;
  return {v & ~mu, mu};
}
// Join: every value of either.
inline Tnum tnum_union(Tnum a, Tnum b) {
  u64 mu = a.mask | b.mask | (a.value ^ b.value);
  return {a.value & ~mu, mu};
}
inline Tnum tnum_cast32(Tnum a) { return {a.value & 0xffffffffULL, a.mask & 0xffffffffULL}; }

}  // namespace ups::verifier
