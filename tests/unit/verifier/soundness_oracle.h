// SoundnessOracle: checks, before every instruction the interpreter's
// CHECKED mode executes, that the run agrees with what the verifier claimed
// there (verifier/claims.h): each register the instruction reads holds a value of a kind the
// verifier allowed (a number in its range; a pointer into the claimed
// region at an offset in the claimed range), so every memory access goes
// where and as far as the verifier proved, and no register the verifier
// believes a number holds an address of the program's memory (a
// pointer-to-scalar flow). The first disagreement stops the run, described.
#pragma once

#include <string>
#include <vector>

#include "bpf/insn.h"
#include "verifier/claims.h"
#include "vm/step_observer.h"

namespace ups::verifier::test {

// The program's memory at run time, as the verifier names it.
struct RunLayout {
  struct Region {
    u64 base = 0;
    u64 size = 0;
    Kind kind = Kind::map_value;  // map_value, ctx, map_ptr (size 0: the handle itself)
    s32 target = -1;
  };
  std::vector<Region> regions;
  u64 stack_top = 0;  // the interpreter's frame 0 top (r10 of the callback)
};

class SoundnessOracle final : public vm::StepObserver {
public:
  SoundnessOracle(const std::vector<bpf::Insn>& code, const InsnClaims& claims, RunLayout layout)
      : code_(code), claims_(claims), layout_(std::move(layout)) {}

  bool before(u32 pc, const u64* regs) override;
  // Empty while every step agreed.
  const std::string& disagreement() const { return disagreement_; }
  u64 checked() const { return checked_; }

private:
  // Where a run-time value points, as (kind, target, offset) candidates.
  struct Place {
    Kind kind;
    s32 target;
    s64 off;
  };
  std::vector<Place> places(u64 v) const;
  bool matches(const ValueClaim& c, u64 v, const std::vector<Place>& at) const;
  std::string describe(u64 v, const std::vector<Place>& at) const;

  const std::vector<bpf::Insn>& code_;
  const InsnClaims& claims_;
  RunLayout layout_;
  std::string disagreement_;
  u64 checked_ = 0;
};

}  // namespace ups::verifier::test
