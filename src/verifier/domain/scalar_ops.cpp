// ALU and branch transfer functions for Scalar.
#include "verifier/domain/scalar_ops.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "bpf/insn.h"

namespace ups::verifier {
namespace op = bpf::op;
namespace {

constexpr s64 kSMin = std::numeric_limits<s64>::min();
constexpr s64 kSMax = std::numeric_limits<s64>::max();

u64 bswap(u64 v, int width) {
  switch (width) {
    case 16: return __builtin_bswap16(static_cast<u16>(v));
    case 32: return __builtin_bswap32(static_cast<u32>(v));
    default: return __builtin_bswap64(v);
  }
}

u64 sign_extend(u64 v, int bits) {
  if (bits == 64) return v;
  u64 m = 1ULL << (bits - 1);
  v &= (1ULL << bits) - 1;
  return (v ^ m) - m;
}

Scalar from_tnum(Tnum t) {
  Scalar s;
  s.bits = t;
  s.sync();
  return s;
}

Scalar add64(const Scalar& a, const Scalar& b) {
  Scalar r;
  u64 lo, hi;
  if (!__builtin_add_overflow(a.umin, b.umin, &lo) && !__builtin_add_overflow(a.umax, b.umax, &hi)) {
    r.umin = lo;
    r.umax = hi;
  }
  s64 slo, shi;
  if (!__builtin_add_overflow(a.smin, b.smin, &slo) && !__builtin_add_overflow(a.smax, b.smax, &shi)) {
    r.smin = slo;
    r.smax = shi;
  }
  r.bits = tnum_add(a.bits, b.bits);
  r.sync();
  return r;
}

Scalar sub64(const Scalar& a, const Scalar& b) {
  Scalar r;
  if (a.umin >= b.umax) {
    r.umin = a.umin - b.umax;
    r.umax = a.umax - b.umin;
  }
  s64 slo, shi;
  if (!__builtin_sub_overflow(a.smin, b.smax, &slo) && !__builtin_sub_overflow(a.smax, b.smin, &shi)) {
    r.smin = slo;
    r.smax = shi;
  }
  r.bits = tnum_sub(a.bits, b.bits);
  r.sync();
  return r;
}

Scalar mul64(const Scalar& a, const Scalar& b) {
  Scalar r;
  u64 hi;
  if (!__builtin_mul_overflow(a.umax, b.umax, &hi)) {
    r.umin = a.umin * b.umin;
    r.umax = hi;
  }
  r.bits = tnum_mul(a.bits, b.bits);
  r.sync();
  return r;
}

Scalar div64(const Scalar& a, const Scalar& b) {
  // x / 0 == 0 (RFC 9669), so a possibly-zero divisor adds 0 to the result.
  if (b.umax == 0) return Scalar::constant(0);
  u64 lo_div = std::max<u64>(b.umin, 1);
  Scalar r = Scalar::urange(b.umin == 0 ? 0 : a.umin / b.umax, a.umax / lo_div);
  return r;
}

Scalar mod64(const Scalar& a, const Scalar& b) {
  // x % 0 == x (RFC 9669): the result never exceeds the dividend.
  u64 hi = a.umax;
  if (b.umin > 0) hi = std::min(hi, b.umax - 1);
  return Scalar::urange(0, hi);
}

Scalar shift64(u8 o, const Scalar& a, const Scalar& b) {
  if (!b.is_const()) {
    if (o == op::RSH) return Scalar::urange(0, a.umax);
    if (o == op::ARSH) return Scalar::srange(std::min<s64>(a.smin, 0), std::max<s64>(a.smax, 0));
    return Scalar::top();
  }
  unsigned k = static_cast<unsigned>(b.value() & 63);
  Scalar r;
  if (o == op::LSH) {
    r.bits = tnum_lshift(a.bits, k);
    if (k == 0 || a.umax <= (~0ULL >> k)) {
      r.umin = a.umin << k;
      r.umax = a.umax << k;
    }
  } else if (o == op::RSH) {
    r.bits = tnum_rshift(a.bits, k);
    r.umin = a.umin >> k;
    r.umax = a.umax >> k;
  } else {
    r.bits = tnum_arshift(a.bits, k, false);
    r.smin = a.smin >> k;
    r.smax = a.smax >> k;
  }
  r.sync();
  return r;
}

Scalar movsx64(const Scalar& a, int bits) {
  if (bits >= 64) return a;
  u64 half = 1ULL << (bits - 1);
  if (a.umax < half) return a;  // sign bit clear: extension changes nothing
  return Scalar::srange(-static_cast<s64>(half), static_cast<s64>(half - 1));
}

bool is_signed_alu(u8 o, s16 off) {
  return o == op::ARSH || ((o == op::DIV || o == op::MOD) && off == 1) ||
         (o == op::MOV && off != 0);
}

Scalar alu64(u8 o, const Scalar& a, const Scalar& b, s16 off, bool to_be) {
  switch (o) {
    case op::ADD: return add64(a, b);
    case op::SUB: return sub64(a, b);
    case op::MUL: return mul64(a, b);
    case op::DIV:
      if (off == 1) return (a.smin >= 0 && b.smin >= 0) ? div64(a, b) : Scalar::top();
      return div64(a, b);
    case op::MOD:
      if (off == 1) return (a.smin >= 0 && b.smin >= 0) ? mod64(a, b) : Scalar::top();
      return mod64(a, b);
    case op::AND: {
      Scalar r = from_tnum(tnum_and(a.bits, b.bits));
      r.umax = std::min({r.umax, a.umax, b.umax});
      r.sync();
      return r;
    }
    case op::OR: {
      Scalar r = from_tnum(tnum_or(a.bits, b.bits));
      r.umin = std::max({r.umin, a.umin, b.umin});
      r.sync();
      return r;
    }
    case op::XOR: return from_tnum(tnum_xor(a.bits, b.bits));
    case op::LSH:
    case op::RSH:
    case op::ARSH: return shift64(o, a, b);
    case op::NEG: return sub64(Scalar::constant(0), a);
    case op::MOV: return off == 0 ? b : movsx64(b, off);
    case op::END: return Scalar::top();
  }
  return Scalar::top();
}

}  // namespace

u64 alu_concrete(u8 o, bool is64, u64 dst, u64 src, s16 off, bool to_be) {
  if (!is64 && o != op::END) {  // END's width, not its class, says what it keeps
    dst &= 0xffffffffULL;
    src &= 0xffffffffULL;
  }
  const int width = is64 ? 64 : 32;
  auto sx = [&](u64 v) { return static_cast<s64>(sign_extend(v, width)); };
  u64 r = 0;
  switch (o) {
    case op::ADD: r = dst + src; break;
    case op::SUB: r = dst - src; break;
    case op::MUL: r = dst * src; break;
    case op::DIV:
      if (src == 0 || (is64 ? false : (src & 0xffffffffULL) == 0)) {
        r = 0;
      } else if (off == 1) {
        s64 a = sx(dst), b = sx(src);
        r = (b == -1) ? static_cast<u64>(0) - static_cast<u64>(a) : static_cast<u64>(a / b);
      } else {
        r = dst / src;
      }
      break;
    case op::MOD:
      if (src == 0) {
        r = dst;
      } else if (off == 1) {
        s64 a = sx(dst), b = sx(src);
        r = (b == -1) ? 0 : static_cast<u64>(a % b);
      } else {
        r = dst % src;
      }
      break;
    case op::OR: r = dst | src; break;
    case op::AND: r = dst & src; break;
    case op::XOR: r = dst ^ src; break;
    case op::LSH: r = dst << (src & (width - 1)); break;
    case op::RSH: r = dst >> (src & (width - 1)); break;
    case op::ARSH: r = static_cast<u64>(sx(dst) >> (src & (width - 1))); break;
    case op::NEG: r = static_cast<u64>(0) - dst; break;
    case op::MOV: r = off == 0 ? src : sign_extend(src, off); break;
    case op::END: {
      // src carries the width (imm 16/32/64).
      int w = static_cast<int>(src);
      if (!to_be && !is64) {
        r = w == 64 ? dst : dst & ((1ULL << w) - 1);
      } else {
        r = bswap(dst, w);
      }
      return r;  // END results are not truncated to 32 bits for width 64
    }
    default: UPS_UNREACHABLE();
  }
  return is64 ? r : (r & 0xffffffffULL);
}

Scalar alu_abstract(u8 o, bool is64, const Scalar& a_in, const Scalar& b_in, s16 off,
                    bool to_be) {
  if (o == op::END) {
    // b_in is the width constant.
    u64 w = b_in.value();
    if (a_in.is_const()) return Scalar::constant(alu_concrete(o, is64, a_in.value(), w, 0, to_be));
    if (!to_be && !is64) {
      if (w == 64) return a_in;
      Scalar trunc = Scalar::urange(0, (1ULL << w) - 1);
      if (a_in.umax <= trunc.umax) return a_in;
      return trunc;
    }
    return w == 64 ? Scalar::top() : Scalar::urange(0, (1ULL << w) - 1);
  }
  const bool unary = (o == op::NEG);
  if (a_in.is_const() && (unary || b_in.is_const()))
    return Scalar::constant(alu_concrete(o, is64, a_in.value(), unary ? 0 : b_in.value(), off));
  if (is64) return alu64(o, a_in, b_in, off, to_be);
  Scalar a = a_in.truncated32(), b = b_in.truncated32();
  if (is_signed_alu(o, off)) {
    // Signed 32-bit views equal the unsigned ones only below 2^31.
    bool a_pos = a.umax <= 0x7fffffffULL, b_pos = b.umax <= 0x7fffffffULL;
    if (o == op::MOV) return movsx64(b, off).truncated32();
    if (o == op::ARSH && a_pos) return shift64(op::RSH, a, b.is_const() ? Scalar::constant(b.value() & 31) : b);
    if (a_pos && b_pos) return alu64(o, a, b, 0, to_be).truncated32();
    return Scalar::u32_top();
  }
  Scalar bb = b;
  if ((o == op::LSH || o == op::RSH) && b.is_const()) bb = Scalar::constant(b.value() & 31);
  return alu64(o, a, bb, off, to_be).truncated32();
}

bool cond_concrete(u8 o, bool is32, u64 a, u64 b) {
  if (is32) {
    a &= 0xffffffffULL;
    b &= 0xffffffffULL;
  }
  s64 sa = is32 ? static_cast<s32>(a) : static_cast<s64>(a);
  s64 sb = is32 ? static_cast<s32>(b) : static_cast<s64>(b);
  switch (o) {
    case op::JEQ: return a == b;
    case op::JNE: return a != b;
    case op::JGT: return a > b;
    case op::JGE: return a >= b;
    case op::JLT: return a < b;
    case op::JLE: return a <= b;
    case op::JSET: return (a & b) != 0;
    case op::JSGT: return sa > sb;
    case op::JSGE: return sa >= sb;
    case op::JSLT: return sa < sb;
    case op::JSLE: return sa <= sb;
  }
  UPS_UNREACHABLE();
}

namespace {

constexpr u8 kJnset = 0xf0;  // internal: (a & b) == 0

u8 negate(u8 o) {
  switch (o) {
    case op::JEQ: return op::JNE;
    case op::JNE: return op::JEQ;
    case op::JGT: return op::JLE;
    case op::JLE: return op::JGT;
    case op::JGE: return op::JLT;
    case op::JLT: return op::JGE;
    case op::JSGT: return op::JSLE;
    case op::JSLE: return op::JSGT;
    case op::JSGE: return op::JSLT;
    case op::JSLT: return op::JSGE;
    case op::JSET: return kJnset;
  }
  UPS_UNREACHABLE();
}

// a > b (strict) or a >= b, unsigned.
bool refine_ugt(Scalar& a, Scalar& b, bool strict) {
  u64 d = strict ? 1 : 0;
  if (strict && (b.umin == ~0ULL || a.umax == 0)) return false;
  a.umin = std::max(a.umin, b.umin + d);
  b.umax = std::min(b.umax, a.umax - d);
  return a.sync() && b.sync();
}
bool refine_sgt(Scalar& a, Scalar& b, bool strict) {
  s64 d = strict ? 1 : 0;
  if (strict && (b.smin == kSMax || a.smax == kSMin)) return false;
  a.smin = std::max(a.smin, b.smin + d);
  b.smax = std::min(b.smax, a.smax - d);
  return a.sync() && b.sync();
}
bool refine_ne(Scalar& a, const Scalar& b) {
  if (!b.is_const()) return true;
  u64 v = b.value();
  if (a.is_const()) return a.value() != v;
  if (a.umin == v) a.umin++;
  if (a.umax == v) a.umax--;
  if (a.smin == static_cast<s64>(v)) a.smin++;
  if (a.smax == static_cast<s64>(v)) a.smax--;
  return a.sync();
}

bool refine64(u8 o, Scalar& a, Scalar& b) {
  switch (o) {
    case op::JEQ: {
      Scalar m;
      if (!a.meet(b, m)) return false;
      a = b = m;
      return true;
    }
    case op::JNE: return refine_ne(a, b) && refine_ne(b, a);
    case op::JGT: return refine_ugt(a, b, true);
    case op::JGE: return refine_ugt(a, b, false);
    case op::JLT: return refine_ugt(b, a, true);
    case op::JLE: return refine_ugt(b, a, false);
    case op::JSGT: return refine_sgt(a, b, true);
    case op::JSGE: return refine_sgt(a, b, false);
    case op::JSLT: return refine_sgt(b, a, true);
    case op::JSLE: return refine_sgt(b, a, false);
    case op::JSET:
      if (b.is_const()) {
        u64 m = b.value();
        if ((a.bits.max() & m) == 0) return false;
        if (__builtin_popcountll(m) == 1 && (a.bits.mask & m)) {
          a.bits.value |= m;
          a.bits.mask &= ~m;
          return a.sync();
        }
      }
      return true;
    case kJnset:
      if (b.is_const()) {
        u64 m = b.value();
        if (a.bits.value & m) return false;
        a.bits.mask &= ~m;
        return a.sync();
      }
      return true;
  }
  UPS_UNREACHABLE();
}

bool is_signed_cond(u8 o) {
  return o == op::JSGT || o == op::JSGE || o == op::JSLT || o == op::JSLE;
}

// A signed 32-bit comparison: it sees each value's low half as an int,
// whatever the upper half holds; the narrowed int ranges flow back into
// the 64-bit ranges through sync().
bool refine_signed32(u8 o, Scalar& a, Scalar& b) {
  Scalar x = Scalar::srange(a.s32min, a.s32max), y = Scalar::srange(b.s32min, b.s32max);
  if (!refine64(o, x, y)) return false;
  a.s32min = x.smin;
  a.s32max = x.smax;
  b.s32min = y.smin;
  b.s32max = y.smax;
  return a.sync() && b.sync();
}

}  // namespace

bool refine_cond(u8 o, bool is32, bool taken, Scalar& a, Scalar& b) {
  if (a.is_const() && b.is_const()) return cond_concrete(o, is32, a.value(), b.value()) == taken;
  u8 eff = taken ? o : negate(o);
  if (!is32) return refine64(eff, a, b);
  // A 32-bit comparison sees the low halves: a signed one their int views;
  // an unsigned one, when both values already fit in them (zero-extended
  // results of 32-bit ops), is the 64-bit one.
  constexpr u64 lim = 0xffffffffULL;
  // A constant (a sign-extended immediate) is compared by its low half; a
  // constant stays what it is, so only the other side is narrowed.
  Scalar av = a.is_const() ? a.truncated32() : a, bv = b.is_const() ? b.truncated32() : b;
  auto keep = [&](bool feasible) {
    if (!a.is_const()) a = av;
    if (!b.is_const()) b = bv;
    return feasible;
  };
  if (is_signed_cond(o)) return keep(refine_signed32(eff, av, bv));
  if (av.umax <= lim && bv.umax <= lim) return keep(refine64(eff, av, bv));
  // Otherwise compare the truncated views only to decide feasibility.
  Scalar ta = a.truncated32(), tb = b.truncated32();
  if (ta.umax <= lim && tb.umax <= lim) return refine64(eff, ta, tb);
  return true;
}

}  // namespace ups::verifier
