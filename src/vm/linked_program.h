// LinkedProgram: bytecode decoded once and linked, the same for every
// backend (the interpreter today, the JIT later). Map references (lddw
// PSEUDO_MAP_IDX / PSEUDO_MAP_IDX_VALUE) become the addresses the caller
// gives, helper and kfunc calls become host functions from the
// ExternTable, PSEUDO_FUNC loads become the callback's instruction index
// (what SubprogInvoker::invoke takes), and the subprogram entries are
// listed. A backend turns it into executable code (executor.h); nothing
// in it is specific to how the code is then run.
#pragma once

#include <span>
#include <vector>

#include "base/result.h"
#include "bpf/call_context.h"
#include "bpf/insn.h"
#include "bpf/isa/instruction.h"

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
  // The program's arena, if it has one (bpf/maps/arena_map.h): the address
  // of arena offset 0, which an arena access (mode PROBE_MEM32) adds to the
  // low 32 bits of its register, and the arena's user address, whose upper
  // half addr_space_cast to the user's form puts back.
  u64 arena_base = 0;
  u64 arena_user = 0;
};

// One decoded instruction with what linking resolved for it.
struct LinkedInsn {
  bpf::Instruction insn;
  // lddw: the 64-bit value the load yields (constant, map handle, map value
  // address + offset, or a callback's instruction index). An arena access:
  // the arena's base. addr_space_cast to the user's form: the upper half of
  // the arena's user address (its low 32 bits zero).
  u64 value = 0;
  // Helper or kfunc call: the host function.
  bpf::ExternFn target = nullptr;
};

class LinkedProgram {
public:
  // Decodes (decode_program's structural checks) and links. Errors name the
  // instruction: an unknown helper id, kfunc index or map index; an lddw
  // kind the loader never produces (map by fd, BTF id).
  static Result<LinkedProgram> link(bpf::Code code, const LinkInputs& inputs = {});

  // Instruction slots (an lddw takes two).
  size_t slots() const { return slots_; }
  // In slot order, one per instruction.
  const std::vector<LinkedInsn>& insns() const { return insns_; }
  // Helpers by id, for callx (its id is only known at run time).
  const std::vector<bpf::ExternFn>& helpers() const { return helpers_; }
  // Slot index of each subprogram's first instruction, ascending: 0, every
  // bpf-to-bpf call target and every callback a PSEUDO_FUNC load names.
  const std::vector<u32>& subprogram_entries() const { return subprogram_entries_; }
  // LinkInputs::arena_base and arena_user, for the arena accesses and casts.
  u64 arena_base() const { return arena_base_; }
  u64 arena_user() const { return arena_user_; }

private:
  u64 arena_base_ = 0;
  u64 arena_user_ = 0;
  size_t slots_ = 0;
  std::vector<LinkedInsn> insns_;
  std::vector<bpf::ExternFn> helpers_;
  std::vector<u32> subprogram_entries_;
};

}  // namespace ups::vm
