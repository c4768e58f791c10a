#include "workload/behaviour.h"

#include "base/assert.h"

namespace ups::workload {

const char* op_name(OpCode op) {
  switch (op) {
    case OpCode::compute: return "compute";
    case OpCode::sleep: return "sleep";
    case OpCode::wait: return "wait";
    case OpCode::signal: return "signal";
    case OpCode::send: return "send";
    case OpCode::recv: return "recv";
    case OpCode::spin: return "spin";
    case OpCode::fork: return "fork";
    case OpCode::yield: return "yield";
    case OpCode::begin: return "begin";
    case OpCode::complete: return "complete";
    case OpCode::exit: return "exit";
    case OpCode::repeat: return "repeat";
    case OpCode::end_repeat: return "end_repeat";
    case OpCode::poll_recv: return "poll_recv";
    case OpCode::lock: return "lock";
    case OpCode::unlock: return "unlock";
    case OpCode::spin_lock: return "spin_lock";
    case OpCode::user_half: return "user_half";
  }
  return "?";
}

const Instr* next_action(const Program& prog, TaskCursor& cur) {
  // Validation guarantees every loop body holds at least one action, so
  // this loop visits each control instruction at most twice per action.
  while (cur.pc < prog.code.size()) {
    const Instr& in = prog.code[cur.pc];
    switch (in.op) {
      case OpCode::repeat:
        UPS_ASSERT(in.depth < kMaxLoopDepth);
        cur.loops[in.depth] = in.arg;
        ++cur.pc;
        continue;
      case OpCode::end_repeat: {
        u32& left = cur.loops[in.depth];
        if (left == 0 || --left > 0) {  // 0: forever
          cur.pc = in.arg2;
        } else {
          ++cur.pc;
        }
        continue;
      }
      default:
        ++cur.pc;
        return &in;
    }
  }
  return nullptr;
}

}  // namespace ups::workload
