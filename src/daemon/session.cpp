#include "daemon/session.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "policy/policy_loader.h"
#include "runtime/sync.h"
#include "security/capability.h"
#include "workload/duration.h"
#include "workload/presets.h"

namespace ups::daemon {

using nlohmann::json;

namespace {

// Classes the session still remembers (their owners, their exit reports)
// once unloaded: the oldest unloaded ones go past this.
constexpr size_t kMaxRemembered = 1024;
// Jobs a user may have running at once, and tasks a job may start with.
constexpr size_t kMaxLiveJobsPerUser = 16;
constexpr u64 kMaxJobTasks = 4096;


std::string slot_name(ChainSlot s) { return s == ChainSlot::above_fair ? "above_fair" : "below_fair"; }

// A class name a client chose: what the chain and the audit log can show.
bool valid_class_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// The client's file name, reduced to a safe last component.
std::string safe_object_name(const std::string& n) {
  std::string base = n.substr(n.find_last_of('/') == std::string::npos ? 0 : n.find_last_of('/') + 1);
  std::string out;
  for (char c : base.substr(0, 64))
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_');
  return out.empty() ? "object.bpf.o" : out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); !from.empty() && at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

json report_json(const ExitReport& r, const std::string& owner) {
  return {{"class", r.class_name}, {"owner", owner},
          {"kind", std::string(exit_kind_name(r.kind))}, {"reason", r.reason},
          {"message", r.message}, {"callback", r.callback}, {"location", r.location},
          {"at_ns", r.at}, {"tasks_moved_to_fair", r.tasks_moved_to_fair}, {"line", r.to_string()}};
}

}  // namespace

Session::Session(SessionOptions opts) : opts_(std::move(opts)) {}

Result<std::unique_ptr<Session>> Session::create(SessionOptions opts) {
  if (opts.state_dir.empty()) return make_error(ErrorKind::invalid_argument, "the session needs a state folder");
  std::unique_ptr<Session> s(new Session(std::move(opts)));
  runtime::RuntimeOptions ro;
  ro.cpus = s->opts_.cpus;
  ro.seed = s->opts_.seed;
  ro.tick_ns = 4 * kNsPerMs;
  auto rt = runtime::Runtime::create(ro);
  if (!rt) return tl::unexpected(rt.error());
  s->rt_ = std::move(*rt);
  // The runtime runs while it has a task: the daemon's own, in fair, which
  // sleeps until the session ends.
  runtime::TaskAttrs keeper;
  keeper.name = "upschedd";
  auto id = s->rt_->spawn([stop = s->stopping_] {
    while (!stop->load()) runtime::sleep_for(20 * kNsPerMs);
  }, keeper);
  if (!id) return tl::unexpected(id.error());
  s->started_ = s->rt_->now();
  s->cal_ = runtime::calibrate_busy_work();
  s->runner_ = std::thread([rt = s->rt_.get()] { (void)rt->run(); });
  return s;
}

Session::~Session() {
  stopping_->store(true);
  if (rt_) rt_->stop();
  if (runner_.joinable()) runner_.join();
}

void Session::set_admission(std::shared_ptr<const security::AdmissionConfig> cfg, std::string file) {
  admission_ = std::move(cfg);
  admission_file_ = std::move(file);
}

std::string Session::grant_rule(const Peer& peer) const {
  const auto entries = admission_->entries_for(peer.principal, peer.groups);
  if (entries.empty())
    return fmt::format("admission {}: no entry for uid {} or its groups grants anything", admission_file_,
                       peer.principal.uid);
  const auto grant = admission_->grant_for(peer.principal, peer.groups);
  return fmt::format("admission {}: [{}] grant {}", admission_file_, fmt::join(entries, ", "),
                     grant.caps.to_string());
}

Response Session::handle(const Peer& peer, const Request& req) {
  switch (req.verb) {
    case Verb::load: return load(peer, req.load);
    case Verb::unload: return unload(peer, req.name);
    case Verb::replace: return replace(peer, req.load);
    case Verb::list: return list();
    case Verb::logs: return logs(peer, req.name);
    case Verb::submit: return submit(peer, req.submit);
    case Verb::attach: return attach(peer, req.attach);
    case Verb::stats: return stats(peer);
    case Verb::status: break;
  }
  Response r;
  r.ok = true;
  r.result = status();
  r.rule = "public: status";
  return r;
}

Session::Hosted* Session::find(const std::string& name) {
  Hosted* latest = nullptr;
  for (auto& c : classes_)
    if (c.name == name) {
      if (c.loaded) return &c;
      latest = &c;
    }
  return latest;
}

void Session::collect_reports(const Core& core) {
  const auto& reports = core.exit_reports();
  for (; reports_seen_ < reports.size(); ++reports_seen_) {
    const ExitReport& r = reports[reports_seen_];
    for (auto& c : classes_)
      if (c.loaded && c.name == r.class_name) {
        c.loaded = false;
        c.reports.push_back(r);
        break;
      }
  }
}

void Session::forget_old_classes() {
  while (classes_.size() > kMaxRemembered) {
    auto it = std::find_if(classes_.begin(), classes_.end(), [](const Hosted& c) { return !c.loaded; });
    if (it == classes_.end()) return;
    classes_.erase(it);
  }
}

Result<policy::LoadedPolicy> Session::load_object(const Peer& peer, const LoadArgs& a, policy::LoadPolicyOptions o,
                                                  bool replaces_own, bool count_class) {
  // The object's bytes, in a file of the daemon's own (the loader reads
  // files); the client's name stands for it in messages.
  const std::string object_name = safe_object_name(a.object_name);
  const std::string path =
      fmt::format("{}/{}-{}-{}", opts_.state_dir, peer.principal.uid, ++objects_seen_, object_name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorKind::io, fmt::format("{}: {}", path, std::strerror(errno)));
  const bool written = ::write(fd, a.object.data(), a.object.size()) == static_cast<ssize_t>(a.object.size());
  ::close(fd);
  o.principal = peer.principal;
  o.groups = peer.groups;
  if (!o.admission) o.admission = admission_.get();
  o.seed = opts_.seed;
  if (count_class) {
    o.nr_cpus = static_cast<int>(opts_.cpus.size());
    o.classes_loaded = counts_.before_load(peer.principal, replaces_own);
    o.held_while_loaded = counts_.hold(peer.principal);
  }
  auto lp = written ? policy::load_bpf_policy(path, o)
                    : Result<policy::LoadedPolicy>(make_error(ErrorKind::io, path + ": short write"));
  ::unlink(path.c_str());
  if (!lp) {
    Error e = lp.error();
    e.message = e.to_string();
    e.where = {};
    replace_all(e.message, path, object_name);
    return tl::unexpected(e);
  }
  return lp;
}

Response Session::load(const Peer& peer, const LoadArgs& a) {
  const std::string rule = grant_rule(peer);
  const security::Grant grant = admission_->grant_for(peer.principal, peer.groups);
  const std::string object_name = safe_object_name(a.object_name);
  if (!a.name.empty() && !valid_class_name(a.name))
    return refused(fmt::format("{}: class name '{}' is not 1..64 of [A-Za-z0-9_.-]", object_name, a.name),
                  "protocol: class names");
  CpuMask cpus;
  if (!a.cpus.empty()) {
    auto m = security::parse_cpu_list(a.cpus);
    if (!m) return refused(object_name + ": --cpus " + m.error().message, "protocol: CPU lists");
    const CpuMask machine = CpuMask::first_n(static_cast<int>(opts_.cpus.size()));
    if (!m->subset_of(machine))
      return refused(fmt::format("{}: CPUs {} are not in the daemon's runtime (CPUs {})", object_name,
                                (*m & ~machine).to_string(), machine.to_string()),
                    "runtime: CPUs");
    if (!peer.principal.is_root() && grant.caps.has_cpus() && !m->subset_of(grant.caps.cpus()))
      return refused(fmt::format("{}: {} may use CPUs {} only (sched.cpus), not {}", object_name, peer.describe(),
                                grant.caps.cpus().to_string(), (*m & ~grant.caps.cpus()).to_string()),
                    rule);
    cpus = *m;
  }

  // Bandwidth: a class above fair gets its grant's limit (the admission
  // file's `bandwidth`), or less if it asks; more is refused.
  if (a.bandwidth > 0) {
    if (a.slot != ChainSlot::above_fair)
      return refused(fmt::format("{}: a bandwidth is for classes above fair (--above fair)", object_name),
                    "protocol: bandwidth");
    const double limit = peer.principal.is_root() ? 1.0 : grant.limits.bandwidth;
    if (a.bandwidth > limit)
      return refused(fmt::format("{}: {} may take a CPU share of {} above fair (bandwidth), not {}", object_name,
                                peer.describe(), limit, a.bandwidth),
                    rule);
  }

  policy::LoadPolicyOptions o;
  o.slot = a.slot;
  o.cpus = cpus;
  o.name = a.name;
  // Two users' copies of one object are two classes with two names.
  if (a.name.empty() && !peer.principal.is_root()) o.name_suffix = "." + std::to_string(peer.principal.uid);
  auto lp = load_object(peer, a, std::move(o), false);
  if (!lp) return refused(lp.error().message, lp.error().kind == ErrorKind::io ? "daemon: state folder" : rule);

  if (a.bandwidth > 0)
    lp->grant.bw_runtime_ns = static_cast<TimeNs>(static_cast<double>(lp->grant.bw_period_ns) * a.bandwidth);
  Result<ClassId> id = make_error(ErrorKind::internal, "not loaded");
  std::string name;
  rt_->with_core([&](Core& core) {
    collect_reports(core);
    name = lp->ops->config().name;
    id = core.load_class(std::move(lp->ops), lp->grant, lp->slot, rt_->now());
  });
  if (!id) return refused(object_name + ": " + id.error().message, "chain: class names are unique");
  Hosted h;
  h.name = name;
  h.owner = peer.principal;
  h.owner_name = peer.user;
  h.object_name = object_name;
  h.slot = lp->slot;
  h.cpus = lp->grant.cpus.empty() ? "all" : lp->grant.cpus.to_string();
  classes_.push_back(h);
  forget_old_classes();
  Response r;
  r.ok = true;
  r.rule = rule;
  r.result = {{"class", h.name}, {"slot", slot_name(h.slot)}, {"cpus", h.cpus}, {"owner", h.owner_name}};
  if (h.slot == ChainSlot::above_fair)
    r.result["bandwidth"] = static_cast<double>(lp->grant.bw_runtime_ns) / static_cast<double>(lp->grant.bw_period_ns);
  return r;
}

// The loaded class `name` if the peer owns it (root: any), else the
// refusal: "PEER may not ACTION NAME: it belongs to ...", under `rule`.
tl::expected<Session::Hosted*, Response> Session::owned_class(const Peer& peer, const std::string& name,
                                                              std::string_view action, std::string_view rule) {
  Hosted* h = find(name);
  if (!h || !h->loaded) return tl::unexpected(refused(fmt::format("no class named {} is loaded", name), "chain: loaded classes"));
  if (!peer.principal.is_root() && h->owner.uid != peer.principal.uid)
    return tl::unexpected(refused(fmt::format("{} may not {} {}: it belongs to {} (uid {})", peer.describe(), action,
                                              name, h->owner_name, h->owner.uid),
                                  std::string(rule)));
  return h;
}

Response Session::unload(const Peer& peer, const std::string& name) {
  rt_->with_core([&](Core& core) { collect_reports(core); });
  if (name == "fair" || name == "idle")
    return refused(fmt::format("{} is built in: it cannot be unloaded", name), "chain: built-in classes");
  auto owned = owned_class(peer, name, "unload class", "isolation: a class is unloaded by its owner or root");
  if (!owned) return owned.error();
  Hosted* h = *owned;
  ExitReport report;
  rt_->with_core([&](Core& core) {
    const ClassId id = core.find_class(name);
    if (id != kNoClass)
      core.unload_class(id, ExitKind::unreg, fmt::format("unloaded by {} through upschedd", peer.describe()),
                        rt_->now());
    collect_reports(core);
  });
  Response r;
  r.ok = true;
  r.rule = peer.principal.is_root() ? "isolation: root may unload any class"
                                    : "isolation: the owner unloads its class";
  r.result = {{"class", name}};
  if (!h->reports.empty()) r.result["report"] = h->reports.back().to_string();
  return r;
}

Response Session::replace(const Peer& peer, const LoadArgs& a) {
  rt_->with_core([&](Core& core) { collect_reports(core); });
  auto owned = owned_class(peer, a.name, "replace class", "isolation: a class is replaced by its owner or root");
  if (!owned) return owned.error();
  Hosted* h = *owned;
  // The replacement keeps the class's name, slot and grant (Core::replace_class).
  policy::LoadPolicyOptions o;
  o.slot = h->slot;
  o.name = a.name;
  auto lp = load_object(peer, a, std::move(o), h->owner == peer.principal);
  if (!lp) return refused(lp.error().message, grant_rule(peer));
  Result<ClassId> id = make_error(ErrorKind::internal, "not replaced");
  const size_t old = static_cast<size_t>(h - classes_.data());
  rt_->with_core([&](Core& core) {
    collect_reports(core);
    const ClassId cls = core.find_class(a.name);
    if (cls != kNoClass) id = core.replace_class(cls, std::move(lp->ops), rt_->now());
    collect_reports(core);  // the old class's report
  });
  if (!id) return refused(a.name + ": " + id.error().message, "chain: loaded classes");
  Hosted next = classes_[old];
  next.loaded = true;
  next.reports.clear();
  next.object_name = safe_object_name(a.object_name);
  classes_.push_back(std::move(next));
  forget_old_classes();
  Response r;
  r.ok = true;
  r.rule = grant_rule(peer);
  r.result = {{"class", a.name}, {"replaced", true}};
  return r;
}

Response Session::list() {
  json classes = json::array();
  rt_->with_core([&](Core& core) {
    collect_reports(core);
    std::map<ClassId, u64> tasks;
    core.for_each_task([&](const Task& t) { ++tasks[t.cls]; });
    bool above = true;
    for (ClassId id : core.chain()) {
      const std::string name(core.class_name(id));
      json c = {{"name", name}, {"tasks", tasks[id]}, {"runtime_ns", core.class_runtime(id)}};
      if (id == core.fair_class()) {
        above = false;
        c["owner"] = "built-in";
        c["uid"] = 0;
        c["slot"] = "fair";
      } else {
        const Hosted* h = find(name);
        c["owner"] = h ? h->owner_name : "?";
        c["uid"] = h ? h->owner.uid : 0;
        c["slot"] = above ? "above_fair" : "below_fair";
        c["cpus"] = h ? h->cpus : "";
      }
      classes.push_back(std::move(c));
    }
  });
  Response r;
  r.ok = true;
  r.rule = "public: the chain, owners and task counts";
  r.result = {{"classes", std::move(classes)}};
  return r;
}

Response Session::logs(const Peer& peer, const std::string& name) {
  rt_->with_core([&](Core& core) { collect_reports(core); });
  const bool root = peer.principal.is_root();
  if (!name.empty()) {
    const Hosted* h = find(name);
    if (!h) return refused(fmt::format("no class named {} was loaded through this daemon", name), "chain: loaded classes");
    if (!root && h->owner.uid != peer.principal.uid)
      return refused(fmt::format("{} may not read the exit reports of class {}: it belongs to {} (uid {})",
                                peer.describe(), name, h->owner_name, h->owner.uid),
                    "isolation: exit reports go to the class's owner or root");
  }
  json reports = json::array();
  for (const auto& c : classes_) {
    if ((!root && c.owner.uid != peer.principal.uid) || (!name.empty() && c.name != name)) continue;
    for (const auto& rep : c.reports) reports.push_back(report_json(rep, c.owner_name));
  }
  Response r;
  r.ok = true;
  r.rule = root ? "isolation: root reads every exit report" : "isolation: the caller's own classes only";
  r.result = {{"reports", std::move(reports)}};
  return r;
}

json Session::status() {
  rt_->with_core([&](Core& core) { collect_reports(core); });  // an ejection since the last request
  json s;
  size_t loaded = 0;
  for (const auto& c : classes_) loaded += c.loaded ? 1 : 0;
  s["substrate"] = "runtime";
  s["cpus"] = opts_.cpus;
  s["classes_loaded"] = loaded;
  s["admission"] = admission_file_;
  s["uptime_ns"] = rt_->now() - started_;
  return s;
}


// --- work: submit, attach, stats ------------------------------------------------

Response Session::submit(const Peer& peer, const SubmitArgs& a) {
  if (a.sim) return refused("submit --sim: served by the server, not the session", "protocol: schema");
  auto w = a.preset.empty() ? workload::parse_workload(a.workload, safe_object_name(a.workload_name))
                            : workload::make_preset(a.preset, static_cast<int>(opts_.cpus.size()));
  const std::string what = a.preset.empty() ? safe_object_name(a.workload_name) : "preset " + a.preset;
  if (!w) return refused(w.error().to_string(), "workload: the file must parse");
  if (!w->vms.empty() || !w->classes.empty() || !w->cgroups.empty())
    return refused(fmt::format("{}: a submitted workload brings tasks only; its classes, VMs and cgroups are for "
                              "upsched sim (load classes with upsched load)", what),
                  "workload: tasks only");
  TimeNs duration = 0;
  if (!a.duration.empty()) {
    auto d = workload::parse_duration(a.duration);
    if (!d || *d == 0) return refused(fmt::format("{}: --duration {}: {}", what, a.duration,
                                                 d ? "must be above 0" : d.error().message),
                                     "protocol: schema");
    duration = *d;
  } else if (!w->is_finite()) {
    return refused(fmt::format("{}: its tasks do not all end by themselves: give --duration", what),
                  "workload: a job ends");
  }
  if (w->initial_tasks() > kMaxJobTasks)
    return refused(fmt::format("{}: {} tasks; a job starts at most {}", what, w->initial_tasks(), kMaxJobTasks),
                  "limit: tasks per job");
  size_t live = 0;
  for (const auto& j : jobs_) live += j->owner.uid == peer.principal.uid && !j->tasks->finished() ? 1 : 0;
  if (live >= kMaxLiveJobsPerUser)
    return refused(fmt::format("{} has {} jobs running; at most {}", peer.describe(), live, kMaxLiveJobsPerUser),
                  "limit: jobs per user");
  // The class its tasks go to: the caller's own (root: any), or fair.
  ClassId cls = kNoClass;
  std::string rule = "isolation: the caller's tasks, in fair";
  if (!a.cls.empty() && a.cls != "fair") {
    rt_->with_core([&](Core& core) { collect_reports(core); });
    if (auto owned = owned_class(peer, a.cls, "put tasks in class",
                                 "isolation: tasks go to the caller's own classes or fair");
        !owned)
      return owned.error();
    rt_->with_core([&](Core& core) { cls = core.find_class(a.cls); });
    rule = "isolation: the caller's tasks, in the caller's class";
  }
  if (cls == kNoClass) rt_->with_core([&](Core& core) { cls = core.fair_class(); });

  auto job = std::make_shared<Job>();
  job->id = ++next_job_;
  job->owner = peer.principal;
  job->owner_name = peer.user;
  job->workload_name = what;
  job->cls = a.cls.empty() ? "fair" : a.cls;
  job->w = std::move(*w);
  runtime::WorkloadTaskOptions wo;
  wo.seed = opts_.seed + job->id;
  wo.owner = peer.principal;  // the tasks belong to the submitter, whatever the file says
  wo.cls = cls;
  job->tasks = std::make_unique<runtime::WorkloadTasks>(job->w, wo, cal_, *rt_);
  // A refused spawn after some succeeded: the job keeps what started.
  if (auto st = job->tasks->spawn_all(); !st && job->tasks->tasks_spawned() == 0)
    return refused(what + ": " + st.error().to_string(), "runtime: tasks");
  // After the tasks exist: the timer ends when they have.
  std::string warning;
  if (duration > 0) {
    // A fiber of the runtime ends the job's tasks at its deadline (their
    // waits are woken from a fiber); it holds the job until it returns.
    job->timer_done.store(false);
    runtime::TaskAttrs ta;
    ta.name = "job-timer";
    ta.owner = peer.principal;
    auto timer = rt_->spawn([job, deadline = rt_->now() + duration] {
      for (TimeNs t = runtime::now(); t < deadline && job->tasks->tasks_finished() < job->tasks->tasks_spawned();
           t = runtime::now())
        runtime::sleep_for(std::min<TimeNs>(deadline - t, 10 * kNsPerMs));
      job->tasks->cancel();
      job->timer_done.store(true);
    }, ta);
    if (!timer) {  // the tasks run on; said in the answer
      job->timer_done.store(true);
      warning = "no deadline: " + timer.error().message;
    }
  }
  jobs_.push_back(job);
  forget_old_jobs();
  Response r;
  r.ok = true;
  r.rule = rule;
  r.result = {{"job", job->id}, {"workload", what}, {"tasks", job->tasks->tasks_spawned()}, {"class", job->cls},
              {"owner", job->owner_name}};
  if (!warning.empty()) r.result["warning"] = warning;
  return r;
}

void Session::forget_old_jobs() {
  while (jobs_.size() > kMaxRemembered) {
    auto it = std::find_if(jobs_.begin(), jobs_.end(),
                           [](const auto& j) { return j->tasks->finished() && j->timer_done.load(); });
    if (it == jobs_.end()) return;
    jobs_.erase(it);
  }
}

Response Session::attach(const Peer& peer, const AttachArgs& a) {
  rt_->with_core([&](Core& core) { collect_reports(core); });
  const bool root = peer.principal.is_root();
  if (a.cls != "fair") {
    if (auto owned = owned_class(peer, a.cls, "attach tasks to class",
                                 "isolation: tasks are attached to the caller's own classes or fair");
        !owned)
      return owned.error();
  }
  std::vector<TaskId> ids;
  if (a.job) {
    auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& j) { return j->id == a.job; });
    if (it == jobs_.end()) return refused(fmt::format("no job {}", a.job), "chain: jobs");
    if (!root && (*it)->owner.uid != peer.principal.uid)
      return refused(fmt::format("{} may not attach job {}: its tasks belong to {} (uid {})", peer.describe(), a.job,
                                (*it)->owner_name, (*it)->owner.uid),
                    "isolation: a task is attached by its owner or root");
    ids = (*it)->tasks->task_ids();
    (*it)->cls = a.cls;
  } else {
    ids.push_back(a.task);
  }
  u64 moved = 0;
  std::string refusal, core_refusal;
  rt_->with_core([&](Core& core) {
    const ClassId cls = a.cls == "fair" ? core.fair_class() : core.find_class(a.cls);
    for (TaskId id : ids) {
      Task* t = core.find_task(id);
      if (!t || !t->is_live()) {
        if (!a.job) refusal = fmt::format("no live task {}", id);
        continue;
      }
      if (!root && t->owner.uid != peer.principal.uid) {
        refusal = fmt::format("{} may not attach task {}: it belongs to uid {}", peer.describe(), id, t->owner.uid);
        continue;
      }
      if (t->cls == cls) continue;
      // The core's own rule: a class manages its owner's tasks only, unless
      // its grant has sched.all_tasks (root's does).
      if (auto st = core.attach_task(*t, cls, rt_->now()); st) ++moved;
      else if (core_refusal.empty()) core_refusal = fmt::format("task {}: {}", id, st.error().message);
    }
  });
  if (!refusal.empty())
    return refused(refusal, refusal.find("may not") != std::string::npos
                               ? "isolation: a task is attached by its owner or root"
                               : "chain: tasks");
  if (moved == 0 && !core_refusal.empty())
    return refused(core_refusal, "chain: a class manages its owner's tasks unless granted sched.all_tasks");
  Response r;
  r.ok = true;
  r.rule = root ? "isolation: root may attach any task" : "isolation: the owner attaches its tasks";
  r.result = {{"class", a.cls}, {"moved", moved}};
  if (a.job) r.result["job"] = a.job;
  return r;
}

Response Session::stats(const Peer& peer) {
  const bool root = peer.principal.is_root();
  json classes = json::array();
  rt_->with_core([&](Core& core) {
    collect_reports(core);
    std::map<ClassId, json> mine;  // the caller's tasks per class (root: all)
    std::map<ClassId, u64> tasks;
    core.for_each_task([&](const Task& t) {
      if (!t.is_live()) return;
      ++tasks[t.cls];
      if (!root && t.owner.uid != peer.principal.uid) return;
      mine[t.cls].push_back({{"id", t.id}, {"name", std::string(t.comm.data())}, {"uid", t.owner.uid},
                             {"run_ns", t.acct.run_ns}, {"switches", t.acct.switches}});
    });
    TimeNs total = 0;
    for (ClassId id : core.chain()) total += core.class_runtime(id);
    for (ClassId id : core.chain()) {
      const std::string name(core.class_name(id));
      const Hosted* h = id == core.fair_class() ? nullptr : find(name);
      const bool own = root || id == core.fair_class() || (h && h->owner.uid == peer.principal.uid);
      json c = {{"name", name}, {"owner", id == core.fair_class() ? "built-in" : h ? h->owner_name : "?"},
                {"tasks", tasks[id]},
                {"cpu_share", total ? static_cast<double>(core.class_runtime(id)) / static_cast<double>(total) : 0.0}};
      // Another user's class: the public columns only.
      if (own) {
        c["dispatches"] = core.class_dispatches(id);
        c["runtime_ns"] = core.class_runtime(id);
      }
      c["my_tasks"] = mine.count(id) ? mine[id] : json::array();
      classes.push_back(std::move(c));
    }
  });
  json jobs = json::array();
  for (const auto& j : jobs_) {
    if (!root && j->owner.uid != peer.principal.uid) continue;
    jobs.push_back({{"job", j->id}, {"owner", j->owner_name}, {"workload", j->workload_name}, {"class", j->cls},
                    {"tasks", j->tasks->tasks_spawned()}, {"finished", j->tasks->tasks_finished()},
                    {"done", j->tasks->finished()}});
  }
  Response r;
  r.ok = true;
  r.rule = root ? "isolation: root sees every class and task"
                : "isolation: other users' classes show the public columns only; tasks and jobs are the caller's";
  r.result = {{"classes", std::move(classes)}, {"jobs", std::move(jobs)}};
  return r;
}

}  // namespace ups::daemon
