// UserSpaceHalf: upsched's own run of a scheduler's user-space side, for a
// sched_ext scheduler whose BPF half only hands tasks to a process of its
// loader (scx_userland: the BPF side queues tasks in a map, the process
// orders them and hands them back through another). A substrate that can
// run one offers a UserSpaceHost to the loader: a task of its own whose pid
// the loader writes into the policy's read-only data before the load (as
// the real loader writes getpid()), and which then runs the half's rounds
// in the policy's class, as the real process runs under SCHED_EXT.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "base/types.h"

namespace ups::policy {

class UserSpaceHalf {
public:
  virtual ~UserSpaceHalf() = default;
  // One round of the process's main loop (its maps read and written as
  // the process would through the bpf(2) system call); returns the CPU
  // time the round takes, for the substrate to charge to its task.
  virtual TimeNs round() = 0;
  // What the task is called (its comm).
  virtual const char* comm() const = 0;
};

class UserSpaceHost {
public:
  virtual ~UserSpaceHost() = default;
  // A task for the half, not yet runnable: its pid.
  virtual Result<s32> reserve_task(const char* comm) = 0;
  // Runs `half` in the task reserved as `pid` once the class that asked
  // for it is loaded (in that class), until the class goes.
  virtual void run_half(s32 pid, std::unique_ptr<UserSpaceHalf> half) = 0;
};

}  // namespace ups::policy
