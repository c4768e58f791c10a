// End to end: BPF bytecode run by the interpreter calls the helpers through
// the helper table, with real maps linked as the loader links them: map
// handles are Map*, PSEUDO_FUNC loads give the callback's instruction index,
// bpf_loop calls back into the running program and a timer fires its
// callback as a new run when the environment's clock reaches it.
#if UPS_HAVE_VM
#include <vector>

#include "bpf/helpers/timer_table.h"
#include "helper_test_util.h"
#include "vm/interpreter.h"
#include "vm/threaded_program.h"

namespace ups::bpf {
namespace {

using namespace op;

// Small builders for the instructions the programs below need.
Insn mov(u8 dst, s32 imm) { return Insn::make(ALU64 | MOV | K, dst, 0, 0, imm); }
Insn movr(u8 dst, u8 src) { return Insn::make(ALU64 | MOV | X, dst, src, 0, 0); }
Insn add(u8 dst, s32 imm) { return Insn::make(ALU64 | ADD | K, dst, 0, 0, imm); }
Insn addr(u8 dst, u8 src) { return Insn::make(ALU64 | ADD | X, dst, src, 0, 0); }
Insn mul(u8 dst, s32 imm) { return Insn::make(ALU64 | MUL | K, dst, 0, 0, imm); }
Insn ldx(u8 dst, u8 src, s16 off) { return Insn::make(LDX | MEM | DW, dst, src, off, 0); }
Insn stx(u8 dst, u8 src, s16 off) { return Insn::make(STX | MEM | DW, dst, src, off, 0); }
Insn st(u8 dst, s16 off, s32 imm) { return Insn::make(ST | MEM | DW, dst, 0, off, imm); }
Insn stw(u8 dst, s16 off, s32 imm) { return Insn::make(ST | MEM | W, dst, 0, off, imm); }
Insn jne(u8 dst, s32 imm, s16 off) { return Insn::make(JMP | JNE | K, dst, 0, off, imm); }
Insn jeq(u8 dst, s32 imm, s16 off) { return Insn::make(JMP | JEQ | K, dst, 0, off, imm); }
Insn call(HelperId id) { return Insn::make(JMP | CALL, 0, 0, 0, static_cast<s32>(id)); }
Insn exit_insn() { return Insn::make(JMP | EXIT, 0, 0, 0, 0); }
// lddw with a pseudo source: two slots.
void lddw(std::vector<Insn>& c, u8 dst, u8 pseudo, s32 imm) {
  c.push_back(Insn::make(LD | IMM | DW, dst, pseudo, 0, imm));
  c.push_back(Insn::make(0, 0, 0, 0, 0));
}
// r<dst> = the subprogram at instruction `target` (PSEUDO_FUNC: relative).
void ld_func(std::vector<Insn>& c, u8 dst, std::size_t target) {
  lddw(c, dst, PSEUDO_FUNC, static_cast<s32>(target) - static_cast<s32>(c.size()) - 1);
}

// bpf_loop(10, cb, &ctx, 0) with a callback that adds the index to *ctx and
// stops at index 4: Linux returns 5 calls and ctx = 0+1+2+3+4.
TEST(HelpersInVm, BpfLoopRunsTheCallbackInTheProgram) {
  std::vector<Insn> c;
  c.push_back(st(10, -8, 0));
  c.push_back(mov(1, 10));
  const std::size_t fixup = c.size();
  ld_func(c, 2, 0);  // patched below
  c.push_back(movr(3, 10));
  c.push_back(add(3, -8));
  c.push_back(mov(4, 0));
  c.push_back(call(HelperId::loop));
  c.push_back(movr(6, 0));
  c.push_back(ldx(0, 10, -8));
  c.push_back(mul(0, 1000));
  c.push_back(addr(0, 6));
  c.push_back(exit_insn());
  const std::size_t cb = c.size();
  c[fixup].imm = static_cast<s32>(cb - fixup - 1);
  c.push_back(ldx(3, 2, 0));  // r1 = index, r2 = ctx
  c.push_back(addr(3, 1));
  c.push_back(stx(2, 3, 0));
  c.push_back(mov(0, 0));
  c.push_back(jne(1, 4, 1));
  c.push_back(mov(0, 1));
  c.push_back(exit_insn());

  ExternTable externs = make_helper_table();
  auto prog = vm::ThreadedProgram::prepare(c, vm::LinkInputs{{}, {}, &externs});
  ASSERT_TRUE(prog.has_value()) << prog.error().to_string();
  vm::Interpreter interp(*prog);
  ManualHelperEnv env;
  CallContext ctx;
  ctx.env = &env;
  vm::RunResult r = interp.run(ctx);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, 10u * 1000 + 5);
}

// A program looks up element 0 of an array { u64 count; struct bpf_timer t; },
// initialises the timer, sets a callback that counts firings and re-arms
// every 1000 ns until the count reaches 3, and starts it.
TEST(HelpersInVm, TimerCallbackRunsOnTheEnvironmentClock) {
  auto map = test::new_map(MapType::array, 4, 24, 1, 0, /*timer_off=*/8);
  std::vector<Insn> c;
  c.push_back(stw(10, -4, 0));
  lddw(c, 1, PSEUDO_MAP_IDX, 0);
  c.push_back(movr(2, 10));
  c.push_back(add(2, -4));
  c.push_back(call(HelperId::map_lookup_elem));
  c.push_back(jeq(0, 0, 0));  // to `out`, patched below
  const std::size_t null_check = c.size() - 1;
  c.push_back(movr(6, 0));
  c.push_back(movr(1, 6));
  c.push_back(add(1, 8));
  lddw(c, 2, PSEUDO_MAP_IDX, 0);
  c.push_back(mov(3, static_cast<s32>(kClockMonotonic)));
  c.push_back(call(HelperId::timer_init));
  c.push_back(movr(1, 6));
  c.push_back(add(1, 8));
  const std::size_t fixup = c.size();
  ld_func(c, 2, 0);
  c.push_back(call(HelperId::timer_set_callback));
  c.push_back(movr(1, 6));
  c.push_back(add(1, 8));
  c.push_back(mov(2, 1000));
  c.push_back(mov(3, 0));
  c.push_back(call(HelperId::timer_start));
  const std::size_t out = c.size();
  c[null_check].off = static_cast<s16>(out - null_check - 1);
  c.push_back(exit_insn());  // returns timer_start's result (or 0 if no element)
  const std::size_t cb = c.size();
  c[fixup].imm = static_cast<s32>(cb - fixup - 1);
  // callback(r1 = map, r2 = key, r3 = value)
  c.push_back(ldx(4, 3, 0));
  c.push_back(add(4, 1));
  c.push_back(stx(3, 4, 0));
  c.push_back(mov(0, 0));
  c.push_back(jeq(4, 3, 6));  // stop after the third firing
  c.push_back(movr(1, 3));
  c.push_back(add(1, 8));
  c.push_back(mov(2, 1000));
  c.push_back(mov(3, 0));
  c.push_back(call(HelperId::timer_start));
  c.push_back(mov(0, 0));
  c.push_back(exit_insn());

  ExternTable externs = make_helper_table();
  void* handles[] = {map.get()};
  auto prog = vm::ThreadedProgram::prepare(c, vm::LinkInputs{handles, {}, &externs});
  ASSERT_TRUE(prog.has_value()) << prog.error().to_string();
  vm::Interpreter interp(*prog);
  ManualHelperEnv env;
  CallContext ctx;
  ctx.env = &env;
  vm::RunResult r = interp.run(ctx);
  ASSERT_TRUE(r.ok()) << r.trap.to_string();
  EXPECT_EQ(r.r0, 0u);
  EXPECT_EQ(env.pending_timers(), 1u);
  u32 k = 0;
  auto* value = static_cast<u64*>(map->lookup(&k, 0));
  EXPECT_EQ(env.advance_to(999), 0);
  EXPECT_EQ(value[0], 0u);
  EXPECT_EQ(env.advance_to(100000), 3);
  EXPECT_EQ(value[0], 3u);
  EXPECT_TRUE(env.last_fault().empty()) << env.last_fault();
  EXPECT_EQ(env.pending_timers(), 0u);
}

}  // namespace
}  // namespace ups::bpf
#endif  // UPS_HAVE_VM
