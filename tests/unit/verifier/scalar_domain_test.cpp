// The Scalar domain's transfer functions are sound: for random abstract
// values and random members of them, the concrete result of every ALU
// operation lies in the abstract result, and every concrete branch outcome
// is kept by the refinement of that branch.
#include <gtest/gtest.h>

#include "base/rng.h"
#include "bpf/insn.h"
#include "verifier/domain/scalar_ops.h"

namespace ups::verifier {
namespace {

namespace op = bpf::op;

// A random abstract value and a random member of it.
struct Sample {
  Scalar abs;
  u64 member;
};

u64 interesting(Rng& rng) {
  static const u64 edges[] = {0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff,
                              0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1};
  if (rng.chance(0.4)) return edges[rng.uniform(0, std::size(edges) - 1)];
  if (rng.chance(0.5)) return rng.uniform(0, 64);
  return rng.next_u64() >> rng.uniform(0, 63);
}

Sample sample(Rng& rng) {
  u64 a = interesting(rng), b = interesting(rng);
  if (rng.chance(0.3)) b = a;
  if (rng.chance(0.5) && rng.chance(0.5)) {
    // A signed range.
    s64 lo = static_cast<s64>(a), hi = static_cast<s64>(b);
    if (lo > hi) std::swap(lo, hi);
    Scalar s = Scalar::srange(lo, hi);
    u64 m = static_cast<u64>(lo) + rng.uniform(0, std::min<u64>(static_cast<u64>(hi) - static_cast<u64>(lo), 1000));
    if (rng.chance(0.5)) m = static_cast<u64>(hi);
    if (!s.contains(m)) m = static_cast<u64>(lo);
    return {s, m};
  }
  if (a > b) std::swap(a, b);
  Scalar s = Scalar::urange(a, b);
  if (rng.chance(0.3)) {
    // Known bits from a mask.
    u64 mask = interesting(rng);
    s = Scalar::urange(0, ~0ULL);
    s.bits = Tnum{a & ~mask, mask};
    s.sync();
    u64 m = (a & ~mask) | (rng.next_u64() & mask);
    return {s, m};
  }
  u64 m = a + rng.uniform(0, std::min<u64>(b - a, 1000));
  if (rng.chance(0.3)) m = b;
  return {s, m};
}

TEST(ScalarDomain, AluResultsContainConcreteResults) {
  Rng rng(42);
  const u8 ops[] = {op::ADD, op::SUB, op::MUL, op::DIV, op::OR,  op::AND,  op::LSH,
                    op::RSH, op::NEG, op::MOD, op::XOR, op::MOV, op::ARSH};
  for (int i = 0; i < 200000; ++i) {
    Sample a = sample(rng), b = sample(rng);
    ASSERT_TRUE(a.abs.contains(a.member));
    ASSERT_TRUE(b.abs.contains(b.member));
    u8 o = ops[rng.uniform(0, std::size(ops) - 1)];
    bool is64 = rng.chance(0.5);
    s16 off = 0;
    if ((o == op::DIV || o == op::MOD) && rng.chance(0.4)) off = 1;
    if (o == op::MOV && rng.chance(0.4)) {
      const s16 widths[] = {8, 16, 32};
      off = widths[rng.uniform(0, 2)];
      if (!is64 && off == 32) off = 16;
    }
    u64 want = alu_concrete(o, is64, a.member, b.member, off);
    Scalar got = alu_abstract(o, is64, a.abs, b.abs, off);
    ASSERT_TRUE(got.contains(want)) << "op " << int(o) << (is64 ? " 64" : " 32") << " off " << off << ": "
                                    << a.member << " in " << a.abs.to_string() << ", " << b.member << " in "
                                    << b.abs.to_string() << " gives " << want << ", not in " << got.to_string();
  }
}

TEST(ScalarDomain, ByteSwapsContainConcreteResults) {
  Rng rng(7);
  for (int i = 0; i < 20000; ++i) {
    Sample a = sample(rng);
    const u64 widths[] = {16, 32, 64};
    u64 w = widths[rng.uniform(0, 2)];
    bool is64 = rng.chance(0.3), be = rng.chance(0.5);
    u64 want = alu_concrete(op::END, is64, a.member, w, 0, be);
    Scalar got = alu_abstract(op::END, is64, a.abs, Scalar::constant(w), 0, be);
    ASSERT_TRUE(got.contains(want)) << a.member << " in " << a.abs.to_string() << " w" << w << (is64 ? " 64" : " 32")
                                    << (be ? " be" : " le") << " gives " << want << ", not in " << got.to_string();
  }
}

TEST(ScalarDomain, BranchRefinementKeepsConcreteOutcomes) {
  Rng rng(3);
  const u8 conds[] = {op::JEQ, op::JNE, op::JGT, op::JGE, op::JLT, op::JLE,
                      op::JSET, op::JSGT, op::JSGE, op::JSLT, op::JSLE};
  for (int i = 0; i < 200000; ++i) {
    Sample a = sample(rng), b = sample(rng);
    if (rng.chance(0.3)) b = {Scalar::constant(b.member), b.member};
    u8 c = conds[rng.uniform(0, std::size(conds) - 1)];
    bool is32 = rng.chance(0.3);
    bool taken = cond_concrete(c, is32, a.member, b.member);
    Scalar ra = a.abs, rb = b.abs;
    ASSERT_TRUE(refine_cond(c, is32, taken, ra, rb))
        << "op " << int(c) << " lost a feasible branch: " << a.member << " in " << a.abs.to_string() << " vs "
        << b.member << " in " << b.abs.to_string();
    ASSERT_TRUE(ra.contains(a.member) && rb.contains(b.member))
        << "op " << int(c) << (is32 ? " 32" : " 64") << " taken=" << taken << ": " << a.member << " in "
        << a.abs.to_string() << " -> " << ra.to_string() << "; " << b.member << " in " << b.abs.to_string()
        << " -> " << rb.to_string();
  }
}

TEST(ScalarDomain, JoinAndMeetAreBounds) {
  Rng rng(11);
  for (int i = 0; i < 50000; ++i) {
    Sample a = sample(rng), b = sample(rng);
    Scalar j = a.abs.join(b.abs);
    ASSERT_TRUE(a.abs.subset_of(j) && b.abs.subset_of(j));
    Scalar m;
    if (a.abs.meet(b.abs, m)) {
      ASSERT_TRUE(m.subset_of(a.abs) && m.subset_of(b.abs));
    }
    if (b.abs.contains(a.member)) {
      ASSERT_TRUE(a.abs.meet(b.abs, m));
      ASSERT_TRUE(m.contains(a.member));
    }
  }
}

TEST(ScalarDomain, TruncationContainsLowHalf) {
  Rng rng(5);
  for (int i = 0; i < 50000; ++i) {
    Sample a = sample(rng);
    ASSERT_TRUE(a.abs.truncated32().contains(a.member & 0xffffffffULL)) << a.abs.to_string();
  }
}

TEST(ScalarDomain, DivisionFollowsRfc9669) {
  EXPECT_EQ(alu_concrete(op::DIV, true, 10, 0, 0), 0u);
  EXPECT_EQ(alu_concrete(op::MOD, true, 10, 0, 0), 10u);
  EXPECT_EQ(alu_concrete(op::MOD, false, 0x1000000010ULL, 0, 0), 0x10u);  // upper half zeroed
  const u64 min64 = 0x8000000000000000ULL;
  EXPECT_EQ(alu_concrete(op::DIV, true, min64, ~0ULL, 1), min64);  // INT64_MIN s/ -1
  EXPECT_EQ(alu_concrete(op::MOD, true, min64, ~0ULL, 1), 0u);
  EXPECT_EQ(alu_concrete(op::DIV, false, 0x80000000u, 0xffffffffu, 1), 0x80000000u);
  EXPECT_EQ(alu_concrete(op::DIV, true, static_cast<u64>(-7), 2, 1), static_cast<u64>(-3));
  EXPECT_EQ(alu_concrete(op::MOD, true, static_cast<u64>(-7), 2, 1), static_cast<u64>(-1));
}

}  // namespace
}  // namespace ups::verifier
