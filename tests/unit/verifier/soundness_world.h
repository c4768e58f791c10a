// The world the soundness test and the soundness fuzzer run generated
// programs in (program_gen.h): two maps, a context of one number, helpers
// that check the memory they are given, and a run under the oracle.
#pragma once

#include <string>
#include <vector>

#include "base/rng.h"
#include "bpf/call_context.h"
#include "bpf/insn.h"
#include "verifier/api_set.h"
#include "verifier/claims.h"
#include "verifier/program_info.h"
#include "vm/linked_program.h"
#include "vm/region_set.h"

namespace ups::verifier::test {

struct SoundnessWorld;
// What a program's map pointer points at (map 0 or 1 of its world).
struct MapHandle {
  SoundnessWorld* world;
  int index;
};

// The memory generated programs run in (soundness_info() describes it to
// the verifier): map 0 `vals` (2 values of 16 bytes), map 1 `.rodata` (one
// value of 8 bytes), a context of one number; and the helpers of
// soundness_externs(), which find it as CallContext::host. Shared by the
// soundness oracle's runs and the JIT's differential runs.
struct SoundnessWorld {
  SoundnessWorld() = default;
  SoundnessWorld(const SoundnessWorld&) = delete;
  SoundnessWorld& operator=(const SoundnessWorld&) = delete;

  alignas(8) u8 values[32] = {};
  alignas(8) u8 rodata[8] = {3, 0, 0, 0, 0, 0, 0, 0};
  MapHandle handles[2] = {{this, 0}, {this, 1}};
  u64 ctx_args[1] = {0};
  Rng rng{1};
  u64 loop_cap = u64{1} << 23;  // bpf_loop runs its callback at most this often
  std::string helper_fault;     // a helper given memory outside the program's own

  // For linking a program against this world (`externs`: soundness_externs()).
  vm::LinkInputs link_inputs(const bpf::ExternTable* externs);
  // The context and the map values, as CHECKED mode's regions.
  void add_regions(vm::RegionSet& regions) const;

private:
  void* maps_[2] = {&handles[0], &handles[1]};
  void* map_values_[2] = {values, rodata};
};

// Helpers 1 (map_lookup_elem), 5 (ktime_get_ns: random), 7 (prandom),
// 16 (get_current_comm: random bytes, into memory of the program only),
// 181 (bpf_loop, up to the world's loop_cap).
const bpf::ExternTable& soundness_externs();

ProgramInfo soundness_info();
ApiSet soundness_api();
// Runs an accepted program (its claims recorded by the verifier) on a few
// inputs in the interpreter's CHECKED mode under the soundness oracle;
// returns "" or what went wrong. steps: instructions the oracle checked.
std::string run_under_oracle(const std::vector<bpf::Insn>& code, const InsnClaims& claims, Rng& rng, u64& steps);

}  // namespace ups::verifier::test
