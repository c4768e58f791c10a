// verify(): proves one callback program safe for the API set it is handed,
// or names the first instruction where it may not be. The entry point of
// src/verifier.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/types.h"
#include "verifier/api_set.h"
#include "verifier/claims.h"
#include "verifier/program_info.h"

namespace ups::verifier {

// The bounds on one verification's work (docs/robustness.md, "Verifier
// cost"): each processed instruction compares the state with at most
// kOpenPerPoint + kDonePerPoint states of its point, and at most
// kMaxPending branches wait, so time and memory are bounded by the budget.
struct VerifyLimits {
  // In-progress states kept per instruction: enough to catch a loop that
  // comes back to a state it already had (a longer cycle is still refused by
  // the budget), without making long counted loops quadratic.
  static constexpr size_t kOpenPerPoint = 16;
  // Finished (proven safe) states kept per instruction, as Linux keeps a
  // bounded explored-states list.
  static constexpr size_t kDonePerPoint = 32;
  // Branches waiting to be explored (Linux: BPF_COMPLEXITY_LIMIT_JMP_SEQ).
  static constexpr size_t kMaxPending = 8192;
};

struct VerifyStats {
  u64 insns_processed = 0;
  u64 states = 0;          // checkpoints taken for pruning
  u64 pruned = 0;
  u64 joins = 0;           // states joined with a finished one (numbers widened)
  u64 max_states_per_point = 0;  // the most states one program point held at once
  u64 max_pending = 0;           // the most branches waiting to be explored
  u32 max_call_depth = 0;
};

struct VerifyOptions {
  u64 insn_budget = 1'000'000;  // processed instructions, like Linux
  bool log = false;             // record the path trace
  size_t log_limit = 200'000;   // lines
  // Record InsnClaims (VerifyResult::claims) for the soundness oracle.
  bool claims = false;
  // Tests only: skip the bounds check of accesses into map values (offsets
  // stay limited to the pointer-arithmetic range). A stand-in for a
  // verifier bug, so that a test can show the confinement stopping what
  // the verifier let through. No path a user reaches sets it.
  bool test_skip_map_value_bounds = false;
  // Called every progress_every processed instructions (and not at all
  // when empty), so that a front end can show that a long verification is
  // alive: it decides by its own clock whether to print.
  std::function<void(const std::string& callback, const VerifyStats&)> progress;
  u64 progress_every = 1'000'000;
};

struct VerifyError {
  std::string callback;
  u32 insn = 0;
  std::string text;     // disassembly of the instruction
  std::string source;   // "file.bpf.c:40", or empty
  std::string message;  // what was expected and what the state holds
  // "<callback>: instruction 12: `text` (source): message"
  std::string to_string() const;
};


struct VerifyResult {
  std::optional<VerifyError> error;
  VerifyStats stats;
  std::string log;  // with VerifyOptions::log
  InsnClaims claims;  // with VerifyOptions::claims: one per instruction
  // The loads and stores through an arena pointer, ascending: the loader
  // marks them (mode PROBE_MEM32) so that the executors confine them to
  // the arena, as Linux's verifier marks them for its JIT.
  std::vector<u32> arena_insns;
  bool ok() const { return !error.has_value(); }
};

VerifyResult verify(const ProgramInfo& info, const ApiSet& api, const VerifyOptions& opts = {});

}  // namespace ups::verifier
