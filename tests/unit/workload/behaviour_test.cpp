// The cursor walks loops the number of times they say, forever loops
// forever, and a finished program ends.
#include "workload/behaviour.h"

#include <gtest/gtest.h>

#include "workload/program_builder.h"

namespace ups::workload {
namespace {

std::vector<OpCode> trace(const Program& p, int max_steps) {
  TaskCursor cur;
  std::vector<OpCode> ops;
  for (int i = 0; i < max_steps; ++i) {
    const Instr* in = next_action(p, cur);
    if (!in) break;
    ops.push_back(in->op);
  }
  return ops;
}

TEST(Behaviour, RepeatRunsItsCount) {
  Program p = ProgramBuilder().repeat(3).compute(Distribution::constant(1)).end().exit().build();
  auto ops = trace(p, 100);
  EXPECT_EQ(ops, (std::vector<OpCode>{OpCode::compute, OpCode::compute, OpCode::compute,
                                      OpCode::exit}));
}

TEST(Behaviour, NestedLoopsMultiply) {
  Program p = ProgramBuilder()
                  .repeat(4).signal(0).repeat(5).compute(Distribution::constant(1)).end().end()
                  .build();
  auto ops = trace(p, 1000);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), OpCode::compute), 20);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), OpCode::signal), 4);
}

TEST(Behaviour, ForeverNeverEnds) {
  Program p = ProgramBuilder().forever().sleep(Distribution::constant(1)).end().build();
  EXPECT_EQ(trace(p, 500).size(), 500u);
}

TEST(Behaviour, EndOfProgramIsNull) {
  Program p = ProgramBuilder().compute(Distribution::constant(1)).build();
  TaskCursor cur;
  EXPECT_NE(next_action(p, cur), nullptr);
  EXPECT_EQ(next_action(p, cur), nullptr);
  EXPECT_EQ(next_action(p, cur), nullptr);
}

}  // namespace
}  // namespace ups::workload
