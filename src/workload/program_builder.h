// ProgramBuilder: writes behaviour programs from C++ (presets, tests,
// benchmarks, generated workloads) with the same instructions a workload
// file gives.
//   Program p = ProgramBuilder().forever().compute(Distribution::constant(kNsPerMs))
//                  .sleep(Distribution::exponential(100 * kNsPerUs)).end().build();
#pragma once

#include <vector>

#include "base/assert.h"
#include "workload/behaviour.h"

namespace ups::workload {

class ProgramBuilder {
public:
  ProgramBuilder& compute(Distribution d) { return timed(OpCode::compute, d); }
  ProgramBuilder& sleep(Distribution d) { return timed(OpCode::sleep, d); }
  ProgramBuilder& wait(u32 event) { return op(OpCode::wait, event); }
  ProgramBuilder& signal(u32 event, u32 count = 1) { return op(OpCode::signal, event, count); }
  ProgramBuilder& send(u32 channel, u32 count = 1) { return op(OpCode::send, channel, count); }
  ProgramBuilder& recv(u32 channel) { return op(OpCode::recv, channel); }
  ProgramBuilder& spin(u32 event) { return op(OpCode::spin, event); }
  ProgramBuilder& poll_recv(u32 channel, Distribution burst, Distribution period) {
    p_.dists.push_back(burst);
    p_.dists.push_back(period);
    return op(OpCode::poll_recv, channel, static_cast<u32>(p_.dists.size() - 2));
  }
  ProgramBuilder& fork(u32 group, u32 count = 1) { return op(OpCode::fork, group, count); }
  ProgramBuilder& yield() { return op(OpCode::yield); }
  ProgramBuilder& user_half(u32 half) { return op(OpCode::user_half, half); }
  ProgramBuilder& begin() { return op(OpCode::begin); }
  ProgramBuilder& complete() { return op(OpCode::complete); }
  ProgramBuilder& exit() { return op(OpCode::exit); }
  ProgramBuilder& repeat(u32 count) {  // count 0 = forever; close with end()
    UPS_ASSERT(open_.size() < kMaxLoopDepth);
    Instr in;
    in.op = OpCode::repeat;
    in.arg = count;
    in.depth = static_cast<u8>(open_.size());
    p_.code.push_back(in);
    open_.push_back(static_cast<u32>(p_.code.size()));
    return *this;
  }
  ProgramBuilder& forever() { return repeat(0); }
  ProgramBuilder& end() {
    UPS_ASSERT(!open_.empty());
    Instr in;
    in.op = OpCode::end_repeat;
    in.arg2 = open_.back();
    open_.pop_back();
    in.depth = static_cast<u8>(open_.size());
    p_.code.push_back(in);
    return *this;
  }
  Program build() {
    UPS_ASSERT(open_.empty());
    return p_;
  }

private:
  ProgramBuilder& op(OpCode o, u32 arg = 0, u32 arg2 = 0) {
    Instr in;
    in.op = o;
    in.arg = arg;
    in.arg2 = arg2;
    p_.code.push_back(in);
    return *this;
  }
  ProgramBuilder& timed(OpCode o, Distribution d) {
    p_.dists.push_back(d);
    return op(o, static_cast<u32>(p_.dists.size() - 1));
  }
  Program p_;
  std::vector<u32> open_;
};

}  // namespace ups::workload
