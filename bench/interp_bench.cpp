// Interpreter speed: ns per executed BPF instruction on a fixed set of
// programs (bench/interp_bench_progs.c), for upsched's interpreter, DPDK's
// interpreter (librte_bpf) on the same bytecode, and the same C compiled
// natively. Every engine's r0 is cross-checked before anything is timed.
// After the Google Benchmark runs (one per engine and program) a summary
// table gives ns/insn and the ratios upsched/native and DPDK/upsched, and
// the cost of confinement (policy/confinement.h): the same interpreter
// confined to the program's memory, over the unconfined one, in one run.
// A second table puts the JIT (jit/) side by side with native code, the
// interpreter and DPDK's JIT (where librte_bpf.a lets us reach it, see
// interp_bench_dpdk.c), with the ratios JIT/native (goal: <= 1.2 on
// average, no program over 2), interpreter/JIT and DPDK JIT/JIT.
//   interp_bench                      # everything
//   interp_bench --benchmark_filter=^$ # the summary table only
//   interp_bench --callgrind-once      # under callgrind: one run per program of
//                                      # native and JIT, each dumped on its own
//                                      # (scripts/jit_insns.sh reads them)
#include <benchmark/benchmark.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define UPS_HAVE_CALLGRIND 1
#endif

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "bpf/insn.h"
#include "jit/jit_program.h"
#include "policy/sandbox.h"
#include "vm/interpreter.h"
#include "vm/linked_program.h"

extern "C" {
struct BenchCtx;
ups::u64 bench_loop_sum(BenchCtx*);
ups::u64 bench_fibonacci(BenchCtx*);
ups::u64 bench_hash_mix(BenchCtx*);
ups::u64 bench_sort(BenchCtx*);
ups::u64 bench_checksum(BenchCtx*);
#ifdef UPS_HAVE_DPDK
int ups_dpdk_check_layout(void);
void* ups_dpdk_prepare(const void* code, ups::u32 n);
ups::u64 ups_dpdk_exec(const void* handle, void* ctx);
void ups_dpdk_free(void* handle);
void* ups_dpdk_jit(void* handle);
ups::u64 ups_dpdk_jit_exec(void* fn, void* ctx);
#endif
}

namespace {

using ups::u64;
using ups::u8;

// Same layout as struct bench_ctx in interp_bench_progs.c.
struct Ctx {
  u64 n;
  u64 seed;
  u64 data[32];
  u8 bytes[512];
};
static_assert(sizeof(Ctx) == 8 + 8 + 256 + 512);

using NativeFn = u64 (*)(BenchCtx*);

struct Bench {
  const char* name;
  NativeFn native;
  u64 n;
  std::vector<ups::bpf::Insn> code;
  std::optional<ups::vm::ThreadedProgram> program;
  // Through the executor seam, as a policy host runs it: one indirect call per run.
  std::unique_ptr<ups::vm::Executor> interp;
  std::unique_ptr<ups::vm::Executor> confined;  // the same, confined: every access checked
  void* dpdk = nullptr;
  std::unique_ptr<ups::vm::ExecutableProgram> jit_code;
  std::unique_ptr<ups::vm::Executor> jit;  // the JIT, through the same seam
  void* dpdk_jit = nullptr;                 // DPDK's JITed function, if any
  u64 insns = 0;  // executed per run (CHECKED-mode count)
  u64 expected = 0;
};

// Every engine's context lives in one sandbox (policy/sandbox.h), as a
// confined policy's memory does, so that the confined runs test it as a
// confined policy's runs do (and the others touch the same memory).
const std::shared_ptr<ups::policy::Sandbox> g_sandbox = ups::policy::Sandbox::create();
Ctx& g_ctx = *new (g_sandbox->allocate(sizeof(Ctx), true)) Ctx{};
const ups::policy::SandboxGuard g_guard{g_sandbox};
std::vector<Bench> g_benches;
bool g_have_dpdk = false;

void fill_ctx(Ctx& c) {
  u64 x = 0x243f6a8885a308d3ULL;  // fixed seed: the same inputs every run
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  c.seed = next();
  for (u64& d : c.data) d = next();
  for (u8& b : c.bytes) b = static_cast<u8>(next());
}

std::vector<ups::bpf::Insn> read_code(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<ups::bpf::Insn> code(bytes.size() / 8);
  std::memcpy(static_cast<void*>(code.data()), bytes.data(), code.size() * 8);
  return code;
}

void add_bench(const char* name, NativeFn fn, u64 n) {
  Bench b;
  b.name = name;
  b.native = fn;
  b.n = n;
  g_benches.push_back(std::move(b));
}

bool setup() {
  fill_ctx(g_ctx);
  g_benches.clear();
  g_benches.reserve(5);
  add_bench("loop_sum", bench_loop_sum, 1000);
  add_bench("fibonacci", bench_fibonacci, 1000);
  add_bench("hash_mix", bench_hash_mix, 1000);
  add_bench("sort", bench_sort, 0);
  add_bench("checksum", bench_checksum, 4);
#ifdef UPS_HAVE_DPDK
  g_have_dpdk = ups_dpdk_check_layout() == 0;
  if (!g_have_dpdk) std::fprintf(stderr, "DPDK: struct rte_bpf layout not as expected; no DPDK column\n");
#endif
  for (Bench& b : g_benches) {
    const std::string path = std::string(UPS_BENCH_BYTECODE_DIR) + "/" + b.name + ".bin";
    b.code = read_code(path);
    if (b.code.empty()) {
      std::fprintf(stderr, "%s: no bytecode at %s (built with clang -target bpf)\n", b.name, path.c_str());
      return false;
    }
    auto p = ups::vm::ThreadedProgram::prepare(b.code);
    if (!p) {
      std::fprintf(stderr, "%s: %s\n", b.name, p.error().to_string().c_str());
      return false;
    }
    b.program.emplace(std::move(*p));
    b.interp = b.program->new_executor();
    b.confined = b.program->new_executor();
    b.confined->confine(&g_guard);
    g_ctx.n = b.n;
    b.expected = b.native(reinterpret_cast<BenchCtx*>(&g_ctx));
    ups::bpf::CallContext cc;
    ups::vm::RegionSet regions;
    regions.add(&g_ctx, sizeof g_ctx, true);
    b.interp->confine(&regions);
    const auto checked = b.interp->run(cc, reinterpret_cast<u64>(&g_ctx));
    b.interp->confine(nullptr);
    const auto fast = b.interp->run(cc, reinterpret_cast<u64>(&g_ctx));
    const auto confined = b.confined->run(cc, reinterpret_cast<u64>(&g_ctx));
    if (!checked.ok() || checked.r0 != b.expected || fast.r0 != b.expected || confined.r0 != b.expected) {
      std::fprintf(stderr, "%s: upsched r0 %#llx (%s), native %#llx\n", b.name, (unsigned long long)fast.r0,
                   checked.trap.to_string().c_str(), (unsigned long long)b.expected);
      return false;
    }
    b.insns = checked.executed;
    auto linked = ups::vm::LinkedProgram::link(b.code);
    if (!linked) return false;  // ThreadedProgram::prepare linked the same code above
    auto jitted = ups::jit::backend(*linked);
    if (!jitted) {
      std::fprintf(stderr, "%s: JIT: %s\n", b.name, jitted.error().to_string().c_str());
      return false;
    }
    b.jit_code = std::move(*jitted);
    b.jit = b.jit_code->new_executor();
    const auto jr = b.jit->run(cc, reinterpret_cast<u64>(&g_ctx));
    if (!jr.ok() || jr.r0 != b.expected) {
      std::fprintf(stderr, "%s: JIT r0 %#llx (%s), native %#llx\n", b.name, (unsigned long long)jr.r0,
                   jr.trap.to_string().c_str(), (unsigned long long)b.expected);
      return false;
    }
#ifdef UPS_HAVE_DPDK
    if (g_have_dpdk) {
      b.dpdk = ups_dpdk_prepare(b.code.data(), static_cast<ups::u32>(b.code.size()));
      const u64 r = ups_dpdk_exec(b.dpdk, &g_ctx);
      if (r != b.expected) {
        std::fprintf(stderr, "%s: DPDK r0 %#llx, native %#llx\n", b.name, (unsigned long long)r,
                     (unsigned long long)b.expected);
        return false;
      }
      b.dpdk_jit = ups_dpdk_jit(b.dpdk);
      if (b.dpdk_jit && ups_dpdk_jit_exec(b.dpdk_jit, &g_ctx) != b.expected) {
        std::fprintf(stderr, "%s: DPDK JIT r0 differs from native; no DPDK JIT column\n", b.name);
        b.dpdk_jit = nullptr;
      }
    }
#endif
  }
  return true;
}

enum class Engine { upsched, confined, dpdk, native, jit, dpdk_jit };

inline u64 run_once(Bench& b, Engine e) {
  switch (e) {
    case Engine::upsched: {
      ups::bpf::CallContext cc;
      return b.interp->run(cc, reinterpret_cast<u64>(&g_ctx)).r0;
    }
    case Engine::confined: {
      ups::bpf::CallContext cc;
      return b.confined->run(cc, reinterpret_cast<u64>(&g_ctx)).r0;
    }
    case Engine::jit: {
      ups::bpf::CallContext cc;
      return b.jit->run(cc, reinterpret_cast<u64>(&g_ctx)).r0;
    }
#ifdef UPS_HAVE_DPDK
    case Engine::dpdk: return ups_dpdk_exec(b.dpdk, &g_ctx);
    case Engine::dpdk_jit: return ups_dpdk_jit_exec(b.dpdk_jit, &g_ctx);
#endif
    default: {
      NativeFn volatile fn = b.native;  // keep the call opaque
      return fn(reinterpret_cast<BenchCtx*>(&g_ctx));
    }
  }
}

void BM_engine(benchmark::State& state, size_t index, Engine e) {
  Bench& b = g_benches[index];
  g_ctx.n = b.n;
  for (auto _ : state) benchmark::DoNotOptimize(run_once(b, e));
  state.counters["insns"] = static_cast<double>(b.insns);
  // Seconds per instruction, shown by Google Benchmark with a unit prefix.
  state.counters["t_per_insn"] = benchmark::Counter(
      static_cast<double>(b.insns), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// This thread's CPU time: on a shared machine, time spent descheduled is
// not the interpreter's.
double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// One trial: ns per run over `reps` runs.
double trial_ns(Bench& b, Engine e, u64 reps) {
  g_ctx.n = b.n;
  const double t0 = thread_cpu_ns();
  for (u64 i = 0; i < reps; ++i) benchmark::DoNotOptimize(run_once(b, e));
  return (thread_cpu_ns() - t0) / static_cast<double>(reps);
}

// Runs per trial of about `ns` of CPU.
u64 calibrate(Bench& b, Engine e, double ns) {
  u64 reps = 1;
  while (trial_ns(b, e, reps) * static_cast<double>(reps) < ns && reps <= (u64{1} << 30)) reps *= 2;
  return reps;
}

// Best of several trials of ~20 ms of CPU each: ns per run.
double time_ns(Bench& b, Engine e) {
  const u64 reps = calibrate(b, e, 2e7);
  double best = 1e300;
  for (int t = 0; t < 7; ++t) best = std::min(best, trial_ns(b, e, reps));
  return best;
}

// Two engines in alternating short trials (~2 ms each), best of each: load
// that comes and goes on a shared machine hits both sides alike, and the
// best trial of many is one that ran undisturbed.
std::pair<double, double> time_pair_ns(Bench& b, Engine x, Engine y) {
  const u64 rx = calibrate(b, x, 2e6), ry = calibrate(b, y, 2e6);
  double bx = 1e300, by = 1e300;
  for (int t = 0; t < 51; ++t) {
    bx = std::min(bx, trial_ns(b, x, rx));
    by = std::min(by, trial_ns(b, y, ry));
  }
  return {bx, by};
}

void print_summary() {
  std::printf("\nSummary (thread CPU time, best of 7 trials):\n%-10s %8s %12s %12s %12s %12s %12s %12s %12s\n", "program", "insns", "native ns", "upsched ns",
              "ups ns/insn", "dpdk ns/insn", "ups/native", "dpdk/ups", "confined/ups");
  double sum_ups = 0, sum_dpdk = 0, sum_confined = 0;
  bool all_faster = true;
  for (Bench& b : g_benches) {
    const double native = time_ns(b, Engine::native);
    const double ups = time_ns(b, Engine::upsched);
    const double dpdk = g_have_dpdk ? time_ns(b, Engine::dpdk) : 0;
    const double confined = time_ns(b, Engine::confined);
    sum_confined += confined / ups;
    const double ups_pi = ups / b.insns, dpdk_pi = dpdk / b.insns;
    sum_ups += ups_pi;
    sum_dpdk += dpdk_pi;
    if (g_have_dpdk && !(ups < dpdk)) all_faster = false;
    std::printf("%-10s %8llu %12.1f %12.1f %12.3f %12.3f %11.1fx %11.2fx %11.3fx\n", b.name,
                (unsigned long long)b.insns, native, ups, ups_pi, dpdk_pi, ups / native, g_have_dpdk ? dpdk / ups : 0.0,
                confined / ups);
  }
  const double n = static_cast<double>(g_benches.size());
  std::printf("average upsched: %.3f ns/insn (target <= 2.5); confined / unconfined: %.3f (target <= 1.10)",
              sum_ups / n, sum_confined / n);
  if (g_have_dpdk)
    std::printf("; DPDK: %.3f ns/insn; upsched faster than DPDK on every program: %s", sum_dpdk / n,
                all_faster ? "yes" : "NO");
  std::printf("\n");
}

// The JIT side by side with native code, the interpreter and DPDK's JIT.
void print_jit_summary() {
  std::printf("\nJIT (thread CPU time; native and JIT: best of 51 alternating trials, the others best of 7):\n%-10s %12s %12s %12s %12s %12s %12s %14s\n", "program",
              "native ns", "jit ns", "interp ns", "dpdk jit ns", "jit/native", "interp/jit", "dpdk jit/jit");
  double sum = 0, worst = 0, sum_interp = 0, sum_dpdk = 0;
  int dpdk_n = 0;
  for (Bench& b : g_benches) {
    const auto [native, jit] = time_pair_ns(b, Engine::native, Engine::jit);
    const double interp = time_ns(b, Engine::upsched);
    const double dpdk = b.dpdk_jit ? time_ns(b, Engine::dpdk_jit) : 0;
    sum += jit / native;
    worst = std::max(worst, jit / native);
    sum_interp += interp / jit;
    if (b.dpdk_jit) sum_dpdk += dpdk / jit, ++dpdk_n;
    std::printf("%-10s %12.1f %12.1f %12.1f %12s %11.2fx %11.2fx %13s\n", b.name, native, jit, interp,
                b.dpdk_jit ? std::to_string(dpdk).substr(0, 8).c_str() : "-", jit / native, interp / jit,
                b.dpdk_jit ? (std::to_string(dpdk / jit).substr(0, 5) + "x").c_str() : "-");
  }
  const double n = static_cast<double>(g_benches.size());
  std::printf("JIT / native: average %.2f (goal <= 1.2), worst %.2f (goal <= 2); interpreter / JIT: average %.2f",
              sum / n, worst, sum_interp / n);
  if (dpdk_n) std::printf("; DPDK JIT / JIT: average %.2f", sum_dpdk / dpdk_n);
  else std::printf("; no DPDK JIT (needs librte_bpf.a)");
  std::printf("\n");
}

}  // namespace

// One run of each program on native code and on the JIT (warmed up first),
// each between callgrind's zeroing and a dump named "<engine>/<program>":
// instruction counts that noise does not move.
bool callgrind_once() {
#ifndef UPS_HAVE_CALLGRIND
  std::fprintf(stderr, "--callgrind-once: built without valgrind/callgrind.h (scripts/install-deps.sh installs valgrind)\n");
  return false;
#else
  for (Bench& b : g_benches)
    for (Engine e : {Engine::native, Engine::jit}) {
      g_ctx.n = b.n;
      benchmark::DoNotOptimize(run_once(b, e));
      const std::string tag = std::string(e == Engine::native ? "native/" : "jit/") + b.name;
      CALLGRIND_ZERO_STATS;
      benchmark::DoNotOptimize(run_once(b, e));
      CALLGRIND_DUMP_STATS_AT(tag.c_str());
    }
  return true;
#endif
}

int main(int argc, char** argv) {
  if (!setup()) return 1;
  if (argc > 1 && std::strcmp(argv[1], "--callgrind-once") == 0) {
    return callgrind_once() ? 0 : 1;
  }
  for (size_t i = 0; i < g_benches.size(); ++i) {
    const std::string n = g_benches[i].name;
    benchmark::RegisterBenchmark(("upsched/" + n).c_str(), BM_engine, i, Engine::upsched);
    benchmark::RegisterBenchmark(("confined/" + n).c_str(), BM_engine, i, Engine::confined);
    benchmark::RegisterBenchmark(("jit/" + n).c_str(), BM_engine, i, Engine::jit);
    if (g_have_dpdk) benchmark::RegisterBenchmark(("dpdk/" + n).c_str(), BM_engine, i, Engine::dpdk);
    if (g_benches[i].dpdk_jit) benchmark::RegisterBenchmark(("dpdk_jit/" + n).c_str(), BM_engine, i, Engine::dpdk_jit);
    benchmark::RegisterBenchmark(("native/" + n).c_str(), BM_engine, i, Engine::native);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  print_jit_summary();
  for (Bench& b : g_benches) {
#ifdef UPS_HAVE_DPDK
    ups_dpdk_free(b.dpdk);
#endif
    b.dpdk = nullptr;
  }
  return 0;
}
