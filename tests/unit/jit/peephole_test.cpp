// The JIT's peephole pass (jit/peephole.h): each rewrite on a program where
// it applies, computing what the interpreter computes (fast, CHECKED and
// blinded: backend_diff.h), and where it must not apply (a jump target
// inside the run, a sign extension after a 32-bit def, a load into r0 in
// CHECKED mode).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend_diff.h"
#include "bpf/isa/assembler.h"
#include "jit/jit_program.h"
#include "jit/peephole.h"
#include "vm/linked_program.h"
#include "vm/region_set.h"
#include "vm/threaded_program.h"

namespace ups::jit {
namespace {

std::vector<bpf::Insn> asm_or_die(const std::string& text) {
  auto code = bpf::assemble(text);
  EXPECT_TRUE(code) << code.error().to_string();
  return code ? *code : std::vector<bpf::Insn>{};
}

std::vector<Fusion> fusions_of(const std::vector<bpf::Insn>& code, PeepholeOptions options = {}) {
  auto linked = vm::LinkedProgram::link(code);
  EXPECT_TRUE(linked) << linked.error().to_string();
  return linked ? find_fusions(*linked, options) : std::vector<Fusion>{};
}

// r0 of one run of the JIT's code (fast mode), after checking that every
// JIT mode agrees with the interpreter (r0 and the frame, zeroed first:
// executors may reuse stacks).
u64 jit_r0(const std::vector<bpf::Insn>& code) {
  std::vector<bpf::Insn> zeroed;
  for (int off = -8; off >= -bpf::kStackSize; off -= 8)
    zeroed.push_back(bpf::Insn::make(bpf::op::ST | bpf::op::MEM | bpf::op::DW, 10, 0, static_cast<s16>(off), 0));
  zeroed.insert(zeroed.end(), code.begin(), code.end());
  EXPECT_EQ(test::diff_alu_program(zeroed), "");
  auto linked = vm::LinkedProgram::link(code);
  auto program = backend(*linked);
  EXPECT_TRUE(program) << program.error().to_string();
  if (!program) return 0;
  bpf::CallContext ctx;
  const vm::RunResult r = (*program)->new_executor()->run(ctx, 1, 2, 3, 4, 5);
  EXPECT_TRUE(r.ok()) << r.trap.to_string();
  return r.r0;
}

TEST(JitPeephole, AddressArithmeticEndingInALoadBecomesOneLoad) {
  const auto code = asm_or_die(
      "stdw [%r10-8], 5\nstdw [%r10-16], 6\nmov %r3, 8\n"
      "mov %r2, %r10\nadd %r2, -16\nadd %r2, %r3\nldxdw %r2, [%r2+0]\n"  // r2 = *(r10 - 16 + 8)
      "add %r3, %r2\nldxdw %r0, [%r10-16]\nadd %r0, %r3\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[3].kind, FusionKind::address);
  EXPECT_EQ(f[3].length, 4);
  EXPECT_TRUE(f[3].load);
  EXPECT_EQ(f[3].base, 10);
  EXPECT_EQ(f[3].index, 3);
  EXPECT_EQ(f[3].disp, -16);
  EXPECT_EQ(jit_r0(code), 6u + 8 + 5);
}

TEST(JitPeephole, AddressArithmeticBeforeAStoreBecomesOneLea) {
  // The address stays live (the store does not overwrite it): lea, then the store.
  const auto code = asm_or_die(
      "stdw [%r10-8], 0\nmov %r3, 8\nmov %r2, %r10\nadd %r3, 0\nadd %r2, %r3\nadd %r2, -16\n"
      "stxdw [%r2+0], %r4\nldxdw %r0, [%r10-8]\nsub %r2, %r10\nmul %r2, 100\nadd %r0, %r2\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[2].kind, FusionKind::none);  // mov r2 then an add to another register
  EXPECT_EQ(f[4].kind, FusionKind::address);
  EXPECT_EQ(f[4].length, 2);
  EXPECT_FALSE(f[4].load);
  EXPECT_EQ(jit_r0(code), static_cast<u64>(4 - 800));  // r4 stored at r10 - 8, r2 left at r10 - 8
}

TEST(JitPeephole, AShiftedDeadIndexBecomesTheOperandsScale) {
  // clang's a[i]: i <<= 3; p = r10 - 16 + i; x = *p, with i and p dead after.
  const std::string prologue = "stdw [%r10-8], 7\nstdw [%r10-16], 5\nmov %r3, 1\n";
  const std::string run = "lsh %r3, 3\nmov %r2, %r10\nadd %r2, -16\nadd %r2, %r3\nldxdw %r0, [%r2+0]\n";
  const auto dead = asm_or_die(prologue + run + "mov %r2, 0\nmov %r3, 0\nexit\n");
  const auto f = fusions_of(dead);
  EXPECT_EQ(f[3].kind, FusionKind::address);
  EXPECT_EQ(f[3].length, 5);
  EXPECT_EQ(f[3].scale, 8);
  EXPECT_TRUE(f[3].load);
  EXPECT_EQ(jit_r0(dead), 7u);
  // The shifted index read after the run: the shift stays; the load still
  // folds (its address register is dead).
  const auto live = asm_or_die(prologue + run + "add %r0, %r3\nmov %r2, 0\nexit\n");
  const auto g = fusions_of(live);
  EXPECT_EQ(g[3].kind, FusionKind::none);
  EXPECT_EQ(g[4].kind, FusionKind::address);
  EXPECT_EQ(g[4].scale, 1);
  EXPECT_TRUE(g[4].load);
  EXPECT_EQ(jit_r0(live), 7u + 8);
}

TEST(JitPeephole, AnAddressReadAfterItsLoadIsKept) {
  const auto code = asm_or_die(
      "stdw [%r10-8], 7\nmov %r2, %r10\nadd %r2, -8\nldxdw %r0, [%r2+0]\nsub %r2, %r10\nadd %r0, %r2\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[1].kind, FusionKind::address);
  EXPECT_EQ(f[1].length, 2);  // the lea only
  EXPECT_FALSE(f[1].load);
  EXPECT_EQ(jit_r0(code), static_cast<u64>(7 - 8));
}

TEST(JitPeephole, AnAddOfTheAddressToItselfIsNotAnIndex) {
  // r2 = r1; r2 += r2 doubles r1: no [r1 + r2] operand.
  const auto code = asm_or_die("mov %r2, %r1\nadd %r2, %r2\nmov %r0, %r2\nexit\n");
  EXPECT_EQ(fusions_of(code)[0].kind, FusionKind::none);
  EXPECT_EQ(jit_r0(code), 2u);
}

TEST(JitPeephole, BlindingKeepsImmediatesOutOfTheRuns) {
  const auto code = asm_or_die("mov %r2, %r10\nadd %r2, -8\nadd %r2, %r1\nmov %r0, %r2\nsub %r0, %r10\nexit\n");
  const auto plain = fusions_of(code);
  EXPECT_EQ(plain[0].length, 3);
  const auto blinded = fusions_of(code, PeepholeOptions{.blind = true});
  EXPECT_EQ(blinded[0].kind, FusionKind::none);  // mov, then add -8 alone ...
  EXPECT_EQ(blinded[1].kind, FusionKind::none);
  EXPECT_EQ(jit_r0(code), static_cast<u64>(-8 + 1));
}

TEST(JitPeephole, ALoadIntoR0IsNotFoldedInCheckedMode) {
  // A trap at the load reports r0, which the interpreter has set to the address.
  const auto code = asm_or_die("mov %r0, %r1\nadd %r0, 7\nldxdw %r0, [%r0+0]\nexit\n");
  const auto fast = fusions_of(code);
  EXPECT_TRUE(fast[0].load);
  const auto checked = fusions_of(code, PeepholeOptions{.checked = true});
  EXPECT_EQ(checked[0].kind, FusionKind::address);
  EXPECT_FALSE(checked[0].load);
  auto linked = vm::LinkedProgram::link(code);
  for (vm::Backend b : {vm::Backend{vm::interpreter_backend}, vm::Backend{backend}}) {
    auto program = b(*linked);
    ASSERT_TRUE(program);
    const auto exec = (*program)->new_executor();
    vm::RegionSet none;
    exec->confine(&none);
    bpf::CallContext ctx;
    const vm::RunResult r = exec->run(ctx, 1);
    EXPECT_EQ(r.trap.kind, vm::TrapKind::out_of_bounds);
    EXPECT_EQ(r.trap.pc, 2u);
    EXPECT_EQ(r.trap.addr, 8u);
    EXPECT_EQ(r.r0, 8u);
  }
}

TEST(JitPeephole, ARunStopsBeforeAJumpTarget) {
  const auto code = asm_or_die(
      "stdw [%r10-8], 5\nstdw [%r10-16], 6\nmov %r0, 0\nmov %r3, 8\n"
      "mov %r2, %r10\nadd %r2, -16\n"
      "mid:\nadd %r2, %r3\nldxdw %r2, [%r2+0]\n"
      "add %r0, %r2\njgt %r0, 5, +3\nmov %r2, %r10\nmov %r3, -16\nja mid\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[4].kind, FusionKind::address);
  EXPECT_EQ(f[4].length, 2);  // not into mid
  EXPECT_EQ(f[6].kind, FusionKind::address);
  EXPECT_TRUE(f[6].load);
  EXPECT_EQ(jit_r0(code), 5u + 6);
}

TEST(JitPeephole, MovThenShiftPairBecomesOneExtendingMov) {
  const auto zext = asm_or_die("lddw %r1, 0xfedcba9876543210\nmov %r0, %r1\nlsh %r0, 32\nrsh %r0, 32\n"
                               "rsh %r1, 60\nadd %r0, %r1\nexit\n");
  EXPECT_EQ(fusions_of(zext)[1].kind, FusionKind::zero_extend);
  EXPECT_EQ(jit_r0(zext), 0x76543210u + 0xf);  // r1 untouched
  const auto sext = asm_or_die("lddw %r1, 0x87654321\nmov %r0, %r1\nlsh %r0, 32\narsh %r0, 32\nexit\n");
  EXPECT_EQ(fusions_of(sext)[1].kind, FusionKind::sign_extend);
  EXPECT_EQ(jit_r0(sext), 0xffffffff87654321u);
  const auto alone = asm_or_die("lddw %r0, 0x1234567887654321\nlsh %r0, 32\narsh %r0, 32\nexit\n");
  EXPECT_EQ(fusions_of(alone)[1].kind, FusionKind::sign_extend);
  EXPECT_EQ(jit_r0(alone), 0xffffffff87654321u);
}

TEST(JitPeephole, AZeroExtensionAfterA32BitDefIsDropped) {
  for (const char* def : {"add32 %r0, 2", "ldxw %r0, [%r10-8]", "be32 %r0", "mov32 %r0, %r0"}) {
    const auto code =
        asm_or_die(std::string("stdw [%r10-8], 1\nmov %r0, -1\n") + def + "\nlsh %r0, 32\nrsh %r0, 32\nexit\n");
    const auto f = fusions_of(code);
    EXPECT_EQ(f[2].kind, FusionKind::redundant_zero_extend) << def;
    EXPECT_EQ(f[2].length, 3) << def;
    const u64 want = std::string(def).starts_with("add") ? 1 : std::string(def).starts_with("ldx") ? 1 : 0xffffffffu;
    EXPECT_EQ(jit_r0(code), want) << def;
  }
}

TEST(JitPeephole, ASignExtensionAfterA32BitDefIsKept) {
  const auto code = asm_or_die("mov32 %r0, -1\nlsh %r0, 32\narsh %r0, 32\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[0].kind, FusionKind::none);
  EXPECT_EQ(f[1].kind, FusionKind::sign_extend);
  EXPECT_EQ(jit_r0(code), ~u64{0});
}

TEST(JitPeephole, AZeroExtensionThatIsAJumpTargetIsKept) {
  // r1 = 1: the jump skips the add32 and lands on the shifts, with the upper half set.
  const auto code =
      asm_or_die("mov %r0, -1\njeq %r1, 1, +1\nadd32 %r0, 2\nlsh %r0, 32\nrsh %r0, 32\nexit\n");
  const auto f = fusions_of(code);
  EXPECT_EQ(f[2].kind, FusionKind::none);
  EXPECT_EQ(f[3].kind, FusionKind::zero_extend);
  EXPECT_EQ(jit_r0(code), 0xffffffffu);
}

TEST(JitPeephole, ABranchOverABackwardJumpBecomesOneBranch) {
  const auto code = asm_or_die("mov %r0, 0\nloop:\nadd %r0, 1\njgt %r0, 9, +1\nja loop\nexit\n");
  EXPECT_EQ(fusions_of(code)[2].kind, FusionKind::branch_over_jump);
  EXPECT_EQ(jit_r0(code), 10u);
  // A jump landing on the `ja` keeps it an instruction of its own.
  const auto landed =
      asm_or_die("mov %r0, 0\njeq %r1, 1, back\nloop:\nadd %r0, 1\njgt %r0, 9, +1\nback:\nja loop\nexit\n");
  EXPECT_EQ(fusions_of(landed)[3].kind, FusionKind::none);
  EXPECT_EQ(jit_r0(landed), 10u);
}

// Whether `cond` holds for `v` against 0 (v already cut to the jump's width).
bool holds_against_zero(const std::string& cond, u64 v, bool is64) {
  const s64 sv = is64 ? static_cast<s64>(v) : static_cast<s32>(static_cast<u32>(v));
  if (cond == "jeq") return v == 0;
  if (cond == "jne" || cond == "jgt") return v != 0;
  if (cond == "jge") return true;
  if (cond == "jlt") return false;
  if (cond == "jle") return v == 0;
  if (cond == "jsgt") return sv > 0;
  if (cond == "jsge") return sv >= 0;
  if (cond == "jslt") return sv < 0;
  return sv <= 0;  // jsle
}

TEST(JitPeephole, ComparesAgainstZeroKeepEveryCondition) {
  // One bit per branch (shifted in, set when not taken): -5, 0x80000000
  // (negative only as 32 bits) and 0, as 64- and 32-bit jumps.
  std::string text = "mov %r1, -5\nmov32 %r6, 0x80000000\nmov %r7, 0\nmov %r0, 0\n";
  u64 want = 0;
  const std::pair<const char*, u64> regs[] = {{"%r1", static_cast<u64>(-5)}, {"%r6", 0x80000000u}, {"%r7", 0}};
  for (const auto& [reg, value] : regs)
    for (bool is64 : {true, false})
      for (const char* c : {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle"}) {
        text += std::string("lsh %r0, 1\n") + c + (is64 ? "" : "32") + " " + reg + ", 0, +1\nor %r0, 1\n";
        want = (want << 1) | (holds_against_zero(c, is64 ? value : static_cast<u32>(value), is64) ? 0 : 1);
      }
  EXPECT_EQ(jit_r0(asm_or_die(text + "exit\n")), want);
}

// Not a peephole but the same kind of rewrite (emitter.cpp's
// divide_by_constant): unsigned division by a constant as a multiply, for
// divisors at the algorithm's edges and dividends at the operand's.
TEST(JitPeephole, UnsignedDivisionByAConstantIsExact) {
  const s32 divisors[] = {1, 2, 3, 5, 7, 10, 64, 641, 0xfff1, 0x7fffffff, -1, -3, -0x7fffffff - 1, 0x12345};
  const u64 dividends[] = {0, 1, 2, 3, 9, 0xfff0, 0xfff1, 0xfff2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                           0x123456789abcdef0, 0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffffffe,
                           0xffffffffffffffff};
  for (bool is64 : {true, false})
    for (s32 d : divisors) {
      // r0 = r0 * 31 + n / d over every dividend.
      std::string text = "mov %r0, 0\n";
      u64 want = 0;
      for (u64 n : dividends) {
        text += fmt::format("lddw %r1, {:#x}\n{} %r1, {}\nmul %r0, 31\nadd %r0, %r1\n", n, is64 ? "div" : "div32", d);
        const u64 q = is64 ? n / static_cast<u64>(static_cast<s64>(d))
                           : static_cast<u32>(n) / static_cast<u32>(d);
        want = want * 31 + q;
      }
      EXPECT_EQ(jit_r0(asm_or_die(text + "exit\n")), want) << (is64 ? "div " : "div32 ") << d;
    }
}

}  // namespace
}  // namespace ups::jit
