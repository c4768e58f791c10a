// TaskMirrors: the per-task `struct task_struct` images (kernel layout,
// kabi::TaskStruct) that BPF programs read and write. The host syncs a Task
// into its mirror before handing the pointer to a program and copies back
// only the fields a policy may write (scx.slice, scx.dsq_vtime,
// scx.disallow), and of those only the ones the program changed. cpus_ptr points at the mirror's own cpus_mask. A pointer a
// program hands back (a kfunc argument) is turned into its Task only if it
// is the address of a live mirror; anything else is rejected.
//
// This is on every callback's path, so it is built for the common case: a
// mirror is found by task id in a vector (ids are dense, like the core's),
// and a pointer a kfunc gets back is almost always one handed out in the
// same callback, found by scanning those few before the address map.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bpf/maps/value_memory.h"
#include "core/task.h"
#include "policy/kernel_abi/kernel_types.h"

namespace ups::policy {

class TaskMirrors {
public:
  // The mirror of `t`, created on first use and refreshed from `t`, noted
  // as handed out in the current callback.
  kabi::TaskStruct* hand_out(Task& t);
  // Copies the writable fields of t's mirror back into t (no-op without one).
  void sync_out(Task& t);
  // The Task whose mirror lives at `addr`, or null.
  Task* task_of(u64 addr) const;
  // The mirror handed out in the current callback (the only ones a confined
  // program can have pointers to) that holds [addr, addr+size), as
  // [begin, end); nullopt if none.
  std::optional<std::pair<u64, u64>> handed_out(u64 addr, u64 size) const;
  // The mirror handed out last in the current callback, as [begin, end).
  std::optional<std::pair<u64, u64>> last_handed_out() const {
    if (n_touched_ == 0) return std::nullopt;
    const u64 b = reinterpret_cast<u64>(touched_[n_touched_ - 1]->ts);
    return std::pair{b, b + sizeof(kabi::TaskStruct)};
  }
  // The mirror of a task id, or null.
  kabi::TaskStruct* find(TaskId id) const;
  void forget(const Task& t);
  // Where the images of tasks seen from now on live (default: the heap); a
  // confined policy's sandbox. The host's own fields (which task a mirror
  // is, what was handed out) stay apart from them, out of the program's reach.
  void set_memory(std::shared_ptr<bpf::ValueMemory> memory) { memory_ = std::move(memory); }

  // Writes back every mirror handed out during the current callback and
  // clears the list.
  void sync_out_touched();
  size_t size() const { return by_addr_.size(); }
  // Changes whenever a mirror stops being handed out or is freed (the
  // confinement's regions shrink: PolicyMemory::generation).
  u64 generation() const { return generation_; }

private:
  // The writable fields as the program was last handed them.
  struct Writable {
    u64 slice = 0;
    u64 dsq_vtime = 0;
    bool disallow = false;
  };
  struct Slot {
    kabi::TaskStruct* ts = nullptr;  // the image, in `image`
    bpf::ValueBlock image;           // from memory_: apart from the host's fields below
    Task* task = nullptr;
    Writable seen;
    u32 affinity_changes = 0;  // the task's, when ts.cpus_mask was copied
  };
  u64 generation_ = 0;
  std::shared_ptr<bpf::ValueMemory> memory_;
  Slot* slot_of(TaskId id) const {
    const auto i = static_cast<size_t>(id);
    return id > 0 && i < by_id_.size() ? by_id_[i].get() : nullptr;
  }
  // The mirror of a task seen for the first time.
  Slot* new_slot(Task& t);
  // hand_out's rare cases (a new mirror, a full list): apart, so that the
  // common one calls nothing and saves no registers.
  kabi::TaskStruct* hand_out_slow(Task& t);
  // The fields a program reads, from t.
  static void refresh(Slot& s, Task& t);
  static void write_back(Slot& s);
  static void copy_affinity(Slot& s, const Task& t);
  std::vector<std::unique_ptr<Slot>> by_id_;  // indexed by TaskId
  std::unordered_map<u64, Slot*> by_addr_;
  // Handed out in the current callback: the first n_touched_ (which may
  // repeat a slot), in hand-out order; the vector's size is its capacity.
  std::vector<Slot*> touched_ = std::vector<Slot*>(16);
  size_t n_touched_ = 0;
};

}  // namespace ups::policy
