// Cfg: the decoded, reachable part of a program: which instructions start
// functions, where state pruning may happen, and which registers are live
// before each instruction (so that pruning ignores dead values).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/types.h"
#include "verifier/instruction.h"
#include "verifier/program_info.h"

namespace ups::verifier {

struct Cfg {
  std::vector<std::optional<Instruction>> insns;  // by pc; empty if not reachable
  std::vector<u8> slots;                          // 2 for lddw
  std::vector<bool> prune_point;
  std::vector<u32> function_of;                   // entry of the function
  std::vector<u16> live_in;                       // bit r: register r live
  // Registers each instruction reads and writes in its frame (a call:
  // the arguments it passes, and r0-r5 it leaves clobbered or set).
  std::vector<u16> uses, defs;
  std::vector<u32> functions;                     // sorted entries
  // First instruction after the function that starts at `entry`.
  u32 function_end(u32 entry) const;
};

struct CfgError {
  u32 insn = 0;
  std::string message;
};

// The argument registers (bits r1..r5) a helper or kfunc call reads.
using CallArgs = std::function<u16(const Call&)>;

// Decodes everything reachable from info.entry (through local calls and
// function addresses) and checks that jumps stay inside their function.
// Without call_args, a helper or kfunc call reads all of r1..r5.
tl::expected<Cfg, CfgError> build_cfg(const ProgramInfo& info, const CallArgs& call_args = {});

}  // namespace ups::verifier
