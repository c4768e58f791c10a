// The executor seam: linking is backend-neutral (subprogram entries, host
// functions and map addresses resolved once), a backend's code is shared by
// executors, an executor runs one program at a time (one per thread), and
// the conformance runner runs whatever backend it is handed.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "assemble_or_die.h"
#include "bpf/isa/assembler.h"
#include "vm/conformance.h"
#include "vm/interpreter.h"
#include "vm/linked_program.h"
#include "vm/threaded_program.h"

namespace ups::vm {
namespace {

using bpf::CallContext;
using bpf::Insn;

u64 add_args(CallContext&, u64 a, u64 b, u64, u64, u64) { return a + b; }

TEST(LinkedProgram, ListsEverySubprogramEntry) {
  // slot 0-1: r2 = callback at slot 7 (PSEUDO_FUNC, patched below);
  // slot 3: bpf-to-bpf call to slot 5.
  auto code = asm_or_die(
      "lddw %r2, 0\nmov %r0, 0\ncall local f\nexit\n"
      "f:\nmov %r0, 1\nexit\n"
      "cb:\nmov %r0, 2\nexit\n");
  ASSERT_EQ(code.size(), 9u);
  code[0].set_src(bpf::op::PSEUDO_FUNC);
  code[0].imm = 7 - 0 - 1;  // relative: target = pc + imm + 1
  auto linked = LinkedProgram::link(code);
  ASSERT_TRUE(linked) << linked.error().to_string();
  EXPECT_EQ(linked->slots(), 9u);
  EXPECT_EQ(linked->subprogram_entries(), (std::vector<u32>{0, 5, 7}));
  EXPECT_EQ(linked->insns().front().value, 7u);  // the callback's slot, as invoke() takes it
}

TEST(LinkedProgram, ResolvesHostFunctionsAndMapAddresses) {
  bpf::ExternTable ext;
  ext.helpers = {nullptr, add_args};
  u64 map_value[4] = {};
  void* handle = &ext;  // any address: the handle is opaque to the code
  void* const maps[] = {handle};
  void* const values[] = {map_value};
  auto code = asm_or_die("lddw %r1, 0\nlddw %r2, 8\ncall 1\nexit\n");
  code[0].set_src(bpf::op::PSEUDO_MAP_IDX);
  code[2].set_src(bpf::op::PSEUDO_MAP_IDX_VALUE);
  code[2].imm = 0;
  code[3].imm = 8;  // offset into the value area
  auto linked = LinkedProgram::link(code, LinkInputs{maps, values, &ext});
  ASSERT_TRUE(linked) << linked.error().to_string();
  ASSERT_EQ(linked->insns().size(), 4u);
  EXPECT_EQ(linked->insns()[0].value, reinterpret_cast<u64>(handle));
  EXPECT_EQ(linked->insns()[1].value, reinterpret_cast<u64>(map_value) + 8);
  EXPECT_EQ(linked->insns()[2].target, &add_args);
  EXPECT_EQ(linked->helpers().size(), 2u);
}

TEST(LinkedProgram, AnUnknownHelperIsALinkErrorNamingTheInstruction) {
  auto linked = LinkedProgram::link(asm_or_die("mov %r0, 0\ncall 7\nexit\n"));
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().message, "call to unknown helper 7");
  EXPECT_EQ(linked.error().where.what, "instruction 1");
}

// Sum of i*i for i < r1, each square computed by a subprogram from a
// stack slot: the run uses two frames and their stack.
constexpr const char* kSumOfSquares =
    "mov %r6, %r1\nmov %r7, 0\nmov %r8, 0\njeq %r6, 0, done\n"
    "loop:\nstxdw [%r10-8], %r7\nmov %r1, %r10\nsub %r1, 8\ncall local sq\nadd %r8, %r0\n"
    "add %r7, 1\njlt %r7, %r6, loop\n"
    "done:\nmov %r0, %r8\nexit\n"
    "sq:\nldxdw %r0, [%r1+0]\nmul %r0, %r0\nexit\n";

u64 sum_of_squares(u64 n) { return n == 0 ? 0 : (n - 1) * n * (2 * n - 1) / 6; }

TEST(Executor, OneExecutorPerThreadRunsOneSharedProgramAtOnce) {
  auto linked = LinkedProgram::link(asm_or_die(kSumOfSquares));
  ASSERT_TRUE(linked) << linked.error().to_string();
  auto code = interpreter_backend(*linked);
  ASSERT_TRUE(code) << code.error().to_string();
  const ExecutableProgram& shared = **code;
  constexpr int kThreads = 4;
  std::vector<u64> wrong(kThreads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      const std::unique_ptr<Executor> mine = shared.new_executor();
      CallContext ctx;
      for (u64 i = 0; i < 2000; ++i) {
        const u64 n = (i * 7 + static_cast<u64>(t) * 13) % 97;
        const RunResult r = mine->run(ctx, n);
        if (!r.ok() || r.r0 != sum_of_squares(n)) ++wrong[static_cast<size_t>(t)];
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[static_cast<size_t>(t)], 0u) << "thread " << t;
}

// A helper that starts a top-level run of the executor running it: the
// nested run would reuse the frames of the run in progress.
u64 rerun_same_executor(CallContext& ctx, u64, u64, u64, u64, u64) {
  static_cast<Executor*>(ctx.host)->run(ctx);
  return 0;
}

TEST(ExecutorDeathTest, StartingARunWhileOneIsInProgressIsABug) {
  bpf::ExternTable ext;
  ext.helpers = {rerun_same_executor};
  auto program = ThreadedProgram::prepare(asm_or_die("call 0\nexit\n"), LinkInputs{{}, {}, &ext});
  ASSERT_TRUE(program) << program.error().to_string();
  const std::unique_ptr<Executor> executor = program->new_executor();
  CallContext ctx;
  ctx.host = executor.get();
  EXPECT_DEATH(executor->run(ctx), "ctx_ == nullptr");
}

TEST(Executor, ConfinedRunsAreCheckedAndCounted) {
  auto program = ThreadedProgram::prepare(asm_or_die("stb [%r1+0], 1\nmov %r0, 3\nexit\n"));
  ASSERT_TRUE(program) << program.error().to_string();
  const std::unique_ptr<Executor> executor = program->new_executor();
  u8 byte = 0, other = 0;
  RegionSet regions;
  regions.add(&byte, 1, true);
  CallContext ctx;
  ASSERT_TRUE(executor->confine(&regions));
  const RunResult in = executor->run(ctx, reinterpret_cast<u64>(&byte));
  ASSERT_TRUE(in.ok()) << in.trap.to_string();
  // A guard without a sandbox: the counting CHECKED loop (a sandboxed
  // guard's runs, a confined policy's, count nothing, as the JIT's).
  EXPECT_EQ(in.executed, 3u);
  EXPECT_EQ(executor->run(ctx, reinterpret_cast<u64>(&other)).trap.kind, TrapKind::out_of_bounds);
  EXPECT_EQ(other, 0);
  ASSERT_TRUE(executor->confine(nullptr));
  const RunResult fast = executor->run(ctx, reinterpret_cast<u64>(&other));
  EXPECT_TRUE(fast.ok());
  EXPECT_EQ(fast.executed, 0u);  // the fast loop counts nothing
  EXPECT_EQ(other, 1);
}

Result<std::unique_ptr<ExecutableProgram>> refusing_backend(const LinkedProgram&) {
  return make_error(ErrorKind::unsupported, "this backend refuses everything");
}

TEST(Executor, TheConformanceRunnerRunsTheBackendItIsGiven) {
  u8 memory[1] = {};
  const auto code = asm_or_die("mov %r0, 5\nexit\n");
  auto r0 = run_conformance_program(code, memory, ExecMode::fast, interpreter_backend);
  ASSERT_TRUE(r0) << r0.error().to_string();
  EXPECT_EQ(*r0, 5u);
  auto refused = run_conformance_program(code, memory, ExecMode::fast, refusing_backend);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "this backend refuses everything");
}

}  // namespace
}  // namespace ups::vm
