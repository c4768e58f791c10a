// JitProgram and the JIT backends (see jit_program.h).
#include "jit/jit_program.h"

#include "jit/jit_executor.h"

namespace ups::jit {

Result<JitCode> JitCode::compile(const vm::LinkedProgram& program, const EmitOptions& options) {
  auto emitted = emit(program, options);
  if (!emitted) return tl::unexpected(emitted.error());
  auto buffer = CodeBuffer::make(emitted->bytes);
  if (!buffer) return tl::unexpected(buffer.error());
  JitCode c;
  c.buffer_ = std::move(*buffer);
  c.offsets_ = std::move(emitted->slot_offsets);
  c.slot0_ = emitted->slot0_trampoline;
  return c;
}

Result<std::unique_ptr<JitProgram>> JitProgram::compile(const vm::LinkedProgram& program, bool blind) {
  auto p = std::make_unique<JitProgram>();
  auto fast = JitCode::compile(program, EmitOptions{false, blind});
  if (!fast) return tl::unexpected(fast.error());
  auto checked = JitCode::compile(program, EmitOptions{true, blind});
  if (!checked) return tl::unexpected(checked.error());
  p->fast_ = std::move(*fast);
  p->checked_ = std::move(*checked);
  p->helpers_ = program.helpers();
  return p;
}

std::unique_ptr<vm::Executor> JitProgram::new_executor() const { return std::make_unique<JitExecutor>(*this); }

namespace {
Result<std::unique_ptr<vm::ExecutableProgram>> compiled(const vm::LinkedProgram& program, bool blind) {
  auto p = JitProgram::compile(program, blind);
  if (!p) return tl::unexpected(p.error());
  return std::unique_ptr<vm::ExecutableProgram>(std::move(*p));
}
}  // namespace

Result<std::unique_ptr<vm::ExecutableProgram>> backend(const vm::LinkedProgram& program) {
  return compiled(program, false);
}
Result<std::unique_ptr<vm::ExecutableProgram>> blinded_backend(const vm::LinkedProgram& program) {
  return compiled(program, true);
}

}  // namespace ups::jit
