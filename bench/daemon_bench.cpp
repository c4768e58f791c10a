// upschedd's costs, through its socket, against an in-process daemon:
// requests per second for `list`, and a load (read, admit, verify, JIT,
// into the running runtime's chain) plus its unload, next to the same load
// by load_bpf_policy in this process; BM_LoadThroughDaemonRatio measures
// both back to back and reports the ratio (what the socket, the copy of
// the object and the core lock add). BM_LoadToFirstDispatchRatio: with a
// submitted workload running in fair, the time from sending `load` (and
// `attach` of the job, in the same write) until the new class's first
// dispatch on the runtime, seen by polling `stats`; next to the same
// in-process (load_bpf_policy, Core::load_class and attach_task on a
// runtime of this process running the same workload, polling the core).
//   build/bench/daemon_bench
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <benchmark/benchmark.h>

#include "daemon/client.h"
#include "daemon/server.h"
#include "policy/policy_loader.h"
#include "runtime/runtime.h"
#include "runtime/sync.h"
#include "runtime/workload_tasks.h"
#include "workload/workload.h"

namespace {

using namespace ups;
using Clock = std::chrono::steady_clock;

const std::string kPolicy = std::string(UPS_BINARY_DIR) + "/policies/simple.bpf.o";

struct Daemon {
  std::filesystem::path dir;
  std::unique_ptr<daemon::Server> server;
  std::thread loop;
  Daemon() {
    dir = std::filesystem::temp_directory_path() / ("upschedd-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    daemon::ServerOptions o;
    o.socket_path = (dir / "s.sock").string();
    o.audit_path = (dir / "audit.log").string();
    o.read_timeout_ns = 60 * kNsPerSec;
    auto s = daemon::Server::create(o);
    if (!s) throw std::runtime_error(s.error().to_string());
    server = std::move(*s);
    loop = std::thread([this] { (void)server->run(); });
  }
  ~Daemon() {
    server->stop();
    loop.join();
    server.reset();
    std::filesystem::remove_all(dir);
  }
  daemon::Client client() {
    auto c = daemon::Client::connect((dir / "s.sock").string());
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void BM_List(benchmark::State& state) {
  Daemon d;
  auto c = d.client();
  daemon::Request r;
  r.verb = daemon::Verb::list;
  for (auto _ : state) {
    auto resp = c.call(r);
    if (!resp || !resp->ok) state.SkipWithError("list failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_List)->UseRealTime();

// One load and unload through the daemon; seconds.
double load_through_daemon(daemon::Client& c, const std::string& object) {
  daemon::Request load;
  load.verb = daemon::Verb::load;
  load.load.object = object;
  load.load.object_name = "simple.bpf.o";
  daemon::Request unload;
  unload.verb = daemon::Verb::unload;
  unload.name = "simple";
  const auto t0 = Clock::now();
  auto a = c.call(load);
  auto b = c.call(unload);
  if (!a || !a->ok || !b || !b->ok) throw std::runtime_error("load through the daemon failed");
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The same load in this process (no chain: the class is dropped).
double load_direct() {
  const auto t0 = Clock::now();
  auto lp = policy::load_bpf_policy(kPolicy, {});
  if (!lp) throw std::runtime_error(lp.error().to_string());
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void BM_LoadThroughDaemon(benchmark::State& state) {
  Daemon d;
  auto c = d.client();
  const std::string object = read_file(kPolicy);
  for (auto _ : state) state.SetIterationTime(load_through_daemon(c, object));
}
BENCHMARK(BM_LoadThroughDaemon)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_LoadDirect(benchmark::State& state) {
  for (auto _ : state) state.SetIterationTime(load_direct());
}
BENCHMARK(BM_LoadDirect)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_LoadThroughDaemonRatio(benchmark::State& state) {
  Daemon d;
  auto c = d.client();
  const std::string object = read_file(kPolicy);
  double daemon_s = 0, direct_s = 0;
  for (auto _ : state) {
    daemon_s += load_through_daemon(c, object);
    direct_s += load_direct();
  }
  state.counters["daemon_over_direct"] = daemon_s / direct_s;
  state.counters["daemon_ms"] = 1e3 * daemon_s / static_cast<double>(state.iterations());
  state.counters["direct_ms"] = 1e3 * direct_s / static_cast<double>(state.iterations());
}
BENCHMARK(BM_LoadThroughDaemonRatio)->Iterations(30)->Unit(benchmark::kMillisecond);

// Tasks that run and sleep in turn, until the run ends: what a new class
// gets to dispatch.
constexpr const char* kBusyWorkload = R"(
name = "busy"
[[tasks]]
name = "w"
count = 4
program = [ { forever = [ { compute = "200us" }, { sleep = "200us" } ] } ]
)";

// Through the daemon: load + attach sent at once, then stats until the
// class has dispatched. Seconds; the class is unloaded after (not timed).
double first_dispatch_through_daemon(daemon::Client& c, const std::string& object, u64 job, int i) {
  const std::string name = "fd" + std::to_string(i);
  daemon::Request load;
  load.verb = daemon::Verb::load;
  load.load.object = object;
  load.load.object_name = "simple.bpf.o";
  load.load.name = name;
  daemon::Request attach;
  attach.verb = daemon::Verb::attach;
  attach.attach.cls = name;
  attach.attach.job = job;
  daemon::Request stats;
  stats.verb = daemon::Verb::stats;
  const std::string both = daemon::frame(daemon::encode_request(load)) + daemon::frame(daemon::encode_request(attach));
  const auto t0 = Clock::now();
  if (::send(c.fd(), both.data(), both.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(both.size()))
    throw std::runtime_error("send");
  daemon::FrameReader reader;
  for (int answers = 0; answers < 2;) {  // the two answers, read off the socket
    char buf[4096];
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) throw std::runtime_error("the daemon went");
    reader.feed(std::string_view(buf, static_cast<size_t>(n)));
    while (auto body = reader.next()) {
      if (!*body) break;
      auto resp = daemon::parse_response(**body);
      if (!resp || !resp->ok) throw std::runtime_error("load or attach refused: " + (resp ? resp->error : ""));
      ++answers;
    }
  }
  for (;;) {
    auto resp = c.call(stats);
    if (!resp || !resp->ok) throw std::runtime_error("stats failed");
    bool dispatched = false;
    for (const auto& cls : resp->result["classes"])
      if (cls["name"] == name && cls.value("dispatches", 0) > 0) dispatched = true;
    if (dispatched) break;
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  daemon::Request unload;
  unload.verb = daemon::Verb::unload;
  unload.name = name;
  if (auto u = c.call(unload); !u || !u->ok) throw std::runtime_error("unload failed");
  return s;
}

// The same workload on a runtime of this process (its tasks in fair).
struct LocalRuntime {
  std::unique_ptr<runtime::Runtime> rt;
  workload::Workload w;
  std::unique_ptr<runtime::WorkloadTasks> tasks;
  std::thread runner;
  LocalRuntime() {
    runtime::RuntimeOptions o;
    o.tick_ns = 4 * kNsPerMs;  // as the daemon's
    auto r = runtime::Runtime::create(o);
    if (!r) throw std::runtime_error(r.error().to_string());
    rt = std::move(*r);
    auto parsed = workload::parse_workload(kBusyWorkload, "busy.toml");
    if (!parsed) throw std::runtime_error(parsed.error().to_string());
    w = std::move(*parsed);
    tasks = std::make_unique<runtime::WorkloadTasks>(w, runtime::WorkloadTaskOptions{}, runtime::calibrate_busy_work(),
                                                     *rt);
    if (auto st = tasks->spawn_all(); !st) throw std::runtime_error(st.error().to_string());
    runner = std::thread([this] { (void)rt->run(); });
  }
  ~LocalRuntime() {
    rt->stop();
    runner.join();
  }
};

double first_dispatch_direct(LocalRuntime& L) {
  const auto t0 = Clock::now();
  auto lp = policy::load_bpf_policy(kPolicy, {});
  if (!lp) throw std::runtime_error(lp.error().to_string());
  ClassId id = kNoClass;
  L.rt->with_core([&](Core& core) {
    auto loaded = core.load_class(std::move(lp->ops), lp->grant, lp->slot, L.rt->now());
    if (!loaded) throw std::runtime_error(loaded.error().message);
    id = *loaded;
    for (TaskId t : L.tasks->task_ids())
      if (Task* p = core.find_task(t)) (void)core.attach_task(*p, id, L.rt->now());
  });
  // Polled about as often as a `stats` round trip allows the daemon's
  // client (a tight loop would keep the core lock from the workers).
  for (bool dispatched = false; !dispatched;) {
    L.rt->with_core([&](Core& core) { dispatched = core.class_dispatches(id) > 0; });
    if (!dispatched) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  L.rt->with_core([&](Core& core) { core.unload_class(id, ExitKind::unreg, "bench", L.rt->now()); });
  return s;
}

void BM_LoadToFirstDispatchRatio(benchmark::State& state) {
  const std::string object = read_file(kPolicy);
  double daemon_s = 0, direct_s = 0;
  {
    Daemon d;
    auto c = d.client();
    daemon::Request sub;
    sub.verb = daemon::Verb::submit;
    sub.submit.workload = kBusyWorkload;
    sub.submit.workload_name = "busy.toml";
    sub.submit.duration = "3600s";
    auto job = c.call(sub);
    if (!job || !job->ok) throw std::runtime_error("submit refused: " + (job ? job->error : ""));
    LocalRuntime local;
    int i = 0;
    for (auto _ : state) {
      daemon_s += first_dispatch_through_daemon(c, object, job->result["job"], ++i);
      direct_s += first_dispatch_direct(local);
    }
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["daemon_over_direct"] = daemon_s / direct_s;
  state.counters["daemon_ms"] = 1e3 * daemon_s / n;
  state.counters["direct_ms"] = 1e3 * direct_s / n;
}
BENCHMARK(BM_LoadToFirstDispatchRatio)->Iterations(30)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
