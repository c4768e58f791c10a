// Task helpers: state names and the sched_ext weight scale.
#include "core/task.h"

#include <algorithm>

namespace ups {

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::created: return "created";
    case TaskState::running: return "running";
    case TaskState::queued: return "queued";
    case TaskState::custody: return "custody";
    case TaskState::blocked: return "blocked";
    case TaskState::exited: return "exited";
  }
  return "?";
}

// sched_prio_to_weight[] of the kernel, nice -20..19.
static constexpr int kPrioToWeight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15};

u32 nice_to_weight(int nice) {
  nice = std::clamp(nice, -20, 19);
  const u64 w = static_cast<u64>(kPrioToWeight[nice + 20]);
  // sched_weight_to_cgroup: clamp(round(w * 100 / 1024), 1, 10000)
  const u64 cg = (w * 100 + 512) / 1024;
  return static_cast<u32>(std::clamp<u64>(cg, 1, 10000));
}

}  // namespace ups
