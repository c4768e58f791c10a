// Differential soundness: random and mutated programs go through the
// verifier; each accepted one runs in the interpreter's CHECKED mode, which
// traps any access outside a real region. A trap in an accepted program is
// a verifier bug, printed with its seed and listing.
// UPS_SOUNDNESS_PROGRAMS and UPS_SOUNDNESS_SEED (environment) make longer
// runs (scripts/verifier_soundness.sh).
#include <cstdlib>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "program_gen.h"
#include "test_env.h"
#include "verifier/verifier.h"

#if defined(UPS_HAVE_VM)
#include "bpf/isa/disassembler.h"
#include "vm/interpreter.h"
#include "vm/threaded_program.h"
#endif

namespace ups::verifier::test {
namespace {

#if defined(UPS_HAVE_VM)

struct World;
struct MapHandle {
  World* world;
  int index;
};

struct World {
  alignas(8) u8 values[32] = {};  // map 0: 2 entries x 16 bytes
  alignas(8) u8 rodata[8] = {3, 0, 0, 0, 0, 0, 0, 0};
  MapHandle handles[2] = {{this, 0}, {this, 1}};
  u64 ctx_args[1] = {0};
  Rng rng{1};
};

u64 h_lookup(bpf::CallContext& c, u64 r1, u64 r2, u64, u64, u64) {
  auto* h = reinterpret_cast<MapHandle*>(r1);
  u32 key;
  std::memcpy(&key, reinterpret_cast<const void*>(r2), 4);
  if (h->index != 0 || key >= 2) return 0;
  return reinterpret_cast<u64>(h->world->values + key * 16);
}
u64 h_ktime(bpf::CallContext& c, u64, u64, u64, u64, u64) { return static_cast<World*>(c.host)->rng.next_u64(); }
u64 h_prandom(bpf::CallContext& c, u64, u64, u64, u64, u64) { return static_cast<World*>(c.host)->rng.next_u32(); }
u64 h_loop(bpf::CallContext& c, u64 nr, u64 cb, u64 cb_ctx, u64, u64) {
  u64 i = 0;
  for (; i < nr && i < (1u << 23); ++i) {
    u64 r = c.invoker->invoke(static_cast<u32>(cb), i, cb_ctx, 0, 0, 0);
    if (c.abort) break;
    if (r == 1) return i + 1;
  }
  return i;
}

ApiSet soundness_api() {
  ApiSet all = test_api("prog", all_caps());
  ApiSet api;
  for (u32 id : {1u, 5u, 7u, 181u}) api.allow_helper(id, *all.helper(id));
  return api;
}

ProgramInfo soundness_info() {
  ProgramInfo info;
  info.maps.push_back(*parse_map_line("vals array key=4 value=16 entries=2"));
  info.maps.push_back(*parse_map_line("ro array key=4 value=8 entries=1 rodata init=03,00,00,00,00,00,00,00"));
  info.structs = test_structs(all_caps());
  info.ctx = *callback_ctx("prog");
  return info;
}

// Runs an accepted program on a few inputs; returns a failure text or "".
std::string run_checked(const std::vector<bpf::Insn>& code, Rng& rng) {
  World w;
  w.rng.reseed(rng.next_u64());
  bpf::ExternTable ext;
  ext.helpers.assign(182, nullptr);
  ext.helpers[1] = h_lookup;
  ext.helpers[5] = h_ktime;
  ext.helpers[7] = h_prandom;
  ext.helpers[181] = h_loop;
  void* maps[2] = {&w.handles[0], &w.handles[1]};
  void* values[2] = {w.values, w.rodata};
  vm::LinkInputs link{maps, values, &ext};
  auto prog = vm::ThreadedProgram::prepare(code, link);
  // The interpreter links every call statically, even in dead code the
  // verifier skipped; such programs say nothing about soundness.
  if (!prog) return "";
  vm::RegionSet regions;
  regions.add(w.ctx_args, sizeof w.ctx_args, false);
  regions.add(w.values, sizeof w.values, true);
  regions.add(w.rodata, sizeof w.rodata, false);
  vm::Interpreter interp(*prog);
  interp.set_backedge_budget(1'000'000);
  for (int run = 0; run < 3; ++run) {
    w.ctx_args[0] = run == 0 ? 0 : rng.next_u64() >> rng.uniform(0, 63);
    for (auto& b : w.values) b = static_cast<u8>(rng.next_u32());
    bpf::CallContext ctx;
    ctx.host = &w;
    vm::RunResult r = interp.run_checked(regions, ctx, reinterpret_cast<u64>(w.ctx_args));
    if (!r.ok()) return fmt::format("trap on input {:#x}: {}", w.ctx_args[0], r.trap.to_string());
  }
  return "";
}

TEST(Soundness, AcceptedProgramsNeverTrapInCheckedMode) {
  u64 n = 20000, seed = 20261126;
  if (const char* e = std::getenv("UPS_SOUNDNESS_PROGRAMS")) n = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("UPS_SOUNDNESS_SEED")) seed = std::strtoull(e, nullptr, 10);
  const bool trace = std::getenv("UPS_SOUNDNESS_TRACE") != nullptr;
  Rng rng(seed);
  ProgramInfo info = soundness_info();
  const ApiSet api = soundness_api();
  VerifyOptions opts;
  opts.insn_budget = 20'000;  // generated loops are short
  std::vector<std::vector<bpf::Insn>> accepted_pool;
  u64 accepted = 0, mutated = 0;
  for (u64 i = 0; i < n; ++i) {
    const u64 prog_seed = rng.next_u64();
    Rng prng(prog_seed);
    if (!accepted_pool.empty() && prng.chance(0.5)) {
      info.insns = mutate_program(accepted_pool[prng.uniform(0, accepted_pool.size() - 1)], prng);
      ++mutated;
    } else {
      info.insns = random_program(prng);
    }
    if (trace) std::fprintf(stderr, "program %llu seed %llu\n", static_cast<unsigned long long>(i),
                            static_cast<unsigned long long>(prog_seed));
    VerifyResult r = verify(info, api, opts);
    if (trace) std::fprintf(stderr, "  %s, %llu insns processed\n", r.ok() ? "accepted" : "rejected",
                            static_cast<unsigned long long>(r.stats.insns_processed));
    if (!r.ok()) continue;
    ++accepted;
    if (accepted_pool.size() < 512) accepted_pool.push_back(info.insns);
    else accepted_pool[prng.uniform(0, 511)] = info.insns;
    std::string bad = run_checked(info.insns, prng);
    ASSERT_TRUE(bad.empty()) << "verifier bug: an accepted program traps (program seed " << prog_seed
                             << ", run seed " << seed << ")\n"
                             << bad << "\n"
                             << bpf::disassemble_listing(info.insns);
  }
  RecordProperty("accepted", static_cast<int>(accepted));
  std::printf("soundness: %llu programs (%llu mutated), %llu accepted and run without a trap\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(mutated),
              static_cast<unsigned long long>(accepted));
  // The generator must keep producing accepted programs, or the test proves nothing.
  EXPECT_GT(accepted, n / 20);
}

#else
TEST(Soundness, AcceptedProgramsNeverTrapInCheckedMode) { GTEST_SKIP() << "the interpreter (src/vm) is not built"; }
#endif

}  // namespace
}  // namespace ups::verifier::test
