// TaskMirrors: the per-task `struct task_struct` images (kernel layout,
// kabi::TaskStruct) that BPF programs read and write. The host syncs a Task
// into its mirror before handing the pointer to a program and copies back
// only the fields a policy may write (scx.slice, scx.dsq_vtime,
// scx.disallow), and of those only the ones the program changed. cpus_ptr points at the mirror's own cpus_mask. A pointer a
// program hands back (a kfunc argument) is turned into its Task only if it
// is the address of a live mirror; anything else is rejected.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "core/task.h"
#include "policy/kernel_abi/kernel_types.h"

namespace ups::policy {

class TaskMirrors {
public:
  // The mirror of `t`, created on first use and refreshed from `t`.
  kabi::TaskStruct* sync_in(Task& t);
  // Copies the writable fields of t's mirror back into t (no-op without one).
  void sync_out(Task& t);
  // The Task whose mirror lives at `addr`, or null.
  Task* task_of(u64 addr) const;
  // The mirror of a task id, or null.
  kabi::TaskStruct* find(TaskId id) const;
  void forget(const Task& t);

  // Mirrors handed out during the current callback; sync_out_touched()
  // writes them all back and clears the list.
  void note_touched(Task& t) { touched_.push_back(&t); }
  void sync_out_touched();
  void drop_touched(const Task& t);
  size_t size() const { return by_id_.size(); }

private:
  // The writable fields as the program was last handed them.
  struct Writable {
    u64 slice = 0;
    u64 dsq_vtime = 0;
    bool disallow = false;
  };
  struct Slot {
    kabi::TaskStruct ts{};  // first: its address is the slot's
    Task* task = nullptr;
    Writable seen;
  };
  std::unordered_map<TaskId, std::unique_ptr<Slot>> by_id_;
  std::unordered_map<u64, Slot*> by_addr_;
  std::vector<Task*> touched_;
};

}  // namespace ups::policy
