// ThreadedProgram: a LinkedProgram as the interpreter runs it. Each
// instruction is specialised by width and operand kind into a VmInsn
// (vm_ops.h) that carries the address of its handler in the interpreter's
// loop (direct threading), so the interpreter decodes nothing at run time.
// Immutable after threading; any number of Interpreters (one per thread)
// may run one ThreadedProgram at once.
#pragma once

#include <memory>
#include <vector>

#include "base/result.h"
#include "bpf/call_context.h"
#include "bpf/insn.h"
#include "vm/executor.h"
#include "vm/linked_program.h"
#include "vm/vm_ops.h"

namespace ups::vm {

class ThreadedProgram final : public ExecutableProgram {
public:
  // Errors: a program too large for the interpreter's jump encoding.
  static Result<ThreadedProgram> thread(const LinkedProgram& program);
  // link() then thread(): the interpreter's code straight from bytecode.
  static Result<ThreadedProgram> prepare(bpf::Code code, const LinkInputs& inputs = {});

  // An Interpreter over this code (which must outlive it).
  std::unique_ptr<Executor> new_executor() const override;

  size_t size() const { return insns_.size(); }
  const VmInsn* insns() const { return insns_.data(); }
  // The same, threaded through the confined loop (Interpreter::confined_handlers).
  const VmInsn* confined_insns() const { return confined_insns_.data(); }
  const std::vector<bpf::ExternFn>& helpers() const { return helpers_; }
  // The address of arena offset 0 (LinkInputs::arena_base), 0 without one.
  u64 arena_base() const { return arena_base_; }

private:
  u64 arena_base_ = 0;
  std::vector<VmInsn> insns_;           // one per slot
  std::vector<VmInsn> confined_insns_;  // the same, for the confined loop
  std::vector<bpf::ExternFn> helpers_;  // for callx
};

// The interpreter as a Backend.
Result<std::unique_ptr<ExecutableProgram>> interpreter_backend(const LinkedProgram& program);

}  // namespace ups::vm
