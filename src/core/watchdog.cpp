// The runnable-task watchdog (sched_ext-abi.md §9): a task of an ext class
// that has been runnable but not running for longer than the class's
// timeout ejects the class with error_stall. A class is blamed only when it
// had a chance to run the task: some CPU consulted it within the timeout or
// one of its CPUs is idle now (a class below fair starved by busy fair
// tasks is not at fault).
#include <fmt/format.h>

#include "core/core_impl.h"
#include "core/ext_class.h"

namespace ups {

void Core::check_watchdog(TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  if (I.ext_live.empty()) return;
  for (size_t i = 0; i < I.ext_live.size(); ++i) {
    ExtClass& c = *I.ext_live[i];
    if (!c.live() || !c.was_offered_cpu(now)) continue;
    for (const Task& p : I.tasks) {
      if (p.cls != c.id() || (p.state != TaskState::queued && p.state != TaskState::custody))
        continue;
      if (now <= p.acct.runnable_since || now - p.acct.runnable_since <= c.timeout_ns()) continue;
      const TimeNs waited_ms = (now - p.acct.runnable_since) / kNsPerMs;
      c.fail(ExitKind::error_stall, fmt::format("{}[{}] failed to run for {}.{:03}s", p.comm.data(),
                                                p.id, waited_ms / 1000, waited_ms % 1000));
      break;
    }
  }
}

TimeNs Core::watchdog_interval() const { return impl_->shortest_timeout() / 2; }

}  // namespace ups
