// Verifier benchmarks: time and states for large generated programs (10k
// and 100k instructions of branches, bounded loops and map accesses) and
// for every example policy object in build/policies/*.bpf.o, or in
// $UPS_BENCH_POLICIES (each of its
// callbacks, all capabilities). Counters: insns (program size), processed
// (instructions explored), states (pruning checkpoints).
// Targets (issue 4): examples < 5 ms; 100k instructions < 1 s.
// BM_RefuseAtBudget: loops the verifier can only refuse at the 1 M
// processed-instruction budget (issue 20: a counted loop took 296 s);
// target < 2 s each, and its time per processed instruction near that of the
// accepted programs above (the cost per instruction does not grow with the
// number of passes).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bpf/insn.h"
#include "verifier/verifier.h"

#include "policy/api_sets.h"
#include "policy/kernel_abi/scx_api.h"

namespace {

using namespace ups;
using namespace ups::verifier;
namespace op = bpf::op;
using bpf::Insn;

// Blocks of: a random number, a diamond on it, a masked map-value access,
// and every fourth block a counted loop of 4 iterations.
std::vector<Insn> generated_program(size_t target_insns) {
  std::vector<Insn> c;
  auto emit = [&](Insn i) { c.push_back(i); };
  // r6 = map value (checked), used by every block.
  emit(Insn::make(op::ST | op::MEM | op::W, 10, 0, -4, 0));
  emit(Insn::make(op::ALU64 | op::MOV | op::X, 2, 10, 0, 0));
  emit(Insn::make(op::ALU64 | op::ADD, 2, 0, 0, -4));
  emit(Insn::make(op::LD | op::IMM | op::DW, 1, op::PSEUDO_MAP_IDX, 0, 0));
  emit(Insn::make(0, 0, 0, 0, 0));
  emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 1));
  emit(Insn::make(op::JMP | op::JNE, 0, 0, 2, 0));
  emit(Insn::make(op::ALU64 | op::MOV, 0, 0, 0, 0));
  emit(Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0));
  emit(Insn::make(op::ALU64 | op::MOV | op::X, 6, 0, 0, 0));
  emit(Insn::make(op::ALU64 | op::MOV, 7, 0, 0, 0));
  for (size_t block = 0; c.size() + 20 < target_insns; ++block) {
    emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 7));                 // r0 = prandom
    emit(Insn::make(op::JMP | op::JGT, 0, 0, 2, static_cast<s32>(block % 200)));    // diamond
    emit(Insn::make(op::ALU64 | op::MOV | op::X, 4, 0, 0, 0));
    emit(Insn::make(op::JMP | op::JA, 0, 0, 1, 0));
    emit(Insn::make(op::ALU64 | op::MOV, 4, 0, 0, 7));
    emit(Insn::make(op::ALU64 | op::AND, 4, 0, 0, 15));
    emit(Insn::make(op::ALU64 | op::MOV | op::X, 3, 6, 0, 0));
    emit(Insn::make(op::ALU64 | op::ADD | op::X, 3, 4, 0, 0));
    emit(Insn::make(op::LDX | op::MEM | op::B, 5, 3, 0, 0));
    emit(Insn::make(op::ALU64 | op::ADD | op::X, 7, 5, 0, 0));
    emit(Insn::make(op::ALU64 | op::AND, 7, 0, 0, 0xffff));
    if (block % 4 == 0) {
      emit(Insn::make(op::ALU64 | op::MOV, 8, 0, 0, 0));
      emit(Insn::make(op::ALU64 | op::ADD | op::X, 7, 8, 0, 0));
      emit(Insn::make(op::ALU64 | op::ADD, 8, 0, 0, 1));
      emit(Insn::make(op::JMP | op::JLT, 8, 0, -3, 4));
      emit(Insn::make(op::ALU64 | op::AND, 7, 0, 0, 0xffff));
    }
  }
  emit(Insn::make(op::ALU64 | op::MOV | op::X, 0, 7, 0, 0));
  emit(Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0));
  return c;
}

ProgramInfo generated_info(size_t n) {
  ProgramInfo info;
  bpf::MapDef m;
  m.name = "vals";
  m.key_size = 4;
  m.value_size = 16;
  m.max_entries = 4;
  info.maps = {m};
  info.ctx.callback = "generated";
  info.insns = generated_program(n);
  return info;
}

ApiSet generated_api() {
  ApiSet api;
  Prototype lookup;
  lookup.name = "bpf_map_lookup_elem";
  lookup.args[0].kind = ArgKind::map_ptr;
  lookup.args[1].kind = ArgKind::map_key;
  lookup.ret = RetKind::map_value_or_null;
  api.allow_helper(1, lookup);
  Prototype rnd;
  rnd.name = "bpf_get_prandom_u32";
  rnd.ret_range = {{0, 0xffffffffLL}};
  api.allow_helper(7, rnd);
  return api;
}

void run(benchmark::State& state, const ProgramInfo& info, const ApiSet& api) {
  VerifyResult r;
  for (auto _ : state) {
    r = verify(info, api);
    benchmark::DoNotOptimize(r);
  }
  if (!r.ok()) {
    state.SkipWithError(r.error->to_string().c_str());
    return;
  }
  state.counters["insns"] = static_cast<double>(info.insns.size());
  state.counters["processed"] = static_cast<double>(r.stats.insns_processed);
  state.counters["states"] = static_cast<double>(r.stats.states);
  state.counters["time_per_processed"] =
      benchmark::Counter(static_cast<double>(r.stats.insns_processed), benchmark::Counter::kIsIterationInvariantRate |
                                                                          benchmark::Counter::kInvert);
}

void BM_VerifyGenerated(benchmark::State& state) {
  static const ApiSet api = generated_api();
  const ProgramInfo info = generated_info(static_cast<size_t>(state.range(0)));
  run(state, info, api);
}
BENCHMARK(BM_VerifyGenerated)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

// A counted loop of 10^8 passes (refused at the budget), and the pointer
// that grows by 256 forever (`r1 += 256; goto -2`).
std::vector<Insn> budget_program(int which) {
  if (which == 1)
    return {Insn::make(op::ALU64 | op::ADD, 1, 0, 0, 256), Insn::make(op::JMP | op::JA, 0, 0, -2, 0)};
  return {Insn::make(op::ALU64 | op::MOV, 1, 0, 0, 0),  Insn::make(op::ALU64 | op::MOV, 0, 0, 0, 0),
          Insn::make(op::ALU64 | op::ADD | op::X, 0, 1, 0, 0), Insn::make(op::ALU64 | op::ADD, 1, 0, 0, 1),
          Insn::make(op::JMP | op::JLT, 1, 0, -3, 100'000'000), Insn::make(op::ALU64 | op::MOV, 0, 0, 0, 0),
          Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0)};
}

void BM_RefuseAtBudget(benchmark::State& state) {
  static const ApiSet api = generated_api();
  ProgramInfo info = generated_info(0);
  info.insns = budget_program(static_cast<int>(state.range(0)));
  state.SetLabel(state.range(0) == 1 ? "r1 += 256; goto -2" : "counted loop of 1e8 passes");
  VerifyResult r;
  for (auto _ : state) {
    r = verify(info, api);
    benchmark::DoNotOptimize(r);
  }
  if (r.ok() || r.error->message.find("too complex") == std::string::npos) {
    state.SkipWithError(r.ok() ? "accepted" : r.error->to_string().c_str());
    return;
  }
  state.counters["processed"] = static_cast<double>(r.stats.insns_processed);
  state.counters["states"] = static_cast<double>(r.stats.states);
  state.counters["time_per_processed"] =
      benchmark::Counter(static_cast<double>(r.stats.insns_processed), benchmark::Counter::kIsIterationInvariantRate |
                                                                          benchmark::Counter::kInvert);
}
BENCHMARK(BM_RefuseAtBudget)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One benchmark per callback of every example policy object.
void register_policies() {
  namespace fs = std::filesystem;
  // UPS_BENCH_POLICIES names another build's policies directory.
  const char* env = std::getenv("UPS_BENCH_POLICIES");
  const fs::path dir = env ? fs::path(env) : fs::path(UPS_BINARY_DIR) / "policies";
  if (!fs::exists(dir)) return;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.ends_with(".bpf.o") && n.find("clang-19") == std::string::npos) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto obj = std::make_shared<bpf::Object>();
    auto loaded = bpf::load_object_file(f.string(), policy::host_load_options(f.string()));
    if (!loaded) continue;
    *obj = std::move(*loaded);
    const auto caps = security::CapabilitySet::all();
    for (const auto& ops : obj->struct_ops()) {
      for (const auto& [name, idx] : ops.callbacks) {
        const kabi::CallbackInfo* cb = kabi::find_callback(name);
        if (!cb) continue;
        struct Inputs {
          ProgramInfo info;
          ApiSet api;
        };
        auto in = std::make_shared<Inputs>(
            Inputs{policy::callback_program_info(*obj, idx, *cb, caps),
                   policy::callback_api_set(*cb, obj->programs()[idx].sleepable, caps, policy::keeps_builtin_idle(ops))});
        std::string bm = "BM_VerifyPolicy/" + f.stem().stem().string() + "/" + name;
        benchmark::RegisterBenchmark(bm.c_str(), [obj, in](benchmark::State& s) {
          run(s, in->info, in->api);
        })->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_policies();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
