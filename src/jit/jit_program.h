// JitProgram: the JIT backend's ExecutableProgram: a LinkedProgram compiled
// to x86-64 code twice, fast and CHECKED (emitter.h), each in its own W^X
// pages (code_buffer.h) freed with the program. Immutable; any number of
// JitExecutors (one per thread) run it at once.
#pragma once

#include <memory>
#include <vector>

#include "base/result.h"
#include "jit/code_buffer.h"
#include "jit/emitter.h"
#include "jit/run_state.h"
#include "vm/executor.h"
#include "vm/linked_program.h"

namespace ups::jit {

// One compiled form of the program.
class JitCode {
public:
  static Result<JitCode> compile(const vm::LinkedProgram& program, const EmitOptions& options);
  // The code of slot `slot`, or null (out of range, lddw's second slot).
  const void* entry(u32 slot) const {
    return slot < offsets_.size() && offsets_[slot] != EmittedCode::kNoEntry ? buffer_.data() + offsets_[slot]
                                                                               : nullptr;
  }
  // Runs `target` (an entry()) with the registers and budget in `st`; returns r0.
  u64 enter(RunState& st, const void* target) const {
    using Trampoline = u64 (*)(RunState*, const void*);
    return reinterpret_cast<Trampoline>(const_cast<u8*>(buffer_.data()))(&st, target);
  }
  // A top-level run of slot 0 with r1-r5 (the callback trampoline, see
  // emitter.h): sets the RunState's depth to 0 and clears its trap; needs
  // only its ctx, budget, stack_top and, CHECKED, the guard's fields set.
  u64 enter_slot0(RunState& st, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) const {
    using Trampoline = u64 (*)(RunState*, u64, u64, u64, u64, u64);
    return reinterpret_cast<Trampoline>(const_cast<u8*>(buffer_.data() + slot0_))(&st, r1, r2, r3, r4, r5);
  }
  // Slots of the program (instructions, lddw counting two).
  size_t slots() const { return offsets_.size(); }
  // The mapped code (whole pages; the tail past the code is zero).
  std::span<const u8> bytes() const { return {buffer_.data(), buffer_.size()}; }

private:
  CodeBuffer buffer_;
  std::vector<u32> offsets_;
  u32 slot0_ = 0;  // the callback trampoline's offset
};

class JitProgram final : public vm::ExecutableProgram {
public:
  // blind: constant blinding (EmitOptions::blind).
  static Result<std::unique_ptr<JitProgram>> compile(const vm::LinkedProgram& program, bool blind = false);

  std::unique_ptr<vm::Executor> new_executor() const override;

  const JitCode& fast() const { return fast_; }
  const JitCode& checked() const { return checked_; }
  const std::vector<bpf::ExternFn>& helpers() const { return helpers_; }

private:
  JitCode fast_, checked_;
  std::vector<bpf::ExternFn> helpers_;  // for callx
};

// The JIT as a vm::Backend: plain, and with constant blinding.
Result<std::unique_ptr<vm::ExecutableProgram>> backend(const vm::LinkedProgram& program);
Result<std::unique_ptr<vm::ExecutableProgram>> blinded_backend(const vm::LinkedProgram& program);

}  // namespace ups::jit
