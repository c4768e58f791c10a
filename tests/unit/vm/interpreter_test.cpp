// Interpreter behaviour beyond the conformance suite: linking of maps and
// externs, bpf-to-bpf calls and their frames, callbacks through the
// SubprogInvoker, the traps, and CHECKED mode's region checks.
#include <gtest/gtest.h>

#include <string>

#include "assemble_or_die.h"
#include "bpf/isa/assembler.h"
#include "vm/interpreter.h"

namespace ups::vm {
namespace {

using bpf::CallContext;
using bpf::Insn;

ThreadedProgram prepare_or_die(const std::vector<Insn>& code, const LinkInputs& link = {}) {
  auto p = ThreadedProgram::prepare(code, link);
  EXPECT_TRUE(p) << p.error().to_string();
  return p ? std::move(*p) : ThreadedProgram{};
}

RunResult run_text(const std::string& text, u64 r1 = 0, u64 r2 = 0, const LinkInputs& link = {}) {
  const ThreadedProgram p = prepare_or_die(asm_or_die(text), link);
  Interpreter interp(p);
  CallContext ctx;
  return interp.run(ctx, r1, r2);
}

struct Case {
  const char* name;
  const char* text;
  u64 r1;
  u64 expected;
};

class Semantics : public ::testing::TestWithParam<Case> {};

TEST_P(Semantics, R0IsAsRfc9669Says) {
  const RunResult r = run_text(GetParam().text, GetParam().r1);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, GetParam().expected) << std::hex << r.r0;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9669, Semantics,
    ::testing::Values(
        Case{"div_by_zero_is_zero", "mov %r0, 7\nmov %r2, 0\ndiv %r0, %r2\nexit", 0, 0},
        Case{"mod_by_zero_keeps_dst", "mov %r0, 7\nmov %r2, 0\nmod %r0, %r2\nexit", 0, 7},
        Case{"mod32_by_zero_zero_extends", "lddw %r0, 0x1ffffffff\nmov %r2, 0\nmod32 %r0, %r2\nexit", 0, 0xffffffff},
        Case{"div32_by_zero_zero_extends", "lddw %r0, 0x1ffffffff\ndiv32 %r0, 0\nexit", 0, 0},
        Case{"sdiv_intmin_by_minus_one_wraps", "lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit", 0,
             0x8000000000000000},
        Case{"smod_truncates", "mov %r0, -7\nsmod %r0, 2\nexit", 0, static_cast<u64>(-1)},
        Case{"alu32_zero_extends", "mov %r0, -1\nadd32 %r0, 1\nexit", 0, 0},
        Case{"mov32_zero_extends", "mov %r0, -1\nmov32 %r0, %r0\nexit", 0, 0xffffffff},
        Case{"shift_masks_count", "mov %r0, 1\nlsh %r0, 65\nexit", 0, 2},
        Case{"arsh32", "mov32 %r0, -8\narsh32 %r0, 1\nexit", 0, 0xfffffffc},
        Case{"movsx816", "mov %r1, 0x80\nmovsx864 %r0, %r1\nexit", 0, 0xffffffffffffff80},
        Case{"ldxsb", "stb [%r10-1], 0x80\nldxsb %r0, [%r10-1]\nexit", 0, 0xffffffffffffff80},
        Case{"bswap16_truncates", "lddw %r0, 0x1122334455667788\nbswap16 %r0\nexit", 0, 0x8877},
        Case{"le32_truncates", "lddw %r0, 0x1122334455667788\nle32 %r0\nexit", 0, 0x55667788},
        Case{"jmp32_ignores_high_bits", "lddw %r1, 0x100000000\nmov %r0, 1\njeq32 %r1, 0, +1\nmov %r0, 2\nexit",
             0, 1},
        Case{"cmpxchg_returns_old", "stdw [%r10-8], 5\nmov %r0, 5\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\n"
                                    "ldxdw %r2, [%r10-8]\nlsh %r0, 8\nor %r0, %r2\nexit",
             0, 0x509},
        Case{"loop_sum", "mov %r0, 0\nloop:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, loop\nexit", 100, 5050}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Interpreter, LocalCallsGetTheirOwnFrameAndKeepR6ToR9) {
  const RunResult r = run_text(R"(
      mov %r6, 6
      stdw [%r10-8], 11
      mov %r1, 30
      call local f
      ldxdw %r2, [%r10-8]    # caller's slot untouched by f's store
      add %r0, %r2
      add %r0, %r6
      exit
    f:
      stdw [%r10-8], 99
      mov %r6, 1000
      mov %r0, %r1
      exit
  )");
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, 30u + 11 + 6);
}

TEST(Interpreter, RecursionDeeperThanEightFramesTraps) {
  const RunResult r = run_text("call local f\nexit\nf:\ncall local f\nexit\n");
  EXPECT_EQ(r.trap.kind, TrapKind::call_depth);
  EXPECT_EQ(r.trap.pc, 2u);
}

TEST(Interpreter, BackEdgeBudgetStopsALongLoop) {
  const ThreadedProgram p = prepare_or_die(asm_or_die("loop:\nja loop\nexit\n"));
  Interpreter interp(p);
  interp.set_backedge_budget(1000);
  CallContext ctx;
  const RunResult r = interp.run(ctx);
  EXPECT_EQ(r.trap.kind, TrapKind::budget);
  EXPECT_EQ(r.trap.pc, 0u);
}

u64 add_all(CallContext&, u64 a, u64 b, u64 c, u64 d, u64 e) { return a + b + c + d + e; }
u64 kfunc_times_two(CallContext&, u64 a, u64, u64, u64, u64) { return a * 2; }
u64 aborting(CallContext& ctx, u64, u64, u64, u64, u64) {
  ctx.abort = true;
  return 0;
}
// bpf_loop-like: calls the callback at instruction r2, r1 times, with (i, r3).
u64 loop_helper(CallContext& ctx, u64 n, u64 callback, u64 arg, u64, u64) {
  u64 sum = 0;
  for (u64 i = 0; i < n && !ctx.abort; ++i) sum += ctx.invoker->invoke(static_cast<u32>(callback), i, arg, 0, 0, 0);
  return sum;
}

TEST(Interpreter, HelpersAndKfuncsAreCalledThroughTheTable) {
  bpf::ExternTable ext;
  ext.helpers = {nullptr, add_all};
  ext.kfuncs = {kfunc_times_two};
  LinkInputs link;
  link.externs = &ext;
  auto code = asm_or_die("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 1\nmov %r1, %r0\n"
                         "call 0\nexit\n");
  code[7] = Insn::make(0x85, 0, bpf::op::CALL_KFUNC, 0, 0);  // kfunc #0
  const ThreadedProgram p = prepare_or_die(code, link);
  Interpreter interp(p);
  CallContext ctx;
  const RunResult r = interp.run(ctx);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, 30u);
}

TEST(Interpreter, UnknownExternsFailToLinkNamingTheInstruction) {
  bpf::ExternTable ext;
  ext.helpers = {nullptr, add_all};
  LinkInputs link;
  link.externs = &ext;
  auto p = ThreadedProgram::prepare(asm_or_die("mov %r0, 0\ncall 7\nexit\n"), link);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().to_string(), "instruction 1: call to unknown helper 7");
  auto code = asm_or_die("call 0\nexit\n");
  code[0] = Insn::make(0x85, 0, bpf::op::CALL_KFUNC, 0, 3);
  p = ThreadedProgram::prepare(code, link);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().to_string(), "instruction 0: call to unknown kfunc 3");
}

TEST(Interpreter, AnExternCanAbortTheRun) {
  bpf::ExternTable ext;
  ext.helpers = {aborting};
  LinkInputs link;
  link.externs = &ext;
  const RunResult r = run_text("mov %r0, 1\ncall 0\nmov %r0, 2\nexit\n", 0, 0, link);
  EXPECT_EQ(r.trap.kind, TrapKind::aborted);
  EXPECT_EQ(r.trap.pc, 1u);
}

TEST(Interpreter, HelpersCallBpfCallbacksThroughTheInvoker) {
  bpf::ExternTable ext;
  ext.helpers = {loop_helper};
  LinkInputs link;
  link.externs = &ext;
  auto code = asm_or_die(R"(
      mov %r6, 7
      mov %r1, 4
      lddw %r2, 0          # patched below to PSEUDO_FUNC -> cb
      mov %r3, 100
      call 0
      add %r0, %r6         # r6 survives the callbacks
      exit
    cb:
      mov %r6, 0           # callee's r6 is its own
      stdw [%r10-8], 1     # callback has its own frame
      mov %r0, %r1
      add %r0, %r2
      exit
  )");
  code[2] = Insn::make(0x18, 2, bpf::op::PSEUDO_FUNC, 0, 8 - 3);  // slot 8 = cb
  const ThreadedProgram p = prepare_or_die(code, link);
  Interpreter interp(p);
  CallContext ctx;
  const RunResult r = interp.run(ctx);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, (0 + 1 + 2 + 3) + 4 * 100 + 7u);
}

TEST(Interpreter, ATrapInsideACallbackStopsTheOuterRunAndNamesTheCallback) {
  bpf::ExternTable ext;
  ext.helpers = {loop_helper};
  LinkInputs link;
  link.externs = &ext;
  auto code = asm_or_die("mov %r1, 3\nlddw %r2, 0\ncall 0\nexit\ncb:\nldxdw %r0, [%r2+0]\nexit\n");
  code[1] = Insn::make(0x18, 2, bpf::op::PSEUDO_FUNC, 0, 5 - 2);
  const ThreadedProgram p = prepare_or_die(code, link);
  Interpreter interp(p);
  CallContext ctx;
  RegionSet none;
  const RunResult r = interp.run_checked(none, ctx);
  EXPECT_EQ(r.trap.kind, TrapKind::out_of_bounds);
  EXPECT_EQ(r.trap.pc, 5u);
  EXPECT_FALSE(r.trap.write);
}

TEST(Interpreter, MapReferencesLinkToTheCallersAddresses) {
  u64 map_handle = 0;
  u64 values[4] = {0, 0, 42, 0};
  void* maps[] = {nullptr, &map_handle};
  void* map_values[] = {nullptr, values};
  LinkInputs link;
  link.maps = maps;
  link.map_values = map_values;
  std::vector<Insn> code = {Insn::make(0x18, 1, bpf::op::PSEUDO_MAP_IDX, 0, 1), Insn{},
                            Insn::make(0x18, 2, bpf::op::PSEUDO_MAP_IDX_VALUE, 0, 1), Insn::make(0, 0, 0, 0, 16),
                            Insn::make(0x79, 0, 2, 0, 0),  // r0 = *(u64 *)(r2 + 0)
                            Insn::make(0x95, 0, 0, 0, 0)};
  const ThreadedProgram p = prepare_or_die(code, link);
  EXPECT_EQ(p.insns()[0].imm, reinterpret_cast<u64>(&map_handle));
  Interpreter interp(p);
  CallContext ctx;
  EXPECT_EQ(interp.run(ctx).r0, 42u);

  void* no_values[] = {nullptr};
  link.map_values = no_values;
  auto bad = ThreadedProgram::prepare(code, link);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), "instruction 2: map index 1 has no value area");
}

TEST(Interpreter, CheckedModeTrapsInsteadOfTouchingUnregisteredMemory) {
  u8 ctx_bytes[16] = {};
  u8 ro_bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  const ThreadedProgram p = prepare_or_die(asm_or_die(R"(
      ldxdw %r0, [%r2+0]     # read-only region: reading is fine
      stxdw [%r1+8], %r0     # writable: fine
      stxdw [%r1+9], %r0     # one byte past the end
      exit
  )"));
  RegionSet regions;
  regions.add(ctx_bytes, sizeof ctx_bytes, true);
  regions.add(ro_bytes, sizeof ro_bytes, false);
  Interpreter interp(p);
  CallContext ctx;
  const RunResult r =
      interp.run_checked(regions, ctx, reinterpret_cast<u64>(ctx_bytes), reinterpret_cast<u64>(ro_bytes));
  EXPECT_EQ(r.trap.kind, TrapKind::out_of_bounds);
  EXPECT_EQ(r.trap.pc, 2u);
  EXPECT_EQ(r.trap.addr, reinterpret_cast<u64>(ctx_bytes) + 9);
  EXPECT_EQ(r.trap.size, 8);
  EXPECT_TRUE(r.trap.write);
  EXPECT_EQ(r.executed, 3u);
  EXPECT_EQ(ctx_bytes[8], 1);  // the good store happened

  const ThreadedProgram w = prepare_or_die(asm_or_die("stb [%r1+0], 1\nexit\n"));
  Interpreter wi(w);
  EXPECT_EQ(wi.run_checked(regions, ctx, reinterpret_cast<u64>(ro_bytes)).trap.kind, TrapKind::out_of_bounds);
  EXPECT_EQ(ro_bytes[0], 1);
}

TEST(Interpreter, CheckedModeAllowsOnlyLiveStackFrames) {
  RegionSet none;
  CallContext ctx;
  const ThreadedProgram ok = prepare_or_die(asm_or_die("stdw [%r10-512], 1\nldxdw %r0, [%r10-512]\nexit\n"));
  Interpreter a(ok);
  EXPECT_TRUE(a.run_checked(none, ctx).ok());
  const ThreadedProgram below = prepare_or_die(asm_or_die("stdw [%r10-520], 1\nexit\n"));
  Interpreter b(below);
  EXPECT_EQ(b.run_checked(none, ctx).trap.kind, TrapKind::out_of_bounds);
  const ThreadedProgram above = prepare_or_die(asm_or_die("ldxb %r0, [%r10+0]\nexit\n"));
  Interpreter c(above);
  EXPECT_EQ(c.run_checked(none, ctx).trap.kind, TrapKind::out_of_bounds);
  // A callee may read its caller's frame (pointers to stack are passed down).
  const ThreadedProgram callee = prepare_or_die(
      asm_or_die("stdw [%r10-8], 5\nmov %r1, %r10\nsub %r1, 8\ncall local f\nexit\nf:\nldxdw %r0, [%r1+0]\nexit\n"));
  Interpreter d(callee);
  const RunResult r = d.run_checked(none, ctx);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, 5u);
}

TEST(Interpreter, CallxToAnUnknownIdTraps) {
  bpf::ExternTable ext;
  ext.helpers = {add_all};
  LinkInputs link;
  link.externs = &ext;
  const RunResult r = run_text("mov %r2, 9\ncall %r2\nexit\n", 0, 0, link);
  EXPECT_EQ(r.trap.kind, TrapKind::bad_call);
  EXPECT_EQ(r.trap.addr, 9u);
  EXPECT_EQ(r.trap.to_string(), "instruction 1: callx to unknown helper 9");
}

TEST(Interpreter, RunCallbackOutsideARunIsATopLevelRunAtTheEntry) {
  const ThreadedProgram p = prepare_or_die(asm_or_die("mov %r0, 1\nexit\ncb:\nmov %r0, %r1\nadd %r0, %r2\nexit\n"));
  Interpreter interp(p);
  CallContext ctx;
  EXPECT_EQ(interp.run_callback(ctx, 2, 40, 2, 0, 0, 0), 42u);
  EXPECT_FALSE(ctx.abort);
  // An entry outside the program traps; the trap is reported through abort.
  EXPECT_EQ(interp.run_callback(ctx, 99, 0, 0, 0, 0, 0), 0u);
  EXPECT_TRUE(ctx.abort);
}

// A host accepts stack arguments (iterators, out-parameters) by asking the
// invoker running the code for its stack: every frame's r10 lies in it,
// for a run and for a timer callback run outside one.
TEST(Interpreter, ItsStackHoldsEveryFramePointer) {
  const ThreadedProgram p = prepare_or_die(asm_or_die("mov %r0, %r10\nexit\ncb:\nmov %r0, %r10\nsub %r0, 8\nexit\n"));
  Interpreter interp(p);
  const bpf::SubprogInvoker& invoker = interp;
  const u64 lo = reinterpret_cast<u64>(invoker.stack().data());
  const u64 hi = lo + invoker.stack().size();
  EXPECT_EQ(invoker.stack().size(), size_t{bpf::kMaxCallDepth} * bpf::kStackSize);
  CallContext ctx;
  const u64 top = interp.run(ctx).r0;
  EXPECT_GT(top, lo);
  EXPECT_LE(top, hi);
  const u64 slot = interp.run_callback(ctx, 2, 0, 0, 0, 0, 0);
  EXPECT_GE(slot, lo);
  EXPECT_LT(slot, hi);
}

TEST(Interpreter, OneProgramServesManyInterpretersAndRepeatedRuns) {
  const ThreadedProgram p = prepare_or_die(asm_or_die("mov %r0, %r1\nmul %r0, %r1\nexit\n"));
  Interpreter a(p), b(p);
  CallContext ctx;
  for (u64 i = 0; i < 10; ++i) {
    EXPECT_EQ(a.run(ctx, i).r0, i * i);
    EXPECT_EQ(b.run(ctx, i + 1).r0, (i + 1) * (i + 1));
  }
  EXPECT_EQ(ctx.invoker, nullptr);  // restored after each run
}

}  // namespace
}  // namespace ups::vm
