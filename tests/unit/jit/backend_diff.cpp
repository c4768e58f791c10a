// Differential runs (see backend_diff.h).
#include "backend_diff.h"

#include <fmt/format.h>

#include "jit/jit_program.h"
#include "soundness_world.h"
#include "vm/linked_program.h"
#include "vm/region_set.h"
#include "vm/threaded_program.h"

namespace ups::jit::test {
namespace {

struct Outcome {
  vm::RunResult result;
  std::vector<u8> memory;  // what the comparison covers besides r0 and the trap
};

std::string describe(const Outcome& o) {
  return o.result.ok() ? fmt::format("r0 {:#x}", o.result.r0)
                       : fmt::format("trap '{}' r0 {:#x}", o.result.trap.to_string(), o.result.r0);
}

std::string compare(const std::string& what, const Outcome& interp, const Outcome& jit) {
  const vm::Trap& a = interp.result.trap;
  const vm::Trap& b = jit.result.trap;
  const bool same_trap = a.kind == b.kind && a.pc == b.pc && a.addr == b.addr && a.size == b.size && a.write == b.write;
  if (interp.result.r0 != jit.result.r0 || !same_trap)
    return fmt::format("{}: interpreter {}, JIT {}", what, describe(interp), describe(jit));
  if (interp.memory != jit.memory) {
    size_t i = 0;
    while (interp.memory[i] == jit.memory[i]) ++i;
    return fmt::format("{}: memory differs at byte {}: interpreter {:#04x}, JIT {:#04x}", what, i, interp.memory[i],
                       jit.memory[i]);
  }
  return "";
}

// The entry frame's bytes (the top 512 of the executor's stack).
std::vector<u8> entry_frame(const vm::Executor& e) {
  const std::span<const u8> s = e.stack();
  return {s.end() - bpf::kStackSize, s.end()};
}

// Runs `code` in a fresh world on `backend`: input number `input`, world seed `seed`.
Outcome run_in_world(const std::vector<bpf::Insn>& code, vm::Backend backend, bool checked, u64 input, u64 seed,
                     std::string& error) {
  verifier::test::SoundnessWorld w;
  w.rng.reseed(seed);
  w.loop_cap = 1u << 16;  // two backends, three inputs, two modes: keep each run short
  Rng fill(seed ^ 0x5eed);
  for (auto& b : w.values) b = static_cast<u8>(fill.next_u32());
  w.ctx_args[0] = input;
  auto linked = vm::LinkedProgram::link(code, w.link_inputs(&verifier::test::soundness_externs()));
  Outcome o;
  if (!linked) {
    error = linked.error().to_string();
    return o;
  }
  auto program = backend(*linked);
  if (!program) {
    error = program.error().to_string();
    return o;
  }
  const auto exec = (*program)->new_executor();
  exec->set_backedge_budget(1'000'000);
  vm::RegionSet regions;
  w.add_regions(regions);
  if (checked) exec->confine(&regions);
  bpf::CallContext ctx;
  ctx.host = &w;
  o.result = exec->run(ctx, reinterpret_cast<u64>(w.ctx_args));
  o.memory.assign(w.values, w.values + sizeof w.values);
  return o;
}

}  // namespace

std::string diff_alu_program(const std::vector<bpf::Insn>& code) {
  auto linked = vm::LinkedProgram::link(code);
  if (!linked) return "does not link: " + linked.error().to_string();
  const vm::Backend jits[] = {backend, blinded_backend};
  for (bool checked : {false, true}) {
    auto interp_program = vm::interpreter_backend(*linked);
    if (!interp_program) return interp_program.error().to_string();
    auto run = [&](const vm::ExecutableProgram& p) {
      const auto exec = p.new_executor();
      vm::RegionSet none;  // CHECKED: the stack only
      if (checked) exec->confine(&none);
      bpf::CallContext ctx;
      Outcome o;
      o.result = exec->run(ctx, 1, 2, 3, 4, 5);
      o.memory = entry_frame(*exec);
      return o;
    };
    const Outcome want = run(**interp_program);
    for (vm::Backend jit : jits) {
      auto jit_program = jit(*linked);
      if (!jit_program) return "JIT: " + jit_program.error().to_string();
      const std::string d = compare(fmt::format("{}{}", checked ? "CHECKED" : "fast", jit == backend ? "" : " blinded"),
                                    want, run(**jit_program));
      if (!d.empty()) return d;
    }
  }
  return "";
}

std::string diff_verified_program(const std::vector<bpf::Insn>& code, u64 seed) {
  Rng rng(seed);
  for (int input = 0; input < 3; ++input) {
    const u64 x = input == 0 ? 0 : rng.next_u64() >> rng.uniform(0, 63);
    const u64 world_seed = rng.next_u64();
    for (bool checked : {false, true}) {
      std::string error;
      const Outcome want = run_in_world(code, vm::interpreter_backend, checked, x, world_seed, error);
      // The linker resolves every call, even in code the verifier found
      // dead; a program it refuses says nothing about the JIT.
      if (!error.empty()) return "";
      const Outcome got = run_in_world(code, backend, checked, x, world_seed, error);
      if (!error.empty()) return "JIT: " + error;
      const std::string d = compare(fmt::format("input {:#x} {}", x, checked ? "CHECKED" : "fast"), want, got);
      if (!d.empty()) return d;
    }
  }
  return "";
}

}  // namespace ups::jit::test
