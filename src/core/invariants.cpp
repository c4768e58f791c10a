// The invariant checker: each live task is in exactly one place (current
// on one CPU, on one DSQ or fair run queue, in its policy's custody,
// blocked or created), DSQ counts match their contents, and no task
// belongs to a class that is gone. Runs after every entry point when
// CoreConfig::check_invariants is set; tests call it directly.
#include <fmt/format.h>

#include "core/core_impl.h"
#include "core/ext_class.h"
#include "core/fair_class.h"

namespace ups {

namespace {
std::string tname(const Task& p) {
  return fmt::format("task {}[{}] ({})", p.comm.data(), p.id, task_state_name(p.state));
}
}  // namespace

bool Core::check_invariants(std::string* why) const {
  const Impl& I = *impl_;
  auto bad = [&](std::string m) {
    if (why) *why = std::move(m);
    return false;
  };
  size_t running = 0;
  for (const CpuRq& rq : I.cpus) {
    if (!rq.curr) continue;
    const Task& p = *rq.curr;
    if (p.state != TaskState::running)
      return bad(fmt::format("CPU {} runs {} which is not in state running", rq.id, tname(p)));
    if (p.cpu != rq.id)
      return bad(fmt::format("CPU {} runs {} whose cpu is {}", rq.id, tname(p), p.cpu));
    ++running;
  }
  size_t on_dsq = 0, on_fair = 0, live = 0, n_running = 0;
  for (const Task& p : I.tasks) {
    if (!p.is_live()) continue;
    ++live;
    if (p.cls >= I.classes.size() || !I.loaded[p.cls])
      return bad(fmt::format("{} belongs to class {} which is not loaded", tname(p), p.cls));
    const bool in_dsq = p.dsq != nullptr;
    const bool in_fair = p.fair.on_rq;
    on_dsq += in_dsq;
    on_fair += in_fair;
    switch (p.state) {
      case TaskState::running:
        ++n_running;
        if (p.cpu < 0 || p.cpu >= I.nr_cpus() || I.cpus[static_cast<size_t>(p.cpu)].curr != &p)
          return bad(fmt::format("{} is not the current task of its CPU {}", tname(p), p.cpu));
        if (in_dsq || in_fair) return bad(fmt::format("{} is running and queued", tname(p)));
        break;
      case TaskState::queued:
        if (in_dsq == in_fair)
          return bad(fmt::format("{} must be on exactly one DSQ or run queue (dsq {}, fair {})",
                                 tname(p), in_dsq, in_fair));
        if (in_dsq && p.dsq->owner() != p.cls)
          return bad(fmt::format("{} of class {} is on a DSQ of class {}", tname(p), p.cls,
                                 p.dsq->owner()));
        if (in_fair && p.cls != I.fair->id())
          return bad(fmt::format("{} of class {} is on the fair run queue", tname(p), p.cls));
        break;
      case TaskState::custody:
        if (in_dsq || in_fair) return bad(fmt::format("{} is in custody and queued", tname(p)));
        if (!I.classes[p.cls]->is_ext() || p.scx.ops_state != OpsState::queued)
          return bad(fmt::format("{} is in custody without a policy owning it", tname(p)));
        break;
      case TaskState::blocked:
      case TaskState::created:
        if (in_dsq || in_fair) return bad(fmt::format("{} is not runnable but queued", tname(p)));
        break;
      case TaskState::exited:
        break;
    }
  }
  if (live != I.live) return bad(fmt::format("{} live tasks, counted {}", I.live, live));
  if (n_running != running)
    return bad(fmt::format("{} tasks in state running, {} CPUs running one", n_running, running));
  // Queue contents match the tasks' view.
  size_t dsq_total = 0;
  std::string err;
  for (const ExtClass* e : I.ext_live) {
    e->for_each_dsq([&](const DispatchQueue& d) {
      u32 n = 0;
      d.for_each([&](const Task& p) {
        ++n;
        if (err.empty() && (p.dsq != &d || p.state != TaskState::queued || p.cls != e->id()))
          err = fmt::format("DSQ 0x{:016x} of class {} holds {} which does not belong there", d.id(),
                            e->name(), tname(p));
      });
      if (err.empty() && n != d.nr())
        err = fmt::format("DSQ 0x{:016x} of class {} counts {} tasks but holds {}", d.id(),
                          e->name(), d.nr(), n);
      dsq_total += n;
    });
    if (!err.empty()) return bad(err);
  }
  if (dsq_total != on_dsq)
    return bad(fmt::format("{} tasks think they are on a DSQ, the DSQs hold {}", on_dsq, dsq_total));
  size_t fair_total = 0;
  I.fair->for_each_queued([&](const Task& p) {
    ++fair_total;
    if (err.empty() && (!p.fair.on_rq || p.state != TaskState::queued || p.cls != I.fair->id()))
      err = fmt::format("the fair run queue holds {} which does not belong there", tname(p));
  });
  if (!err.empty()) return bad(err);
  if (fair_total != on_fair)
    return bad(fmt::format("{} tasks think they are on the fair run queue, it holds {}", on_fair,
                           fair_total));
  return true;
}

}  // namespace ups
