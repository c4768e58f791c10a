// Property tests: 1,000 random finite workloads under every policy on
// random CPU counts. After every event the core's invariants hold and every
// live task is where the simulator expects it (none lost, none running
// twice); every workload completes. A failure prints the seed to add to
// tests/data/sim/seeds.txt, which is replayed first.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "workload/program_builder.h"
#include "sim_test_util.h"

namespace ups::sim {
namespace {

using testing::all_policies;
using testing::checked_config;
using testing::run_checked;

constexpr int kWorkloads = 1000;

Distribution random_duration(Rng& rng, TimeNs max_ns) {
  TimeNs a = rng.uniform(1000, max_ns);
  switch (rng.uniform(0, 4)) {
    case 0: return Distribution::constant(a);
    case 1: return Distribution::uniform(a / 2, a);
    case 2: return Distribution::exponential(a);
    case 3: return Distribution::lognormal(a, a / 2);
    default: return Distribution::bimodal(a / 4, a, 0.1);
  }
}

u32 random_weight(Rng& rng) {
  static constexpr u32 kWeights[] = {1, 50, 100, 100, 200, 1000, 10000};
  return kWeights[rng.uniform(0, 6)];
}

TaskGroup group(Rng& rng, std::string name, u32 count, Program p, int cpus) {
  TaskGroup g;
  g.name = std::move(name);
  g.count = count;
  g.weight = random_weight(rng);
  g.start = rng.chance(0.5) ? 0 : rng.uniform(0, 1000000);
  g.owner.uid = static_cast<u32>(rng.uniform(0, 2)) * 1000;
  if (rng.chance(0.2)) {  // a random non-empty affinity
    CpuId c = static_cast<CpuId>(rng.uniform(0, cpus - 1));
    g.affinity.set(c);
    if (rng.chance(0.5)) g.affinity.set(static_cast<CpuId>(rng.uniform(0, cpus - 1)));
  }
  g.program = std::move(p);
  return g;
}

// Producers and consumers of one event or channel: tokens given equal
// tokens taken, and producers never wait, so the workload always finishes.
void add_pair(Rng& rng, Workload& w, int id, bool channel, int cpus) {
  std::string n = std::to_string(id);
  u32 obj = static_cast<u32>(w.objects.size());
  w.objects.push_back(SyncDecl{(channel ? "ch" : "ev") + n, channel ? SyncKind::channel : SyncKind::event, 0});
  u32 producers = static_cast<u32>(rng.uniform(1, 3)), per = static_cast<u32>(rng.uniform(1, 6));
  u32 total = producers * per;
  u32 consumers = 1;
  for (u32 c = static_cast<u32>(rng.uniform(1, 4)); c >= 1; --c)
    if (total % c == 0) { consumers = c; break; }
  ProgramBuilder pb;
  pb.repeat(per);
  if (rng.chance(0.5)) pb.sleep(random_duration(rng, 200000));
  pb.compute(random_duration(rng, 100000));
  if (channel) pb.begin().send(obj);
  else pb.signal(obj);
  pb.end();
  w.groups.push_back(group(rng, "prod" + n, producers, pb.build(), cpus));
  ProgramBuilder cb;
  cb.repeat(total / consumers);
  if (channel) cb.recv(obj);
  else if (rng.chance(0.5)) cb.spin(obj);
  else cb.wait(obj);
  cb.compute(random_duration(rng, 50000));
  if (channel) cb.complete();
  if (rng.chance(0.3)) cb.yield();
  cb.end();
  w.groups.push_back(group(rng, "cons" + n, consumers, cb.build(), cpus));
}

Workload random_workload(u64 seed, int cpus) {
  Rng rng(seed);
  Workload w;
  w.name = "random-" + std::to_string(seed);
  w.source = w.name;
  int parts = static_cast<int>(rng.uniform(1, 3));
  for (int i = 0; i < parts; ++i) {
    std::string n = std::to_string(i);
    switch (rng.uniform(0, 3)) {
      case 0: {
        ProgramBuilder b;
        b.repeat(static_cast<u32>(rng.uniform(1, 6))).compute(random_duration(rng, 300000));
        if (rng.chance(0.5)) b.sleep(random_duration(rng, 300000));
        if (rng.chance(0.2)) b.yield();
        b.end();
        w.groups.push_back(group(rng, "cpu" + n, static_cast<u32>(rng.uniform(1, 5)), b.build(), cpus));
        break;
      }
      case 1: add_pair(rng, w, i, false, cpus); break;
      case 2: add_pair(rng, w, i, true, cpus); break;
      default: {
        u32 child = static_cast<u32>(w.groups.size()) + 1;
        ProgramBuilder b;
        b.repeat(static_cast<u32>(rng.uniform(1, 3)))
            .fork(child, static_cast<u32>(rng.uniform(1, 3)))
            .compute(random_duration(rng, 100000)).end();
        w.groups.push_back(group(rng, "parent" + n, static_cast<u32>(rng.uniform(1, 2)), b.build(), cpus));
        w.groups.push_back(group(rng, "child" + n, 0,
                                 ProgramBuilder().compute(random_duration(rng, 100000)).exit().build(), cpus));
        break;
      }
    }
  }
  return w;
}

int random_cpus(Rng& rng) {
  if (rng.chance(0.05)) return 64;
  return static_cast<int>(rng.uniform(1, 8));
}

struct Totals {
  u64 events = 0, tasks = 0, switches = 0, migrations = 0, requests = 0;
};

// Runs one case; "" on success, else what failed and how to reproduce it.
std::string check_case(u64 seed, const std::string& policy, int cpus, Totals* totals = nullptr) {
  auto r = run_checked(random_workload(seed, cpus), checked_config(cpus, seed, 60 * kNsPerSec, policy));
  if (totals) {
    totals->events += r.report.events;
    totals->tasks += r.report.tasks_created;
    totals->switches += r.report.context_switches;
    totals->migrations += r.report.migrations;
    totals->requests += r.report.requests;
  }
  std::string why = r.error;
  if (why.empty() && r.report.lost_tasks) why = "lost " + std::to_string(r.report.lost_tasks) + " tasks";
  if (why.empty() && !r.report.completed)
    why = "a finite workload did not complete (" + std::to_string(r.report.tasks_completed) + "/" +
          std::to_string(r.report.tasks_created) + " tasks)";
  if (why.empty()) return {};
  return why + "\nreproduce: property seed=" + std::to_string(seed) + " policy=" + policy +
         " cpus=" + std::to_string(cpus) + " (add '" + std::to_string(seed) + " " + policy + " " +
         std::to_string(cpus) + "' to tests/data/sim/seeds.txt)";
}

class Property : public ::testing::TestWithParam<std::string> {};

TEST_P(Property, RandomWorkloadsNeverLoseATaskAndComplete) {
  Rng pick(0x5eed);
  int failures = 0;
  Totals t;
  for (int i = 0; i < kWorkloads && failures < 3; ++i) {
    u64 seed = pick.next_u64() % 1000000007ULL;
    int cpus = random_cpus(pick);
    std::string why = check_case(seed, GetParam(), cpus, &t);
    if (!why.empty()) {
      ++failures;
      ADD_FAILURE() << why;
    }
  }
  // The workloads exercise the machine: switches, migrations, requests.
  EXPECT_GT(t.events, 50u * kWorkloads);
  EXPECT_GT(t.switches, 10u * kWorkloads);
  EXPECT_GT(t.migrations, 0u);
  EXPECT_GT(t.requests, 0u);
  std::printf("%s: %llu events, %llu tasks, %llu switches, %llu migrations, %llu requests\n",
              GetParam().c_str(), static_cast<unsigned long long>(t.events),
              static_cast<unsigned long long>(t.tasks), static_cast<unsigned long long>(t.switches),
              static_cast<unsigned long long>(t.migrations), static_cast<unsigned long long>(t.requests));
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, Property, ::testing::ValuesIn(all_policies()),
                         [](const auto& info) { return info.param; });

// Regression seeds: "seed policy cpus" per line, '#' comments.
TEST(Property, RecordedSeedsStillPass) {
  std::ifstream in(testing::kSimData / "seeds.txt");
  ASSERT_TRUE(in);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    u64 seed;
    std::string policy;
    int cpus;
    ASSERT_TRUE(ss >> seed >> policy >> cpus) << line;
    ++n;
    EXPECT_EQ(check_case(seed, policy, cpus), "");
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace ups::sim
