// The core's cgroup entry points (core.h) and the ext classes' cgroup
// callbacks around them, in the order of Linux's kernel/sched/ext.c:
// cgroup_init when a cgroup comes online while a class is loaded (and, from
// ExtClass::init, for every cgroup at load), cgroup_exit when it goes (and
// at unload), cgroup_set_weight on a weight change, and for a task of an
// ext class changing cgroups: cgroup_prep_move for every task of the move
// (scx_cgroup_can_attach), cgroup_cancel_move for those prepared when one
// refuses, else cgroup_move with the task off its run queue
// (sched_move_task: dequeue, change group, scx_cgroup_move_task, enqueue).
#include <algorithm>

#include <fmt/format.h>

#include "core/core_impl.h"
#include "core/ext_class.h"

namespace ups {

// --- the class's side ----------------------------------------------------------------

s32 ExtClass::cgroup_init(const Cgroup& cg) {
  if (!live()) return -scx::E_INVAL;
  s32 rc;
  {
    OpScope s(*this, Op::cgroup_init, cpus_.first(), nullptr);
    rc = ops_->cgroup_init(ctx_, cg, CgroupInitArgs{.weight = cg.weight});
  }
  if (!live()) return -scx::E_INVAL;
  if (rc == 0) cgroups_inited_.push_back(&cg);
  return rc;
}

void ExtClass::cgroup_exit(const Cgroup& cg) {
  auto it = std::find(cgroups_inited_.begin(), cgroups_inited_.end(), &cg);
  if (it == cgroups_inited_.end()) return;
  cgroups_inited_.erase(it);
  if (!ops_) return;
  OpScope s(*this, Op::cgroup_exit, cpus_.first(), nullptr);
  ops_->cgroup_exit(ctx_, cg);
}

s32 ExtClass::cgroup_prep_move(Task& p, const Cgroup& from, const Cgroup& to) {
  if (!live()) return 0;
  OpScope s(*this, Op::cgroup_prep_move, p.cpu, &p);
  return ops_->cgroup_prep_move(ctx_, p, from, to);
}

void ExtClass::cgroup_move(Task& p, const Cgroup& from, const Cgroup& to) {
  if (!live()) return;
  OpScope s(*this, Op::cgroup_move, p.cpu, &p);
  ops_->cgroup_move(ctx_, p, from, to);
}

void ExtClass::cgroup_cancel_move(Task& p, const Cgroup& from, const Cgroup& to) {
  if (!live()) return;
  OpScope s(*this, Op::cgroup_cancel_move, p.cpu, &p);
  ops_->cgroup_cancel_move(ctx_, p, from, to);
}

void ExtClass::cgroup_set_weight(const Cgroup& cg, u32 weight) {
  if (!live()) return;
  OpScope s(*this, Op::cgroup_set_weight, cpus_.first(), nullptr);
  ops_->cgroup_set_weight(ctx_, cg, weight);
}

// --- the core's entry points ---------------------------------------------------------

namespace {

Error with_field(Error e, const char* field) {
  if (e.where.what.empty()) e.where.what = field;
  return e;
}

}  // namespace

Result<CgroupId> Core::create_cgroup(std::string_view path, u32 weight, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  auto cg = I.cgroups.create(path, weight);
  if (!cg) return tl::unexpected(with_field(cg.error(), "cgroup"));
  // Linux's scx_tg_online: the loaded classes see it before any task joins.
  for (size_t i = 0; i < I.ext_live.size(); ++i) {
    ExtClass& e = *I.ext_live[i];
    const s32 rc = e.cgroup_init(**cg);
    if (rc == 0) continue;
    for (size_t j = 0; j < i; ++j) I.ext_live[j]->cgroup_exit(**cg);
    I.cgroups.remove(**cg);
    return make_error(ErrorKind::rejected,
                      fmt::format("class {} refused cgroup {}: cgroup_init returned {}", e.name(),
                                  path, rc),
                      SourceLoc{{}, 0, 0, "cgroup"});
  }
  return (*cg)->id;
}

Status Core::remove_cgroup(std::string_view path, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  Cgroup* cg = I.cgroups.find(path);
  if (!cg)
    return make_error(ErrorKind::not_found, fmt::format("no cgroup {}", path), SourceLoc{{}, 0, 0, "cgroup"});
  if (auto ok = I.cgroups.check_removable(*cg); !ok) return tl::unexpected(with_field(ok.error(), "cgroup"));
  for (ExtClass* e : I.ext_live) e->cgroup_exit(*cg);
  I.cgroups.remove(*cg);
  return {};
}

Status Core::set_cgroup_weight(std::string_view path, u32 weight, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  Cgroup* cg = I.cgroups.find(path);
  if (!cg)
    return make_error(ErrorKind::not_found, fmt::format("no cgroup {}", path), SourceLoc{{}, 0, 0, "cgroup"});
  if (auto ok = check_cgroup_weight(weight); !ok) return tl::unexpected(with_field(ok.error(), "weight"));
  if (cg->weight == weight) return {};
  cg->weight = weight;
  for (ExtClass* e : I.ext_live) e->cgroup_set_weight(*cg, weight);
  return {};
}

Status Core::move_task_cgroup(Task& p, CgroupId to, TimeNs now) {
  Task* one[] = {&p};
  return move_tasks_cgroup(one, to, now);
}

Status Core::move_tasks_cgroup(std::span<Task* const> tasks, CgroupId to, TimeNs now) {
  EntryScope es(*impl_, now);
  Impl& I = *impl_;
  Cgroup* dst = I.cgroups.find(to);
  if (!dst)
    return make_error(ErrorKind::not_found, fmt::format("no cgroup with id {}", to), SourceLoc{{}, 0, 0, "cgroup"});
  for (Task* p : tasks) {
    UPS_DASSERT(I.owns_task(*p));
    if (!p->is_live())
      return make_error(ErrorKind::invalid_argument, fmt::format("task {} has exited", p->id));
  }
  // The class of a task that moves, if it is a loaded ext class.
  auto ext_of = [&I](const Task& p) -> ExtClass* {
    ExtClass* e = I.ext(p.cls);
    return e && I.loaded[p.cls] ? e : nullptr;
  };
  // scx_cgroup_can_attach: every task prepared, or those prepared cancelled.
  for (size_t i = 0; i < tasks.size(); ++i) {
    Task& p = *tasks[i];
    ExtClass* e = ext_of(p);
    if (!e || p.cgroup == dst) continue;
    const s32 rc = e->cgroup_prep_move(p, *p.cgroup, *dst);
    if (rc == 0) continue;
    for (size_t j = 0; j < i; ++j)
      if (ExtClass* ej = ext_of(*tasks[j]); ej && tasks[j]->cgroup != dst)
        ej->cgroup_cancel_move(*tasks[j], *tasks[j]->cgroup, *dst);
    return make_error(ErrorKind::rejected,
                      fmt::format("class {} refused to move task {} from cgroup {} to {}: "
                                  "cgroup_prep_move returned {}",
                                  e->name(), p.id, p.cgroup->path, dst->path, rc),
                      SourceLoc{{}, 0, 0, "cgroup"});
  }
  // sched_move_task for each: off its run queue, the group changed,
  // scx_cgroup_move_task, back on.
  for (Task* tp : tasks) {
    Task& p = *tp;
    Cgroup& src = *p.cgroup;
    if (&src == dst) continue;
    SchedClass& c = I.cls_of(p);
    const bool queued = p.state == TaskState::queued || p.state == TaskState::custody;
    if (p.state == TaskState::running) I.update_curr(I.cpus[static_cast<size_t>(p.cpu)]);
    if (queued) c.dequeue_task(p, scx::DEQ_SCHED_CHANGE);
    --src.nr_tasks;
    p.cgroup = dst;
    ++dst->nr_tasks;
    if (ExtClass* e = ext_of(p)) e->cgroup_move(p, src, *dst);
    if (queued) {
      const CpuId target = I.join_target(p, c);
      p.wake_cpu = target;
      c.enqueue_task(p, target, 0);
      I.wakeup_preempt(target, p);
    } else if (p.state == TaskState::running) {
      I.resched(p.cpu);
    }
  }
  return {};
}

const Cgroup* Core::find_cgroup(CgroupId id) const { return impl_->cgroups.find(id); }
const Cgroup* Core::find_cgroup(std::string_view path) const { return impl_->cgroups.find(path); }
std::vector<const Cgroup*> Core::cgroups() const {
  std::vector<const Cgroup*> out;
  for (const Cgroup* c : impl_->cgroups.parent_first()) out.push_back(c);
  return out;
}

}  // namespace ups
