// Runtime setup, the CoreHooks and ClassHostHooks the core and the class
// host call, spawning, and the run with its summary.
#include "runtime/runtime.h"

#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/scx_constants.h"
#include "host/policy_spec.h"
#include "runtime/monotonic_clock.h"
#include "runtime/runtime_impl.h"

namespace ups::runtime {

namespace {

// The runtimes whose run() a SIGINT ends (one at a time: the handler needs a
// plain global to stay async-signal-safe).
std::atomic<Impl*> g_sigint_target{nullptr};

void on_sigint(int) {
  Impl* rt = g_sigint_target.load();
  if (!rt) return;
  rt->stop_requested.store(true);
  Impl::kick(rt->monitor_kick_fd);  // write(2): async-signal-safe
}

Error os_error(const std::string& what) {
  return Error{ErrorKind::io, what + ": " + std::strerror(errno), {}};
}

}  // namespace

TimeNs Impl::now() const { return monotonic_ns() - epoch; }

void Impl::kick(int fd) {
  const u64 one = 1;
  [[maybe_unused]] ssize_t r = ::write(fd, &one, sizeof one);
}

// --- CoreHooks ------------------------------------------------------------------

void Impl::resched_cpu(CpuId cpu) {
  Worker& w = *workers[static_cast<size_t>(cpu)];
  w.resched.store(true);
  // On its own thread: the scheduler calls schedule() next, or the fiber
  // yields when it leaves its FiberSection (honour_resched).
  if (&w == current_worker()) return;
  if (w.idle) {
    kick(w.kick_fd);
    return;
  }
  signal_worker(w);
}

void Impl::signal_worker(Worker& w) {
  FiberTask* f = w.running;
  // A fiber inside the runtime checks `resched` when it leaves (honour_resched).
  if (!f || f->in_runtime.load() || !started) return;
  ++preempt_signals;
  ::pthread_kill(w.handle, SIGURG);
}

void Impl::arm_timer(ClassId cls, u64 timer_id, TimeNs at) {
  auto key = std::make_pair(cls, timer_id);
  auto it = policy_timer_index.find(key);
  u32 slot;
  if (it == policy_timer_index.end()) {
    slot = static_cast<u32>(policy_timers.size());
    policy_timers.push_back(PolicyTimer{cls, timer_id, 0});
    policy_timer_index.emplace(key, slot);
  } else {
    slot = it->second;
  }
  TimerEntry e;
  e.at = at;
  e.kind = TimerEntry::policy;
  e.slot = slot;
  e.gen = ++policy_timers[slot].gen;
  add_timer(e);
}

void Impl::cancel_timer(ClassId cls, u64 timer_id) {
  auto it = policy_timer_index.find(std::make_pair(cls, timer_id));
  if (it != policy_timer_index.end()) ++policy_timers[it->second].gen;
}

void Impl::on_exit_report(const ExitReport& r) { sum.exit_reports.push_back(r); }

// The core accounts a wakeup's latency when the task first runs after it;
// the growth of its sum since the last switch in is this wakeup's sample.
void Impl::account_task(const Task& t) {
  sum.task_run_ns += t.acct.run_ns;
  sum.spin_ns += t.acct.spin_ns;
}

void Impl::on_switch(CpuId, const Task*, const Task* next, TimeNs) {
  if (!next) return;
  FiberTask* f = fiber_of(next);
  if (next->acct.wakeups != f->wakeups_seen) {
    wake_lat.record(next->acct.wakeup_latency_sum - f->wake_lat_seen);
    f->wakeups_seen = next->acct.wakeups;
    f->wake_lat_seen = next->acct.wakeup_latency_sum;
  }
}

// --- ClassHostHooks --------------------------------------------------------------

void Impl::schedule_class_step(u32 step, TimeNs at) {
  TimerEntry e;
  e.at = at;
  e.kind = TimerEntry::class_step;
  e.slot = step;
  add_timer(e);
}

void Impl::class_loaded(const std::string& name, ClassId id) {
  const TimeNs t = class_step_now;
  for (auto& f : fibers)
    if (f->task && host->class_name_for(f->cls) == name) attach(*f, id, t);
  // The half its loader made runs in it, as scx_userland.c moves itself to
  // SCHED_EXT before it loads its BPF half.
  for (auto& h : halves)
    if (h->half && h->cls == kNoClass) {
      h->cls = id;
      attach(*h->f, id, t);
      core->wake_up(*h->f->task, scx::WAKE_FORK, t);
    }
}

void Impl::class_replaced(const std::string&, ClassId, const std::string&) {}

// --- user-space halves (policy/user_space_half.h) ------------------------------------

Result<s32> Impl::reserve_task(const char* comm) {
  if (started)
    return make_error(ErrorKind::unsupported,
                      "a policy with a user-space half (scx_userland) loads only before the run here");
  auto h = std::make_unique<UserHalf>();
  UserHalf* half = h.get();
  TaskAttrs a;
  a.name = comm;
  a.cls = "fair";  // attached to its policy's class by class_loaded, not by name
  auto f = new_fiber_task([this, half] { run_user_half(*half); }, a, class_step_now);
  if (!f) return tl::unexpected(f.error());
  half->f = *f;
  ++half_live;
  halves.push_back(std::move(h));
  return static_cast<s32>((*f)->id);
}

void Impl::run_half(s32 pid, std::unique_ptr<policy::UserSpaceHalf> half) {
  for (auto& h : halves)
    if (h->f->id == static_cast<TaskId>(pid)) h->half = std::move(half);
}

// The half's fiber: a round under the core lock (its maps are the policy's,
// which the callbacks use under it), a yield, until its class goes. It keeps
// no run going: the run ends when only halves are left (half_live).
void Impl::run_user_half(UserHalf& h) {
  for (;;) {
    FiberSection s("user-space half");
    if (!h.half || !core->class_loaded(h.cls)) {
      --half_live;
      return;
    }
    h.half->round();
    s.yield();
  }
}

// --- helpers --------------------------------------------------------------------

void Impl::add_timer(const TimerEntry& e) {
  timers.push(e);
  if (e.at < monitor_deadline && monitor_kick_fd >= 0) kick(monitor_kick_fd);
}

void Impl::wake(FiberTask* f, TimeNs t) {
  f->wait = WaitOn::none;
  ++f->wait_gen;
  core->wake_up(*f->task, scx::WAKE_TTWU, t);
}

void Impl::attach(FiberTask& f, ClassId id, TimeNs t) {
  if (id == core->fair_class() || f.task->cls == id) return;
  if (auto st = core->attach_task(*f.task, id, t); !st)
    sum.problems.push_back(fmt::format("task {} '{}' stays in its class: {}", f.id, f.name,
                                       st.error().message));
}

// --- Runtime --------------------------------------------------------------------

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Runtime::~Runtime() {
  if (impl_->abandoned) {
    (void)impl_.release();  // a detached worker may still touch it
    return;
  }
  Impl& I = *impl_;
  for (auto& w : I.workers)
    for (int fd : {w->kick_fd, w->idle_epoll})
      if (fd >= 0) ::close(fd);
  for (int fd : {I.epoll_fd, I.io_epoll_fd, I.monitor_kick_fd, I.timer_fd})
    if (fd >= 0) ::close(fd);
  for (auto& f : I.fibers) delete f->fiber;  // unfinished fibers: their stacks go, unwound or not
}

Result<std::unique_ptr<Runtime>> Runtime::create(RuntimeOptions opts) {
  if (opts.cpus.empty() || opts.cpus.size() > static_cast<size_t>(kMaxCpus))
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("the runtime needs 1..{} CPUs, not {}", kMaxCpus, opts.cpus.size()));
  if (opts.tick_ns < 10 * kNsPerUs)
    return make_error(ErrorKind::invalid_argument, "the runtime's tick must be at least 10us");
  auto topo = Topology::make(static_cast<int>(opts.cpus.size()));
  if (!topo) return tl::unexpected(topo.error());
  auto impl = std::make_unique<Impl>();
  Impl& I = *impl;
  I.opts = std::move(opts);
  I.epoch = monotonic_ns();
  CoreConfig cc;
  cc.fair = I.opts.fair;
  cc.tick_ns = I.opts.tick_ns;
  cc.check_invariants = I.opts.check_invariants;
  I.core = std::make_unique<Core>(std::move(*topo), cc, static_cast<CoreHooks&>(I));
  I.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  I.io_epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  I.monitor_kick_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  I.timer_fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (I.epoll_fd < 0 || I.io_epoll_fd < 0 || I.monitor_kick_fd < 0 || I.timer_fd < 0) return tl::unexpected(os_error("runtime monitor"));
  for (int fd : {I.monitor_kick_fd, I.timer_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = fd == I.monitor_kick_fd ? kEpollKick : kEpollTimer;  // not fibers
    if (::epoll_ctl(I.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) return tl::unexpected(os_error("runtime epoll"));
  }
  for (size_t i = 0; i < I.opts.cpus.size(); ++i) {
    auto w = std::make_unique<Worker>();
    w->rt = &I;
    w->cpu = static_cast<CpuId>(i);
    w->os_cpu = I.opts.cpus[i];
    w->kick_fd = ::eventfd(0, EFD_CLOEXEC);
    w->idle_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (w->kick_fd < 0 || w->idle_epoll < 0) return tl::unexpected(os_error("worker eventfd"));
    for (auto [fd, tag] : {std::pair{w->kick_fd, kEpollKick}, std::pair{I.io_epoll_fd, kEpollIo}}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = tag;
      if (::epoll_ctl(w->idle_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) return tl::unexpected(os_error("worker epoll"));
    }
    I.workers.push_back(std::move(w));
  }
  install_preempt_handler();
  // No policy loaded yet: every task goes to fair until load().
  I.host = std::make_unique<host::ClassHost>(*I.core, host::native_policy_factory(),
                                             static_cast<host::ClassHostHooks&>(I), "(runtime)");
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Status Runtime::load(const std::vector<std::string>& policies, const std::string& admission_file,
                     const std::vector<workload::ClassDecl>& declared, const std::string& source) {
  Impl& I = *impl_;
  if (I.started || I.loaded)
    return make_error(ErrorKind::invalid_argument, "Runtime::load: only once, before run()");
  I.loaded = true;
  auto factory = host::policy_spec_factory(admission_file, I.opts.seed, static_cast<int>(I.workers.size()));
  if (!factory) return tl::unexpected(factory.error());
  std::lock_guard lk(I.core_mu);
  I.host = std::make_unique<host::ClassHost>(*I.core, std::move(*factory),
                                             static_cast<host::ClassHostHooks&>(I), source);
  I.class_step_now = I.now();
  return I.host->start(policies, Principal{}, declared, I.class_step_now);
}

Result<TaskId> Runtime::spawn(std::function<void()> fn, TaskAttrs attrs) {
  Impl& I = *impl_;
  if (!fn) return make_error(ErrorKind::invalid_argument, "Runtime::spawn: no function");
  // From a fiber, the core lock is taken as every fiber-side call takes it.
  std::optional<FiberSection> fs;
  std::unique_lock<CoreLock> lk;
  if (current_fiber() && current_fiber()->rt == &I) fs.emplace("spawn");
  else lk = std::unique_lock(I.core_mu);
  const TimeNs t = I.now();
  auto f = I.new_fiber_task(std::move(fn), attrs, t);
  if (!f) return tl::unexpected(f.error());
  I.attach(**f, I.host->class_for((*f)->cls), t);
  I.core->wake_up(*(*f)->task, scx::WAKE_FORK, t);
  return (*f)->id;
}

Result<FiberTask*> Impl::new_fiber_task(std::function<void()> fn, const TaskAttrs& attrs, TimeNs t) {
  TaskSpec spec;
  spec.owner = attrs.owner;
  spec.weight = attrs.weight;
  spec.affinity = attrs.affinity;
  if (!attrs.cgroup.empty()) {
    const Cgroup* cg = core->find_cgroup(attrs.cgroup);
    if (!cg) return make_error(ErrorKind::not_found, fmt::format("Runtime::spawn: no cgroup '{}'", attrs.cgroup));
    spec.cgroup = cg->id;
  }
  auto ft = std::make_unique<FiberTask>();
  FiberTask* f = ft.get();
  f->rt = this;
  f->fn = std::move(fn);
  f->name = attrs.name;
  f->cls = attrs.cls;
  auto fiber = Fiber::create([f] { f->rt->run_fiber_body(*f); }, opts.stack_bytes);
  if (!fiber) return tl::unexpected(fiber.error());
  f->fiber = *fiber;
  spec.comm = f->name.c_str();
  auto p = core->create_task(spec, t);
  if (!p) {
    delete f->fiber;
    Error e = p.error();
    e.message = "Runtime::spawn: " + e.message;
    return tl::unexpected(e);
  }
  f->task = *p;
  f->id = (*p)->id;
  (*p)->substrate_data = f;
  fibers.push_back(std::move(ft));
  ++live;
  ++sum.spawned;
  return f;
}

void Runtime::stop() {
  impl_->stop_requested.store(true);
  if (impl_->monitor_kick_fd >= 0) Impl::kick(impl_->monitor_kick_fd);
}

void Runtime::with_core(const std::function<void(Core&)>& f) {
  if (current_fiber()) {  // a fiber takes the lock as its waits do (not preempted holding it)
    FiberSection s("with_core");
    f(s.core());
    return;
  }
  std::lock_guard lk(impl_->core_mu);
  f(*impl_->core);
}

TimeNs Runtime::now() const { return impl_->now(); }

Result<RunSummary> Runtime::run() {
  Impl& I = *impl_;
  if (I.ran) return make_error(ErrorKind::invalid_argument, "Runtime::run: called twice");
  I.ran = true;
  struct sigaction old_int {};
  if (I.opts.handle_sigint) {
    g_sigint_target.store(&I);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int);
  }
  const TimeNs t0 = I.now();
  {
    std::lock_guard lk(I.core_mu);
    I.started = true;
    for (auto& w : I.workers) {
      Worker* wp = w.get();
      w->thread = std::thread([&I, wp] { I.worker_main(*wp); });
      w->handle = w->thread.native_handle();
      ::pthread_getcpuclockid(w->handle, &w->cpu_clock);
    }
  }
  I.monitor = std::thread([&I] { I.monitor_main(); });
  I.monitor.join();
  for (auto& w : I.workers) {
    bool out;
    {
      std::lock_guard lk(I.core_mu);
      out = w->exited;
    }
    if (out) {
      w->thread.join();
      continue;
    }
    // Its fiber never left a system call: the thread is left running on
    // this (now leaked) state rather than the run hanging.
    w->thread.detach();
    I.abandoned = true;
    ++I.sum.workers_left_behind;
    std::lock_guard lk(I.core_mu);
    I.sum.problems.push_back(fmt::format("the worker of CPU {} did not stop: its fiber is stuck in a "
                                         "system call; the thread was left behind", w->cpu));
  }
  if (I.opts.handle_sigint) {
    ::sigaction(SIGINT, &old_int, nullptr);
    g_sigint_target.store(nullptr);
  }

  std::lock_guard lk(I.core_mu);
  RunSummary s = I.sum;
  s.elapsed_ns = I.now() - t0;
  s.preempt_signals = I.preempt_signals;
  for (auto& w : I.workers) s.preemptions += w->preemptions.load();
  s.interrupted = I.stop_requested.load();
  s.unfinished = I.live - I.half_live;
  const size_t core_live = I.core->nr_live_tasks();
  s.lost_tasks = core_live > I.live ? core_live - I.live : 0;
  s.wakeup_latency = report::percentiles_of(I.wake_lat);
  s.slice_overrun = report::percentiles_of(I.slice_overrun);
  s.slice_overrun_own = report::percentiles_of(I.slice_overrun_own);
  I.core->for_each_task([&](const Task& t) {
    if (t.state != TaskState::exited) {
      s.task_run_ns += t.acct.run_ns;
      s.spin_ns += t.acct.spin_ns;
    }
  });
  for (ClassId c : I.core->chain())
    s.class_runtime.emplace_back(std::string(I.core->class_name(c)), I.core->class_runtime(c));
  return s;
}

Result<std::vector<int>> parse_cpus(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::invalid_argument, "--cpus " + text + ": " + why);
  };
  auto number = [&](const std::string& s, int* out) {
    if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoi(s);
    return true;
  };
  std::vector<int> cpus;
  int n = 0;
  if (number(text, &n)) {  // a count
    if (n < 1 || n > kMaxCpus) return bad(fmt::format("a count must be in 1..{}", kMaxCpus));
    for (int i = 0; i < n; ++i) cpus.push_back(i);
    return cpus;
  }
  size_t i = 0;
  while (i <= text.size()) {
    const size_t comma = std::min(text.find(',', i), text.size());
    const std::string item = text.substr(i, comma - i);
    const size_t dash = item.find('-');
    int lo = 0, hi = 0;
    if (dash == std::string::npos ? !number(item, &lo) : (!number(item.substr(0, dash), &lo) ||
                                                         !number(item.substr(dash + 1), &hi)))
      return bad("'" + item + "' is not a CPU id or a range A-B");
    if (dash == std::string::npos) hi = lo;
    if (hi < lo) return bad("range '" + item + "' ends before it starts");
    for (int c = lo; c <= hi; ++c) {
      if (std::find(cpus.begin(), cpus.end(), c) != cpus.end()) return bad(fmt::format("CPU {} given twice", c));
      cpus.push_back(c);
    }
    if (cpus.size() > static_cast<size_t>(kMaxCpus)) return bad(fmt::format("more than {} CPUs", kMaxCpus));
    i = comma + 1;
  }
  return cpus;
}

}  // namespace ups::runtime
