// The soundness world (see soundness_world.h). Needs the interpreter.
#include "soundness_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "soundness_oracle.h"
#include "test_env.h"
#include "vm/interpreter.h"
#include "vm/threaded_program.h"

namespace ups::verifier::test {

vm::LinkInputs SoundnessWorld::link_inputs(const bpf::ExternTable* externs) {
  return vm::LinkInputs{maps_, map_values_, externs};
}

void SoundnessWorld::add_regions(vm::RegionSet& regions) const {
  regions.add(ctx_args, sizeof ctx_args, false);
  regions.add(values, sizeof values, true);
  regions.add(rodata, sizeof rodata, false);
}

namespace {

using World = SoundnessWorld;

// Whether [addr, addr + size) is memory the program may have the helper
// write: its stack or a writable map value.
bool helper_may_write(bpf::CallContext& c, u64 addr, u64 size) {
  auto* w = static_cast<World*>(c.host);
  const auto stack = c.invoker->stack();
  const u64 s = reinterpret_cast<u64>(stack.data()), v = reinterpret_cast<u64>(w->values);
  auto inside = [&](u64 b, u64 n) { return addr >= b && size <= n && addr - b <= n - size; };
  return inside(s, stack.size()) || inside(v, sizeof w->values);
}

u64 h_lookup(bpf::CallContext& c, u64 r1, u64 r2, u64, u64, u64) {
  auto* h = reinterpret_cast<MapHandle*>(r1);
  u32 key;
  std::memcpy(&key, reinterpret_cast<const void*>(r2), 4);
  if (h->index != 0 || key >= 2) return 0;
  return reinterpret_cast<u64>(h->world->values + key * 16);
}
u64 h_ktime(bpf::CallContext& c, u64, u64, u64, u64, u64) { return static_cast<World*>(c.host)->rng.next_u64(); }
u64 h_prandom(bpf::CallContext& c, u64, u64, u64, u64, u64) { return static_cast<World*>(c.host)->rng.next_u32(); }
// bpf_get_current_comm(buf, size): fills all `size` bytes with data the
// program cannot predict.
u64 h_comm(bpf::CallContext& c, u64 buf, u64 size, u64, u64, u64) {
  auto* w = static_cast<World*>(c.host);
  if (!helper_may_write(c, buf, size)) {
    w->helper_fault = fmt::format("bpf_get_current_comm given {} bytes at {:#x}, outside the program's memory", size, buf);
    c.abort = true;
    return 0;
  }
  for (u64 i = 0; i < size; ++i) reinterpret_cast<u8*>(buf)[i] = static_cast<u8>(w->rng.next_u32());
  return 0;
}
u64 h_loop(bpf::CallContext& c, u64 nr, u64 cb, u64 cb_ctx, u64, u64) {
  const u64 cap = static_cast<World*>(c.host)->loop_cap;
  u64 i = 0;
  for (; i < nr && i < cap; ++i) {
    u64 r = c.invoker->invoke(static_cast<u32>(cb), i, cb_ctx, 0, 0, 0);
    if (c.abort) break;
    if (r == 1) return i + 1;
  }
  return i;
}

}  // namespace

const bpf::ExternTable& soundness_externs() {
  static const bpf::ExternTable table = [] {
    bpf::ExternTable t;
    t.helpers.assign(182, nullptr);
    t.helpers[1] = h_lookup;
    t.helpers[5] = h_ktime;
    t.helpers[7] = h_prandom;
    t.helpers[16] = h_comm;
    t.helpers[181] = h_loop;
    return t;
  }();
  return table;
}

ApiSet soundness_api() {
  ApiSet all = test_api("prog", all_caps());
  ApiSet api;
  for (u32 id : {1u, 5u, 7u, 16u, 181u}) api.allow_helper(id, *all.helper(id));
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

namespace {
bool has_may_goto(const std::vector<bpf::Insn>& code) {
  return std::any_of(code.begin(), code.end(),
                     [](const bpf::Insn& i) { return i.opcode == (bpf::op::JMP | bpf::op::JCOND); });
}
}  // namespace

// Runs an accepted program on a few inputs under the oracle; returns a
// failure text or "".
std::string run_under_oracle(const std::vector<bpf::Insn>& code, const InsnClaims& claims, Rng& rng, u64& steps) {
  World w;
  w.rng.reseed(rng.next_u64());
  auto prog = vm::ThreadedProgram::prepare(code, w.link_inputs(&soundness_externs()));
  // The interpreter links every call statically, even in dead code the
  // verifier skipped; such programs say nothing about soundness.
  if (!prog) {
    if (std::getenv("UPS_SOUNDNESS_DEBUG")) std::fprintf(stderr, "prepare: %s\n", prog.error().to_string().c_str());
    return "";
  }
  vm::RegionSet regions;
  w.add_regions(regions);
  vm::Interpreter interp(*prog);
  interp.set_backedge_budget(1'000'000);
  RunLayout layout;
  layout.regions = {{reinterpret_cast<u64>(w.ctx_args), sizeof w.ctx_args, Kind::ctx, 0},
                    // Each element of map 0 is a value of its own.
                    {reinterpret_cast<u64>(w.values), 16, Kind::map_value, 0},
                    {reinterpret_cast<u64>(w.values + 16), 16, Kind::map_value, 0},
                    {reinterpret_cast<u64>(w.rodata), sizeof w.rodata, Kind::map_value, 1},
                    {reinterpret_cast<u64>(&w.handles[0]), 0, Kind::map_ptr, 0},
                    {reinterpret_cast<u64>(&w.handles[1]), 0, Kind::map_ptr, 1}};
  layout.stack_top = reinterpret_cast<u64>(interp.stack().data() + interp.stack().size());
  SoundnessOracle oracle(code, claims, layout);
  interp.set_observer(&oracle);
  for (int run = 0; run < 3; ++run) {
    w.ctx_args[0] = run == 0 ? 0 : rng.next_u64() >> rng.uniform(0, 63);
    for (auto& b : w.values) b = static_cast<u8>(rng.next_u32());
    bpf::CallContext ctx;
    ctx.host = &w;
    vm::RunResult r = interp.run_checked(regions, ctx, reinterpret_cast<u64>(w.ctx_args));
    steps = oracle.checked();
    if (!oracle.disagreement().empty())
      return fmt::format("on input {:#x}: the run disagrees with the verifier: {}", w.ctx_args[0], oracle.disagreement());
    if (!w.helper_fault.empty()) return fmt::format("on input {:#x}: {}", w.ctx_args[0], w.helper_fault);
    if (!r.ok()) {
      // A loop that may_goto bounds may run past the run's back-edge budget
      // (may_goto allows 8 M passes a frame): a resource stop the host
      // enforces, not something the verifier claims. Without may_goto it
      // means the verifier accepted an unbounded loop.
      if (r.trap.kind == vm::TrapKind::budget && has_may_goto(code)) return "";
      return fmt::format("trap on input {:#x}: {}", w.ctx_args[0], r.trap.to_string());
    }
  }
  return "";
}

}  // namespace ups::verifier::test
