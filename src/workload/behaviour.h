// Behaviour programs: what a simulated task does, as a short list of
// instructions (compute, sleep, wait for / signal a named event, send to /
// receive from a channel, spin-poll an event, take / release a named lock,
// fork, exit, repeat loops).
// A Program is shared by every task of a group; a task carries only a
// TaskCursor (program counter and loop counters), which keeps the per-task
// state small enough for 100,000 tasks.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "base/types.h"
#include "workload/distribution.h"

namespace ups::workload {

enum class OpCode : u8 {
  compute,     // arg = distribution: run on a CPU for that long
  sleep,       // arg = distribution: block, wake after that long
  wait,        // arg = sync object (event): take a token or block until signalled
  signal,      // arg = sync object (event), arg2 = tokens: wake waiters or store tokens
  send,        // arg = sync object (channel), arg2 = messages: carry this task's request stamp
  recv,        // arg = sync object (channel): take a message or block; adopt its stamp
  spin,        // arg = sync object (event): stay runnable, burn CPU until a token arrives
  fork,        // arg = task group, arg2 = how many: new tasks of that group
  yield,       // give the CPU up, stay runnable
  begin,       // a request starts now (stamp := now)
  complete,    // a request ends now: record now - stamp
  exit,        // the task ends
  repeat,      // arg = count (0 = forever), depth = nesting level
  end_repeat,  // arg2 = pc of the loop body's first instruction
  // arg = sync object (channel), arg2 = distribution of a polling burst,
  // arg2 + 1 = of the period: recv, but while the message has not come the
  // task wakes every period and polls (spins) for a burst, like a runtime's
  // guest that keeps ticking while it waits for its input.
  poll_recv,
  lock,        // arg = sync object (lock): take it, or block until handed it (FIFO)
  unlock,      // arg = sync object (lock): release it (the task must hold it)
  // arg = sync object (lock): take it, or stay runnable and spin (burn the
  // CPU) until it is handed over, FIFO, as a guest kernel's queued spinlock.
  spin_lock,
  // arg = a user-space half the simulator runs for a policy (scx_userland's,
  // policy/user_space_half.h): one round of it, on the CPU for the time it
  // takes. Not in workload files: the simulator makes the task itself.
  user_half,
};
const char* op_name(OpCode op);

struct Instr {
  OpCode op = OpCode::exit;
  u8 depth = 0;  // loop nesting level (repeat / end_repeat)
  u32 arg = 0;
  u32 arg2 = 0;
  int line = 0;  // source line in the workload file, for messages
};

inline constexpr int kMaxLoopDepth = 4;

struct Program {
  std::vector<Instr> code;
  std::vector<Distribution> dists;  // compute / sleep durations
};

// Where one task is in its program.
struct TaskCursor {
  u32 pc = 0;
  std::array<u32, kMaxLoopDepth> loops{};
};

// Moves the cursor over control flow (repeat, end_repeat) and returns the
// next instruction the world must act on, with the cursor already past it.
// Returns nullptr at the end of the program (an implicit exit).
const Instr* next_action(const Program& prog, TaskCursor& cur);

}  // namespace ups::workload
