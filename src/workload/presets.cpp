#include "workload/presets.h"

#include <algorithm>

#include "workload/program_builder.h"

namespace ups::workload {
namespace {

constexpr TimeNs us(double v) { return static_cast<TimeNs>(v * kNsPerUs); }
constexpr TimeNs ms(double v) { return static_cast<TimeNs>(v * kNsPerMs); }

u32 add_object(Workload& w, std::string name, SyncKind kind) {
  w.objects.push_back(SyncDecl{std::move(name), kind, 0});
  return static_cast<u32>(w.objects.size() - 1);
}

void add_group(Workload& w, std::string name, u32 count, u32 weight, Program p) {
  TaskGroup g;
  g.name = std::move(name);
  g.count = count;
  g.weight = weight;
  g.program = std::move(p);
  w.groups.push_back(std::move(g));
}

// nr_cpus hogs of each weight 100, 200, 400: each CPU can hold one of each,
// so the weighted shares 1/7, 2/7, 4/7 are reachable.
Workload hogs(int cpus) {
  Workload w;
  for (u32 mult : {1u, 2u, 4u})
    add_group(w, "w" + std::to_string(mult), static_cast<u32>(cpus), 100 * mult,
              ProgramBuilder().forever().compute(Distribution::constant(ms(100))).end().build());
  return w;
}

// nr_cpus + 1 hogs (task weight 100) in each of three cgroups of
// cpu.weight 100, 200, 400: a cgroup-aware policy gives the cgroups 1/7,
// 2/7, 4/7 (the fair class is flat and gives each a third); scx_pair's
// pairs of CPUs take turns on them. The one extra hog per cgroup keeps a
// FIFO policy's rounds from lining up with the cgroups, so that running
// only one cgroup's tasks on paired CPUs is something a policy does, not
// an accident of the counts.
Workload cgroups(int cpus) {
  Workload w;
  for (u32 mult : {1u, 2u, 4u}) {
    const std::string name = "cg" + std::to_string(mult);
    w.cgroups.push_back(CgroupDecl{"/" + name, 100 * mult, 0});
    add_group(w, name, static_cast<u32>(cpus) + 1, 100,
              ProgramBuilder().forever().compute(Distribution::constant(ms(100))).end().build());
    w.groups.back().cgroup = "/" + name;
  }
  return w;
}

// hackbench -g 10 -l 100 over pipes: per group 20 senders write 100
// messages to each of 20 receivers (2,000 each); each write wakes a reader.
Workload pipes(int) {
  Workload w;
  constexpr u32 kGroups = 10, kFds = 20, kLoops = 100;
  for (u32 g = 0; g < kGroups; ++g) {
    u32 ch = add_object(w, "pipe" + std::to_string(g), SyncKind::channel);
    add_group(w, "snd" + std::to_string(g), kFds, 100,
              ProgramBuilder().repeat(kLoops * kFds).compute(Distribution::constant(us(2)))
                  .send(ch).end().build());
    add_group(w, "rcv" + std::to_string(g), kFds, 100,
              ProgramBuilder().repeat(kLoops * kFds).recv(ch)
                  .compute(Distribution::constant(us(1))).end().build());
  }
  return w;
}

// Open-loop Poisson requests, 99.5% 4 us / 0.5% 10 ms (mean 54 us), at
// 70% of the machine's capacity; 4 workers per CPU take them in order.
Workload rpc_bimodal(int cpus) {
  Workload w;
  u32 req = add_object(w, "req", SyncKind::channel);
  Distribution service = Distribution::bimodal(us(4), ms(10), 0.005);
  double rate_per_ns = 0.7 * cpus / service.mean();
  ArrivalSource a;
  a.channel = req;
  a.interarrival = Distribution::exponential(static_cast<TimeNs>(1.0 / rate_per_ns));
  w.arrivals.push_back(a);
  add_group(w, "worker", static_cast<u32>(4 * cpus), 100,
            ProgramBuilder().forever().recv(req).compute(service).complete().end().build());
  return w;
}

// schbench -m M -t CPUS: per message thread, workers announce themselves,
// get woken with a request, usleep(100), compute about 1 ms and report.
Workload schbench(int cpus) {
  Workload w;
  int m = std::max(1, cpus / 8);
  for (int i = 0; i < m; ++i) {
    std::string pre = "m" + std::to_string(i);
    u32 ready = add_object(w, pre + ".ready", SyncKind::channel);
    u32 work = add_object(w, pre + ".work", SyncKind::channel);
    add_group(w, "message" + std::to_string(i), 1, 100,
              ProgramBuilder().forever().recv(ready).compute(Distribution::constant(us(2)))
                  .begin().send(work).end().build());
    add_group(w, "worker" + std::to_string(i), static_cast<u32>(cpus), 100,
              ProgramBuilder().forever().send(ready).recv(work)
                  .sleep(Distribution::constant(us(100)))
                  .compute(Distribution::uniform(us(500), us(1500))).complete().end().build());
  }
  return w;
}

}  // namespace

const std::vector<PresetInfo>& preset_list() {
  static const std::vector<PresetInfo> list = {
      {"hogs", "CPU hogs of weights 1:2:4, one of each per CPU (fair shares 1/7, 2/7, 4/7)"},
      {"cgroups", "CPU hogs in three cgroups of cpu.weight 1:2:4, one more than the CPUs in each"},
      {"pipes", "hackbench-like messaging: 10 groups of 20 senders and 20 receivers"},
      {"rpc-bimodal", "open-loop Poisson requests, 99.5% 4us / 0.5% 10ms, 70% load"},
      {"schbench", "message and worker threads; wakeup and request latency"},
  };
  return list;
}

Result<Workload> make_preset(std::string_view name, int nr_cpus) {
  Workload w;
  if (name == "hogs") w = hogs(nr_cpus);
  else if (name == "cgroups") w = cgroups(nr_cpus);
  else if (name == "pipes") w = pipes(nr_cpus);
  else if (name == "rpc-bimodal") w = rpc_bimodal(nr_cpus);
  else if (name == "schbench") w = schbench(nr_cpus);
  else {
    std::string names;
    for (auto& p : preset_list()) names += (names.empty() ? "" : ", ") + p.name;
    return make_error(ErrorKind::not_found,
                      "unknown preset '" + std::string(name) + "' (presets: " + names + ")");
  }
  w.name = std::string(name);
  w.source = "preset " + std::string(name);
  return w;
}

}  // namespace ups::workload
