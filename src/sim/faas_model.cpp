// The FaaS chain model and one point of the sweep (see faas_model.h and
// docs/faas.md for the parameters and why they are what they are).
#include "sim/faas_model.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/bounded_file.h"
#include "report/chart.h"

#include "workload/config_node.h"
#include "workload/program_builder.h"
#include "sim/world.h"

namespace ups::sim {

using namespace workload;
using namespace report;
using namespace host;

const char* poll_from_name(PollFrom p) {
  switch (p) {
    case PollFrom::enqueue: return "enqueue";
    case PollFrom::start: return "start";
    case PollFrom::upload: return "upload";
    case PollFrom::never: return "never";
    case PollFrom::always: return "always";
  }
  return "?";
}

const RuntimeModel* FaasParams::runtime(const std::string& kind) const {
  if (kind == microvm.kind) return &microvm;
  if (kind == container.kind) return &container;
  if (kind == spin.kind) return &spin;
  return nullptr;
}

// workloads-and-metrics.md §1.3: identify -verbose 0.57-0.77 s user,
// convert -resize 0.37-0.42 s user, the JSON/DB stages 1-5 ms.
const std::vector<FaasStage>& faas_stages() {
  static const std::vector<FaasStage> stages = {
      {"extract", 600, 800}, {"transform", 1, 5}, {"handler", 1, 5},
      {"thumbnail", 400, 500}, {"store", 1, 5}};
  return stages;
}

namespace {

tl::unexpected<Error> param_error(const std::string& path, int line, const std::string& msg) {
  return make_error(ErrorKind::invalid_argument, msg, SourceLoc{path, line, 0, ""});
}

Status read_number(const ConfigNode& t, const char* key, const std::string& path, double& out) {
  const ConfigNode* v = t.find(key);
  if (!v) return {};
  if (!v->is_number()) return (param_error(path, v->line, fmt::format("'{}' must be a number", key)));
  out = v->number();
  return {};
}

Status read_runtime(const ConfigNode& t, const std::string& path, RuntimeModel& rt) {
  for (auto [key, out] : {std::pair{"io_ms", &rt.io_ms}, {"io_cpu_ms", &rt.io_cpu_ms},
                          {"poll_burst_ms", &rt.poll_burst_ms},
                          {"poll_period_ms", &rt.poll_period_ms}})
    if (auto st = read_number(t, key, path, *out); !st) return st;
  if (rt.io_ms < 0 || rt.io_cpu_ms < 0 || rt.poll_burst_ms < 0 || rt.poll_period_ms <= 0)
    return param_error(path, t.line, "io_ms, io_cpu_ms and poll_burst_ms must be >= 0, poll_period_ms > 0");
  if (const ConfigNode* v = t.find("poll_io")) {
    if (v->type != ConfigNode::Type::boolean)
      return (param_error(path, v->line, "'poll_io' must be true or false"));
    rt.poll_io = v->b;
  }
  if (const ConfigNode* v = t.find("poll_from")) {
    bool ok = false;
    for (PollFrom p : {PollFrom::enqueue, PollFrom::start, PollFrom::upload, PollFrom::never, PollFrom::always})
      if (v->type == ConfigNode::Type::string && v->s == poll_from_name(p)) rt.poll_from = p, ok = true;
    if (!ok)
      return (param_error(path, v->line, "'poll_from' must be enqueue, start, upload, never or always"));
  }
  return {};
}

}  // namespace

Result<FaasParams> load_faas_params(const std::string& path) {
  auto text = read_bounded_file(path, FileKind::workload);
  if (!text) return tl::unexpected(text.error());
  auto root = parse_config(*text, path);
  if (!root) return tl::unexpected(root.error());
  FaasParams p;
  const ConfigNode* f = root->find("faas");
  if (!f || f->type != ConfigNode::Type::table)
    return (param_error(path, 1, "no [faas] section"));
  for (auto [key, out] : {std::pair{"cost_scale", &p.cost_scale}, {"duration_s", &p.duration_s},
                          {"rate_per_chain", &p.rate_per_chain}, {"azure_iat_cv", &p.azure_iat_cv},
                          {"azure_duration_cv", &p.azure_duration_cv},
                          {"think_ms", &p.think_ms}})
    if (auto st = read_number(*f, key, path, *out); !st) return tl::unexpected(st.error());
  double hz = p.hz;
  if (auto st = read_number(*f, "hz", path, hz); !st) return tl::unexpected(st.error());
  p.hz = static_cast<u32>(hz);
  double cpus = p.cpus;
  if (auto st = read_number(*f, "cpus", path, cpus); !st) return tl::unexpected(st.error());
  p.cpus = static_cast<int>(cpus);
  if (const ConfigNode* v = f->find("arrival")) {
    if (v->type != ConfigNode::Type::string || (v->s != "poisson" && v->s != "azure" && v->s != "closed"))
      return (param_error(path, v->line, "'arrival' must be \"poisson\", \"azure\" or \"closed\""));
    p.arrival = v->s;
  }
  if (p.cost_scale <= 0 || p.duration_s <= 0 || p.rate_per_chain <= 0 || p.cpus < 1)
    return (param_error(path, f->line, "cost_scale, duration_s, rate_per_chain and cpus must be above 0"));
  if (p.think_ms < 0) return (param_error(path, f->line, "'think_ms' must be >= 0"));
  for (RuntimeModel* rt : {&p.microvm, &p.container, &p.spin})
    if (const ConfigNode* t = f->find(rt->kind); t && t->type == ConfigNode::Type::table)
      if (auto st = read_runtime(*t, path, *rt); !st) return tl::unexpected(st.error());
  return p;
}

Workload make_faas_workload(const FaasParams& prm, const RuntimeModel& rt, int chains) {
  const auto ns = [&](double ms) { return static_cast<TimeNs>(ms * prm.cost_scale * kNsPerMs); };
  const bool azure = prm.arrival == "azure";
  const bool closed = prm.arrival == "closed";
  const auto& stages = faas_stages();
  const u32 nst = static_cast<u32>(stages.size());
  Workload w;
  w.name = fmt::format("faas-{}-{}", rt.kind, chains);
  w.source = "faas model";
  auto obj = [&](std::string name, SyncKind k) {
    w.objects.push_back(SyncDecl{std::move(name), k, 0});
    return static_cast<u32>(w.objects.size() - 1);
  };
  auto group = [&](std::string name, u32 weight, Program p) {
    TaskGroup g;
    g.name = std::move(name);
    g.weight = weight;
    g.owner = kFaasPlatformUser;
    g.program = std::move(p);
    w.groups.push_back(std::move(g));
  };
  const TimeNs mean_iat = ns(1000.0 / prm.rate_per_chain);
  const Distribution iat = azure ? Distribution::lognormal(mean_iat, static_cast<TimeNs>(mean_iat * prm.azure_iat_cv))
                                 : Distribution::exponential(mean_iat);
  const Distribution io = Distribution::exponential(std::max<TimeNs>(ns(rt.io_ms), 1));
  const Distribution io_cpu = Distribution::exponential(std::max<TimeNs>(ns(rt.io_cpu_ms), 1));
  const int n = std::max(chains, 1);
  for (int c = 0; c < n; ++c) {
    const std::string pre = fmt::format("c{}", c);
    const u32 arrive = obj(pre + "-arrive", SyncKind::channel);
    const u32 done = closed ? obj(pre + "-done", SyncKind::channel) : 0;
    std::vector<u32> in(nst), notify(nst), io_req(nst), io_done(nst);
    for (u32 i = 0; i < nst; ++i) {
      in[i] = obj(fmt::format("{}-in{}", pre, i), SyncKind::channel);
      notify[i] = obj(fmt::format("{}-notify{}", pre, i), SyncKind::event);
      io_req[i] = obj(fmt::format("{}-ioreq{}", pre, i), SyncKind::event);
      io_done[i] = obj(fmt::format("{}-iodone{}", pre, i), SyncKind::event);
    }
    // The platform's front end hands each request to the first function;
    // a closed-loop client waits for the chain's answer (and thinks) first.
    ProgramBuilder gw;
    gw.forever();
    if (closed) {
      if (prm.think_ms > 0) gw.sleep(Distribution::exponential(ns(prm.think_ms)));
      gw.begin();
    } else {
      w.arrivals.push_back(ArrivalSource{arrive, iat, 0, ns(1000.0 / prm.rate_per_chain) * c / n});
      gw.recv(arrive);
    }
    gw.send(in[0]);
    if (rt.poll_from == PollFrom::enqueue) gw.signal(notify[1]);
    if (closed) gw.recv(done);
    group(pre + "-gw", 100, gw.end().build());
    for (u32 i = 0; i < nst; ++i) {
      const FaasStage& st = stages[i];
      const double mean = (st.cpu_lo_ms + st.cpu_hi_ms) / 2;
      const Distribution cpu = azure ? Distribution::lognormal(ns(mean), static_cast<TimeNs>(ns(mean) * prm.azure_duration_cv))
                                     : Distribution::uniform(ns(st.cpu_lo_ms), ns(st.cpu_hi_ms));
      const bool has_next = i + 1 < nst;
      ProgramBuilder b;
      b.forever();
      // Input: a polling runtime polls it, from when it is told a request
      // is on its way, or (always) whenever it has none.
      const bool polls_input = rt.poll_from == PollFrom::always || (i > 0 && rt.poll_from != PollFrom::never);
      if (polls_input) {
        if (rt.poll_from != PollFrom::always) b.wait(notify[i]);
        if (rt.poll_burst_ms > 0)
          b.poll_recv(in[i], Distribution::constant(std::max<TimeNs>(ns(rt.poll_burst_ms), 1)),
                      Distribution::exponential(std::max<TimeNs>(ns(rt.poll_period_ms), 1)));
        else
          b.spin(in[i]);
      } else {
        b.recv(in[i]);
      }
      if (has_next && rt.poll_from == PollFrom::start) b.signal(notify[i + 1]);
      // Download from object storage, compute, upload.
      auto storage = [&] {
        if (rt.poll_io) {
          b.signal(io_req[i]).spin(io_done[i]);
        } else {
          b.sleep(io);
          if (rt.io_cpu_ms > 0) b.compute(io_cpu);
        }
      };
      storage();
      b.compute(cpu);
      if (has_next && rt.poll_from == PollFrom::upload) b.signal(notify[i + 1]);
      storage();
      if (has_next) {
        b.send(in[i + 1]);
        if (rt.poll_from == PollFrom::enqueue && i + 2 < nst) b.signal(notify[i + 2]);
      } else {
        if (closed) b.send(done);
        b.complete();
      }
      // Later stages weigh more: the chain position reaches the policy as
      // the weight (faas_event.bpf.c turns it into an earlier deadline).
      group(fmt::format("{}-{}", pre, st.name), 100 + 25 * i, b.end().build());
      if (rt.poll_io) {  // the storage client answering this function's requests
        ProgramBuilder client;
        client.forever().wait(io_req[i]).sleep(io);
        if (rt.io_cpu_ms > 0) client.compute(io_cpu);
        group(fmt::format("{}-io{}", pre, i), 100, client.signal(io_done[i]).end().build());
      }
    }
  }
  return w;
}

namespace {

// Longest time a runtime whose event fired waited for a CPU: from the
// first observation after it stopped polling in vain, while off a CPU,
// until it runs (the starvation check of issue 6). Preempted workers
// waiting their EDF turn are not counted: they are not waiting on an event.
struct ReadyWatch {
  std::set<TaskId> polling;        // idle-polling at the last observation
  std::map<TaskId, TimeNs> since;  // event fired, not yet on a CPU
  TimeNs worst = 0;
  void observe(World& world) {
    const TimeNs now = world.now();
    world.core().for_each_task([&](const Task& t) {
      const bool off_cpu = t.state == TaskState::queued || t.state == TaskState::custody;
      if (t.wait.kind == WaitKind::spinning && !t.wait.fired) {
        polling.insert(t.id);
        since.erase(t.id);
        return;
      }
      if (polling.erase(t.id) && off_cpu) since.emplace(t.id, now);
      auto it = since.find(t.id);
      if (it == since.end()) return;
      if (off_cpu) worst = std::max(worst, now - it->second);
      else since.erase(it);
    });
  }
};

}  // namespace

void fill_faas_point(FaasPoint& pt, const RunReport& r, double used_cpu_s) {
  if (pt.error.empty() && !r.error.empty()) pt.error = r.error;
  // A policy ejected mid-run is a failed point, not a result.
  for (auto& e : r.exit_reports)
    if (static_cast<u32>(e.kind) >= static_cast<u32>(ExitKind::error) && pt.error.empty())
      pt.error = fmt::format("{} ejected: {} {}", e.class_name, e.reason, e.message);
  pt.used_cpu_s = used_cpu_s;
  pt.idle_ratio = r.wasted_cpu_ratio;
  pt.wasted_cpu_s = r.wasted_cpu_ratio * used_cpu_s;
  pt.p50_ms = r.request_latency.p50_us / 1e3;
  pt.p99_ms = r.request_latency.p99_us / 1e3;
  pt.requests = r.requests;
  pt.throughput_rps = r.elapsed_ns ? r.requests / (static_cast<double>(r.elapsed_ns) / kNsPerSec) : 0;
  pt.lost_tasks = r.lost_tasks;
  pt.trace_sha256 = r.trace_sha256;
}

FaasPoint run_faas_point(const FaasParams& prm, const RuntimeModel& rt, int chains,
                         const FaasRunOptions& opt) {
  FaasPoint pt;
  pt.chains = chains;
  SimConfig cfg;
  cfg.nr_cpus = prm.cpus;
  cfg.seed = opt.seed;
  cfg.duration = static_cast<TimeNs>(prm.duration_s * kNsPerSec);
  cfg.policies = {opt.policy};
  cfg.check_invariants = false;
  cfg.costs.hz = prm.hz;
  cfg.ftrace = opt.ftrace;
  cfg.chrome = opt.chrome;
  RunSamples samples;  // the requests' latencies, for latency_cdf
  cfg.samples = &samples;
  auto world = World::create(make_faas_workload(prm, rt, chains), cfg,
                             opt.factory ? opt.factory : native_policy_factory());
  if (!world) {
    pt.error = world.error().to_string();
    return pt;
  }
  ReadyWatch watch;
  if (opt.check_starvation)
    (*world)->after_event = [&watch](World& wd) {
      watch.observe(wd);
      return std::string();
    };
  auto st = (*world)->run();
  RunReport r = (*world)->report();
  if (!st) pt.error = st.error().message;
  double used = 0;
  for (auto& g : r.groups) used += g.run_s;
  fill_faas_point(pt, r, used);
  if (opt.check_starvation) pt.max_ready_wait_ms = watch.worst / 1e6;
  std::vector<double> ms;
  for (TimeNs v : samples.requests().kept()) ms.push_back(static_cast<double>(v) / 1e6);
  for (auto [v, pct] : cdf_points(std::move(ms), 200)) pt.latency_cdf.emplace_back(pct / 100, v);
  return pt;
}

}  // namespace ups::sim
