// The world the soundness test and the soundness fuzzer run generated
// programs in (program_gen.h): two maps, a context of one number, helpers
// that check the memory they are given, and a run under the oracle.
#pragma once

#include <string>
#include <vector>

#include "base/rng.h"
#include "bpf/insn.h"
#include "verifier/api_set.h"
#include "verifier/claims.h"
#include "verifier/program_info.h"

namespace ups::verifier::test {

ProgramInfo soundness_info();
ApiSet soundness_api();
// Runs an accepted program (its claims recorded by the verifier) on a few
// inputs in the interpreter's CHECKED mode under the soundness oracle;
// returns "" or what went wrong. steps: instructions the oracle checked.
std::string run_under_oracle(const std::vector<bpf::Insn>& code, const InsnClaims& claims, Rng& rng, u64& steps);

}  // namespace ups::verifier::test
