// upschedd's costs, through its socket, against an in-process daemon:
// requests per second for `list`, and a load (read, admit, verify, JIT,
// into the running runtime's chain) plus its unload, next to the same load
// by load_bpf_policy in this process; BM_LoadThroughDaemonRatio measures
// both back to back and reports the ratio (what the socket, the copy of
// the object and the core lock add).
//   build/bench/daemon_bench
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

}  // namespace

BENCHMARK_MAIN();
