// Program: bytecode prepared for the interpreter, decoded once and linked:
// map references (lddw PSEUDO_MAP_IDX / PSEUDO_MAP_IDX_VALUE) become the
// addresses the caller gives, helper and kfunc calls become function
// pointers from the ExternTable, PSEUDO_FUNC loads become the callback's
// instruction index (what SubprogInvoker::invoke takes). Immutable after
// prepare; one Program may be run by many Interpreters at once.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "bpf/call_context.h"
#include "bpf/insn.h"
#include "bpf/isa/instruction.h"
#include "vm/vm_ops.h"

namespace ups::vm {

struct LinkInputs {
  // Map index -> the map's handle: the value an `r1 = map[i]` load yields,
  // which helpers such as bpf_map_lookup_elem receive.
  std::span<void* const> maps;
  // Map index -> base of the map's value area (array maps and global data
  // sections): `r1 = map_value[i] + off` yields map_values[i] + off.
  std::span<void* const> map_values;
  // Helpers by id and kfuncs by index; may be null if the code calls none.
  const bpf::ExternTable* externs = nullptr;
};

class Program {
public:
  // Decodes (decode_program's structural checks) and links. Errors name the
  // instruction: an unknown helper id, kfunc index or map index; an lddw
  // kind the loader never produces (map by fd, BTF id).
  static Result<Program> prepare(bpf::Code code, const LinkInputs& link = {});

  size_t size() const { return insns_.size(); }
  const VmInsn* insns() const { return insns_.data(); }
  const std::vector<bpf::Instruction>& decoded() const { return decoded_; }
  const std::vector<bpf::ExternFn>& helpers() const { return helpers_; }

private:
  std::vector<VmInsn> insns_;          // one per slot
  std::vector<bpf::Instruction> decoded_;
  std::vector<bpf::ExternFn> helpers_;  // for callx
};

}  // namespace ups::vm
