// InsnClaims: what the verifier proved about each instruction, joined over
// every path it explored: for each register it reads, the kinds of value
// it may hold (a number in a range, or a pointer of some kind into some
// region at an offset in a range). Memory accesses are claims about their
// base register. A sound verifier's claims hold whenever the program runs;
// the soundness oracle (tests/unit/verifier/soundness_oracle.h) checks them
// at every instruction it executes. Recorded only when VerifyOptions::claims
// asks for them.
#pragma once

#include <array>
#include <vector>

#include "base/types.h"
#include "bpf/insn.h"
#include "verifier/domain/value.h"

namespace ups::verifier {

// One kind of value a register may hold: Kind::scalar with the numbers'
// range, a pointer kind with its target and the offsets' range, or
// Kind::uninit (on some path it holds nothing the program may read).
struct ValueClaim {
  Kind kind = Kind::uninit;
  s32 target = -1;
  Scalar num;
  bool maybe_null = false;
};

struct InsnClaim {
  bool reached = false;
  u16 live = 0;    // registers the instruction reads (bit r)
  std::array<std::vector<ValueClaim>, bpf::kNumRegs> regs;

  // Adds what v says about register r (joined with earlier paths).
  void add(int r, const Value& v);
};

using InsnClaims = std::vector<InsnClaim>;

}  // namespace ups::verifier
