// The JIT backend as an executor: every trap the interpreter raises, raised
// by JITed code at the same instruction with the same details; nested
// callback runs; CHECKED mode; W^X code pages freed with the program;
// constant blinding; one executor per thread over one shared program.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bpf/isa/assembler.h"
#include "bpf/maps/arena_map.h"
#include "jit/default_backend.h"
#include "jit/jit_program.h"
#include "vm/linked_program.h"
#include "vm/region_set.h"
#include "vm/threaded_program.h"

namespace ups::jit {
namespace {

using bpf::CallContext;
using bpf::Insn;

std::vector<Insn> asm_or_die(const std::string& text) {
  auto code = bpf::assemble(text);
  EXPECT_TRUE(code) << code.error().to_string();
  return code ? *code : std::vector<Insn>{};
}

// How a program's run went on one backend: r0 and the trap, its address
// as an offset from the top of the executor's stack where it is near it
// (each executor has its own stack).
struct Ran {
  vm::RunResult r;
  std::string trap;
};

std::string trap_text(const vm::RunResult& r, const vm::Executor& e) {
  if (r.ok()) return "";
  vm::Trap t = r.trap;
  const u64 top = reinterpret_cast<u64>(e.stack().data() + e.stack().size());
  const bool near_stack = t.addr + 8192 >= top && t.addr <= top + 8192;
  if (near_stack) t.addr -= top;
  return (near_stack ? "[stack top + offset] " : "") + t.to_string();
}

struct RunSetup {
  const bpf::ExternTable* externs = nullptr;
  const vm::MemoryGuard* guard = nullptr;
  u64 budget = ~u64{0};
  u64 r1 = 0;
  u32 entry = 0;
  const bpf::ArenaMap* arena = nullptr;
};

Ran run_on(vm::Backend backend_of, const std::vector<Insn>& code, const RunSetup& s) {
  vm::LinkInputs in{{}, {}, s.externs};
  if (s.arena) {
    in.arena_base = reinterpret_cast<u64>(s.arena->base());
    in.arena_user = s.arena->user_vm_start();
  }
  auto linked = vm::LinkedProgram::link(code, in);
  EXPECT_TRUE(linked) << linked.error().to_string();
  if (!linked) return {};
  auto program = backend_of(*linked);
  EXPECT_TRUE(program) << program.error().to_string();
  if (!program) return {};
  const auto exec = (*program)->new_executor();
  exec->set_backedge_budget(s.budget);
  if (s.guard) exec->confine(s.guard);
  CallContext ctx;
  Ran out;
  out.r = exec->run_at(s.entry, ctx, s.r1);
  out.trap = trap_text(out.r, *exec);
  return out;
}

// Runs on the interpreter and the JIT; expects the same result and returns the JIT's.
Ran same_as_interpreter(const std::vector<Insn>& code, const RunSetup& s = {}) {
  const Ran want = run_on(vm::interpreter_backend, code, s);
  const Ran got = run_on(backend, code, s);
  EXPECT_EQ(got.trap, want.trap);
  EXPECT_EQ(got.r.r0, want.r.r0);
  EXPECT_EQ(got.r.trap.pc, want.r.trap.pc);
  return got;
}

TEST(Jit, ComputesWhatTheInterpreterComputes) {
  const Ran r = same_as_interpreter(asm_or_die(
                                        "mov %r6, %r1\nmov %r7, 0\nmov %r8, 0\n"
                                        "loop:\nstxdw [%r10-8], %r7\nmov %r1, %r10\nsub %r1, 8\ncall local sq\n"
                                        "add %r8, %r0\nadd %r7, 1\njlt %r7, %r6, loop\n"
                                        "mov %r0, %r8\nexit\n"
                                        "sq:\nldxdw %r0, [%r1+0]\nmul %r0, %r0\nexit\n"),
                                    RunSetup{.r1 = 10});
  EXPECT_EQ(r.trap, "");
  EXPECT_EQ(r.r.r0, 285u);  // 0 + 1 + 4 + ... + 81
}

bpf::MapDef arena_def() {
  bpf::MapDef d;
  d.name = "arena";
  d.type = bpf::MapType::arena;
  d.max_entries = 16;
  d.map_flags = bpf::BPF_F_MMAPABLE;
  d.map_extra = u64{1} << 44;
  return d;
}

TEST(Jit, ArenaAccessesGoToTheArenaAsTheInterpreterMakesThem) {
  bpf::ArenaMap arena(arena_def(), 1);
  const u64 page = arena.alloc_pages(0, 1);
  ASSERT_EQ(page, u64{1} << 44);
  // r1 the page's user address, cast to the kernel's form; a store and a
  // load through it, a load far outside any page (reads 0), and both
  // casts to the user's form (NULL, and so the arena's offset 0, stays NULL).
  const std::string text =
      "lddw %r1, 0x100000000000\naddr_space_cast %r1, %r1, 0, 1\n"
      "lddw %r2, 0x1234\narena_stxdw [%r1+8], %r2\narena_sth [%r1+16], -1\n"
      "arena_ldxdw %r0, [%r1+8]\narena_ldxh %r3, [%r1+16]\nadd %r0, %r3\n"
      "lddw %r4, 0xdeadbeef00abc000\narena_ldxdw %r5, [%r4-8]\nadd %r0, %r5\n"
      "mov %r6, %r1\nadd %r6, 4096\naddr_space_cast %r6, %r6, 1, 0\nmov %r7, 0\naddr_space_cast %r7, %r7, 1, 0\n"
      "add %r0, %r7\nrsh %r6, 40\nadd %r0, %r6\nexit\n";
  const Ran r = same_as_interpreter(asm_or_die(text), RunSetup{.arena = &arena});
  EXPECT_EQ(r.trap, "");
  EXPECT_EQ(r.r.r0, 0x1234u + 0xffffu + 16u);  // 1 << 44 >> 40 = 16
  u64 stored = 0;
  std::memcpy(&stored, arena.base() + 8, sizeof stored);
  EXPECT_EQ(stored, 0x1234u);  // at the arena's offset 8, where the page is
}

TEST(Jit, MayGotoFallsThroughUntilTheFramesBudgetIsSpent) {
  // Each frame has its own budget: f counts to it twice, the caller's
  // may_goto has spent one unit.
  const std::string text =
      "may_goto done\ncall local f\nmov %r6, %r0\ncall local f\nadd %r0, %r6\ndone:\nexit\n"
      "f:\nmov %r0, 0\nloop:\nmay_goto out\nadd %r0, 1\nja loop\nout:\nexit\n";
  const Ran r = same_as_interpreter(asm_or_die(text));
  EXPECT_EQ(r.trap, "");
  EXPECT_EQ(r.r.r0, 2 * bpf::kMayGotoBudget);
}

TEST(Jit, EachRunThroughTheCallbackTrampolineStartsWithAFullMayGotoBudget) {
  // Frame 0 spends its whole budget in each run; a trampoline that did not
  // refill it would fall out of the second run's loop at once.
  auto linked = vm::LinkedProgram::link(
      asm_or_die("mov %r0, 0\nloop:\nmay_goto out\nadd %r0, 1\nja loop\nout:\nexit\n"), vm::LinkInputs{});
  ASSERT_TRUE(linked) << linked.error().to_string();
  auto jit = backend(*linked);
  ASSERT_TRUE(jit);
  const auto j = (*jit)->new_executor();
  j->set_backedge_budget(4 * bpf::kMayGotoBudget);
  CallContext ctx;
  for (int round = 0; round < 2; ++round) {
    const vm::RunResult r = j->run(ctx, 0);
    EXPECT_TRUE(r.ok()) << "round " << round;
    EXPECT_EQ(r.r0, bpf::kMayGotoBudget) << "round " << round;
  }
}

TEST(Jit, AnExhaustedBackEdgeBudgetTrapsAtTheJump) {
  const Ran r = same_as_interpreter(asm_or_die("mov %r0, 0\nloop:\nadd %r0, 1\nja loop\n"), RunSetup{.budget = 100});
  EXPECT_EQ(r.r.trap.kind, vm::TrapKind::budget);
  EXPECT_EQ(r.r.trap.pc, 2u);
  EXPECT_EQ(r.r.r0, 100u);  // r0 as it was at the trap
}

TEST(Jit, TooDeepRecursionTrapsAtTheCall) {
  const Ran r = same_as_interpreter(asm_or_die("f:\nadd %r0, 1\ncall local f\nexit\n"));
  EXPECT_EQ(r.r.trap.kind, vm::TrapKind::call_depth);
  EXPECT_EQ(r.r.trap.pc, 1u);
  EXPECT_EQ(r.r.r0, static_cast<u64>(bpf::kMaxCallDepth));  // one add per frame
}

u64 add_args(CallContext&, u64 a, u64 b, u64 c, u64 d, u64 e) { return a + 2 * b + 3 * c + 4 * d + 5 * e; }
u64 abort_call(CallContext& ctx, u64, u64, u64, u64, u64) {
  ctx.abort = true;
  return 7;
}

TEST(Jit, HelpersGetTheirArgumentsAndAnAbortTrapsAtTheCall) {
  bpf::ExternTable ext;
  ext.helpers = {add_args, abort_call};
  const Ran ok = same_as_interpreter(
      asm_or_die("mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\ncall 0\nexit\n"), RunSetup{.externs = &ext});
  EXPECT_EQ(ok.trap, "");
  EXPECT_EQ(ok.r.r0, 1u + 4 + 9 + 16 + 25);
  const Ran aborted = same_as_interpreter(asm_or_die("mov %r0, 1\ncall 1\nmov %r0, 2\nexit\n"), RunSetup{.externs = &ext});
  EXPECT_EQ(aborted.r.trap.kind, vm::TrapKind::aborted);
  EXPECT_EQ(aborted.r.trap.pc, 1u);
}

// Slot 0 runs through the callback trampoline (r1-r5 in registers, its own
// frame, depth and trap setup), any other slot through the general entry:
// one executor alternating between them, fast and CHECKED, after a trap
// and after a clean run, computes and traps as the interpreter does.
TEST(Jit, TheCallbackTrampolineAndTheGeneralEntryRunAlikeOnOneExecutor) {
  // Slot 0: r1 + 2 r2 + 3 r3 + 4 r4 + 5 r5, through the stack; with r1 == 99
  // a loop that spends the back-edge budget (a trap at instruction 15).
  // Slot 12: r1 * 7.
  const auto code = asm_or_die(
      "jeq %r1, 99, bad\n"
      "mul %r2, 2\nmul %r3, 3\nmul %r4, 4\nmul %r5, 5\n"
      "add %r1, %r2\nadd %r1, %r3\nadd %r1, %r4\nadd %r1, %r5\n"
      "stxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit\n"
      "mov %r0, %r1\nmul %r0, 7\nexit\n"
      "bad:\nja bad\n");
  auto linked = vm::LinkedProgram::link(code, vm::LinkInputs{});
  ASSERT_TRUE(linked) << linked.error().to_string();
  vm::RegionSet regions;  // none: the stack alone
  for (const bool checked : {false, true}) {
    SCOPED_TRACE(checked ? "CHECKED" : "fast");
    auto jit = backend(*linked);
    auto interp = vm::interpreter_backend(*linked);
    ASSERT_TRUE(jit && interp);
    const auto j = (*jit)->new_executor();
    const auto i = (*interp)->new_executor();
    if (checked) {
      j->confine(&regions);
      i->confine(&regions);
    }
    j->set_backedge_budget(1000);
    i->set_backedge_budget(1000);
    CallContext ctx;
    for (int round = 0; round < 2; ++round) {
      const vm::RunResult a = j->run(ctx, 1, 2, 3, 4, 5);
      EXPECT_TRUE(a.ok());
      EXPECT_EQ(a.r0, 1u + 4 + 9 + 16 + 25);
      const vm::RunResult t = j->run(ctx, 99);
      const vm::RunResult want = i->run(ctx, 99);
      EXPECT_EQ(t.trap.kind, want.trap.kind);
      EXPECT_EQ(t.trap.pc, want.trap.pc);
      EXPECT_EQ(t.trap.kind, vm::TrapKind::budget);
      EXPECT_EQ(t.trap.pc, 15u);
      const vm::RunResult b = j->run_at(12, ctx, 6);
      EXPECT_TRUE(b.ok());
      EXPECT_EQ(b.r0, 42u);
    }
  }
}

TEST(Jit, CallxToAnUnknownHelperTrapsNamingTheId) {
  bpf::ExternTable ext;
  ext.helpers = {add_args};
  const Ran known = same_as_interpreter(asm_or_die("mov %r1, 3\nmov %r2, 0\nmov %r8, 0\ncall %r8\nexit\n"),
                                        RunSetup{.externs = &ext});
  EXPECT_EQ(known.trap, "");
  const Ran unknown = same_as_interpreter(asm_or_die("mov %r8, 9\ncall %r8\nexit\n"), RunSetup{.externs = &ext});
  EXPECT_EQ(unknown.r.trap.kind, vm::TrapKind::bad_call);
  EXPECT_EQ(unknown.r.trap.addr, 9u);
  EXPECT_EQ(unknown.r.trap.pc, 1u);
}

TEST(Jit, AnEntryOutsideTheProgramIsABadCall) {
  const Ran r = same_as_interpreter(asm_or_die("mov %r0, 1\nexit\n"), RunSetup{.entry = 5});
  EXPECT_EQ(r.r.trap.kind, vm::TrapKind::bad_call);
}

TEST(Jit, CheckedModeTrapsOnAnAccessOutsideTheRegionsAtTheSameInstruction) {
  alignas(8) u8 mem[16] = {};
  vm::RegionSet regions;
  regions.add(mem, sizeof mem, false);
  const auto code = asm_or_die(
      "ldxdw %r0, [%r1+8]\nstxdw [%r10-8], %r0\nldxdw %r2, [%r10-8]\nldxw %r3, [%r1+14]\nexit\n");
  const Ran r = same_as_interpreter(code, RunSetup{.guard = &regions, .r1 = reinterpret_cast<u64>(mem)});
  EXPECT_EQ(r.r.trap.kind, vm::TrapKind::out_of_bounds);
  EXPECT_EQ(r.r.trap.pc, 3u);
  EXPECT_EQ(r.r.trap.addr, reinterpret_cast<u64>(mem) + 14);
  EXPECT_EQ(r.r.trap.size, 4);
  // A store into a read-only region is a write trap.
  const Ran w = same_as_interpreter(asm_or_die("stw [%r1+0], 1\nexit\n"),
                                    RunSetup{.guard = &regions, .r1 = reinterpret_cast<u64>(mem)});
  EXPECT_EQ(w.r.trap.kind, vm::TrapKind::out_of_bounds);
  EXPECT_TRUE(w.r.trap.write);
  EXPECT_EQ(mem[0], 0);
  // Above the stack's top is outside too.
  const Ran above = same_as_interpreter(asm_or_die("ldxb %r0, [%r10+0]\nexit\n"), RunSetup{.guard = &regions});
  EXPECT_EQ(above.r.trap.kind, vm::TrapKind::out_of_bounds);
}

// A guard with a sandbox (as a confined policy's, policy/sandbox.h): a
// read-only part and a writable one after it, the executor's stack inside
// the writable one, and no regions besides.
class SandboxGuard final : public vm::MemoryGuard {
public:
  SandboxGuard() {
    const u64 b = reinterpret_cast<u64>(mem_);
    span_ = SandboxSpan{b, kReadOnly + kWritable, b + kReadOnly, kWritable};
    sandbox_ = &span_;
  }
  Span region_of(u64, u64, bool) const override { return {}; }
  u64 generation() const override { return 0; }
  u8* stack_memory(std::size_t bytes) const override {
    EXPECT_LE(bytes, kWritable - 64);
    return mem_ + kReadOnly + 64;
  }
  u8* read_only() { return mem_; }
  u8* writable() { return mem_ + kReadOnly; }
  static constexpr u64 kReadOnly = 64, kWritable = 16384;

private:
  SandboxSpan span_;
  alignas(16) mutable u8 mem_[kReadOnly + kWritable + 64] = {};
};

TEST(Jit, WithASandboxLoadsReachBothPartsStoresOnlyTheWritableOneAndTheStackIsInside) {
  SandboxGuard guard;
  const u64 ro = reinterpret_cast<u64>(guard.read_only());
  guard.read_only()[8] = 7;
  // r1: the read-only part. Reads it, writes the writable part after it,
  // and uses the stack (inside the writable part): all allowed.
  const Ran ok = same_as_interpreter(
      asm_or_die("ldxdw %r2, [%r1+8]\nstxdw [%r1+64], %r2\nstxdw [%r10-8], %r2\nldxdw %r0, [%r10-8]\n"
                 "ldxdw %r3, [%r1+64]\nadd %r0, %r3\nexit\n"),
      RunSetup{.guard = &guard, .r1 = ro});
  EXPECT_TRUE(ok.r.ok()) << ok.trap;
  EXPECT_EQ(ok.r.r0, 14u);
  // A store into the read-only part traps, as a write.
  const Ran w = same_as_interpreter(asm_or_die("stdw [%r1+8], 1\nexit\n"), RunSetup{.guard = &guard, .r1 = ro});
  EXPECT_EQ(w.r.trap.kind, vm::TrapKind::out_of_bounds);
  EXPECT_TRUE(w.r.trap.write);
  EXPECT_EQ(guard.read_only()[8], 7);
  // Below the sandbox and past its end, loads trap too.
  const std::string past_end = "lddw %r2, " + std::to_string(SandboxGuard::kReadOnly + SandboxGuard::kWritable) +
                               "\nadd %r1, %r2\nldxb %r0, [%r1+0]\nexit\n";
  for (const std::string& text : {std::string("ldxdw %r0, [%r1-8]\nexit\n"), past_end}) {
    const Ran r = same_as_interpreter(asm_or_die(text), RunSetup{.guard = &guard, .r1 = ro});
    EXPECT_EQ(r.r.trap.kind, vm::TrapKind::out_of_bounds) << text;
    EXPECT_FALSE(r.r.trap.write) << text;
  }
}

// bpf_loop: calls the callback (a PSEUDO_FUNC entry) r1 times.
u64 loop_helper(CallContext& ctx, u64 n, u64 cb, u64 cb_ctx, u64, u64) {
  u64 i = 0;
  for (; i < n; ++i) {
    ctx.invoker->invoke(static_cast<u32>(cb), i, cb_ctx, 0, 0, 0);
    if (ctx.abort) break;
  }
  return i;
}

std::vector<Insn> loop_program(const char* callback_body) {
  auto code = asm_or_die(std::string("mov %r1, 5\nlddw %r2, 0\nmov %r3, %r10\nsub %r3, 8\nstdw [%r10-8], 0\n"
                                     "call 0\nldxdw %r0, [%r10-8]\nexit\n"
                                     "cb:\n") +
                         callback_body);
  code[1].set_src(bpf::op::PSEUDO_FUNC);
  code[1].imm = 9 - 1 - 1;  // the callback's slot, relative
  return code;
}

TEST(Jit, CallbacksRunNestedAndTheirTrapsAreReportedAtTheirInstruction) {
  bpf::ExternTable ext;
  ext.helpers = {loop_helper};
  // The callback adds its index to the caller's stack slot: 0+1+2+3+4.
  const Ran sum = same_as_interpreter(loop_program("ldxdw %r3, [%r2+0]\nadd %r3, %r1\nstxdw [%r2+0], %r3\n"
                                                   "mov %r0, 0\nexit\n"),
                                      RunSetup{.externs = &ext});
  EXPECT_EQ(sum.trap, "");
  EXPECT_EQ(sum.r.r0, 10u);
  // In CHECKED mode the callback may touch its caller's frame but not what is above the stack.
  vm::RegionSet none;
  const Ran checked = same_as_interpreter(loop_program("ldxdw %r3, [%r2+0]\nadd %r3, %r1\nstxdw [%r2+0], %r3\n"
                                                       "ldxdw %r4, [%r2+8]\nmov %r0, 0\nexit\n"),
                                          RunSetup{.externs = &ext, .guard = &none});
  EXPECT_EQ(checked.r.trap.kind, vm::TrapKind::out_of_bounds);
  EXPECT_EQ(checked.r.trap.pc, 12u);  // the callback's load, not the helper call
}

// The permissions of the mapping holding `p` in /proc/self/maps ("r-xp"), or "".
std::string permissions_of(const void* p) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto a = reinterpret_cast<uintptr_t>(p);
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi) return perms;
  }
  return "";
}

TEST(Jit, CodeIsReadExecuteNeverWritableAndFreedWithTheProgram) {
  auto linked = vm::LinkedProgram::link(asm_or_die("mov %r0, 1\nexit\n"));
  ASSERT_TRUE(linked);
  auto program = JitProgram::compile(*linked);
  ASSERT_TRUE(program) << program.error().to_string();
  const void* fast = (*program)->fast().entry(0);
  const void* checked = (*program)->checked().entry(0);
  EXPECT_EQ(permissions_of(fast), "r-xp");
  EXPECT_EQ(permissions_of(checked), "r-xp");
  program->reset();
  EXPECT_EQ(permissions_of(fast), "");
}

bool contains(std::span<const u8> code, u32 value) {
  const u8 bytes[4] = {static_cast<u8>(value), static_cast<u8>(value >> 8), static_cast<u8>(value >> 16),
                       static_cast<u8>(value >> 24)};
  return std::search(code.begin(), code.end(), bytes, bytes + 4) != code.end();
}

TEST(Jit, BlindingKeepsTheProgramsConstantsOutOfTheCode) {
  const auto code = asm_or_die("mov %r0, 0x1234567\nadd %r0, 0x7654321\njeq %r0, 0x5a5a5a5, out\nlddw %r1, 0x3456789\n"
                               "stdw [%r10-8], 0x6543210\nout:\nexit\n");
  auto linked = vm::LinkedProgram::link(code);
  ASSERT_TRUE(linked);
  auto plain = JitProgram::compile(*linked, false);
  auto blind = JitProgram::compile(*linked, true);
  ASSERT_TRUE(plain && blind);
  for (u32 c : {0x1234567u, 0x7654321u, 0x5a5a5a5u, 0x3456789u, 0x6543210u}) {
    EXPECT_TRUE(contains((*plain)->fast().bytes(), c)) << std::hex << c;
    EXPECT_FALSE(contains((*blind)->fast().bytes(), c)) << std::hex << c;
  }
  const Ran want = run_on(backend, code, {});
  const Ran got = run_on(blinded_backend, code, {});
  EXPECT_EQ(got.r.r0, want.r.r0);
  EXPECT_EQ(got.r.r0, 0x1234567u + 0x7654321u);
}

TEST(Jit, OneExecutorPerThreadRunsOneSharedProgramAtOnce) {
  auto linked = vm::LinkedProgram::link(asm_or_die("mov %r0, 0\nloop:\njeq %r1, 0, out\nadd %r0, %r1\nsub %r1, 1\n"
                                                   "ja loop\nout:\nexit\n"));
  ASSERT_TRUE(linked);
  auto program = backend(*linked);
  ASSERT_TRUE(program);
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&, t] {
      const auto mine = (*program)->new_executor();
      CallContext ctx;
      for (u64 n = 0; n < 3000; ++n)
        if (mine->run(ctx, n + static_cast<u64>(t)).r0 != (n + t) * (n + t + 1) / 2) ++wrong[static_cast<size_t>(t)];
    });
  for (auto& w : workers) w.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

TEST(Jit, IsTheDefaultBackendOnX86_64) {
#if defined(__x86_64__)
  EXPECT_EQ(default_backend(), &backend);
  EXPECT_EQ(backend_for(true), &vm::interpreter_backend);
#else
  EXPECT_EQ(default_backend(), &vm::interpreter_backend);
#endif
}

}  // namespace
}  // namespace ups::jit
