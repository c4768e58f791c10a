// Instruction: the decoded form of one eBPF instruction (RFC 9669), as the
// verifier, the interpreter and the disassembler see it. Produced from raw
// Insn slots by decode.h; turned back into slots by encode.h. A 64-bit
// immediate load (lddw) is one Instruction spanning two slots.
#pragma once

#include "base/types.h"
#include "bpf/insn.h"

namespace ups::bpf {

enum class InsnKind : u8 {
  alu,         // dst = dst <alu> (src | imm), 32 or 64 bit
  endian,      // dst = le/be/bswap<size*8>(dst)
  load_imm64,  // dst = imm64 (pseudo says what the immediate means); 2 slots
  load,        // dst = *(size *)(src + off), zero- or sign-extended
  store_imm,   // *(size *)(dst + off) = imm
  store_reg,   // *(size *)(dst + off) = src
  atomic,      // lock *(size *)(dst + off) <atomic>= src, optionally fetching
  jump,        // if (dst <cond> src|imm) goto target; cond=always: goto/gotol
  call,        // helper by id, local subprogram, kfunc by index, or callx
  exit,
};

enum class AluOp : u8 {
  add, sub, mul, div, sdiv, or_, and_, lsh, rsh, neg, mod, smod, xor_, mov,
  movsx,  // mov with sign extension from `size` bytes (1, 2 or 4)
  arsh,
  // addr_space_cast (MOV64 X, off 1): imm 1 = arena to kernel (dst =
  // (u32)src), imm 1 << 16 = kernel to arena (the arena's user address).
  addr_space_cast,
};

enum class EndianOp : u8 { to_le, to_be, swap };

// may_goto (JMP|JCOND, src 0): taken when the frame's loop budget is spent.
enum class JumpCond : u8 { always, eq, ne, gt, ge, lt, le, sgt, sge, slt, sle, set, may_goto };

enum class AtomicOp : u8 { add, or_, and_, xor_, xchg, cmpxchg };

enum class CallKind : u8 {
  helper,  // imm = helper id (bpf_func_id)
  local,   // target = first instruction of the subprogram
  kfunc,   // imm = kfunc index the loader assigned (ExternTable::kfuncs)
  reg,     // callx: helper id in register dst (conformance group `callx`)
};

struct Instruction {
  InsnKind kind = InsnKind::exit;
  u8 dst = 0;
  u8 src = 0;
  // alu/jump: 64-bit class (ALU64, JMP) vs 32-bit (ALU, JMP32);
  // atomic: DW vs W; endian: always true.
  bool is64 = true;
  bool src_is_reg = false;  // alu/jump: operand is `src` (BPF_X), not `imm`
  AluOp alu = AluOp::add;
  EndianOp endian = EndianOp::to_le;
  JumpCond cond = JumpCond::always;
  AtomicOp atomic = AtomicOp::add;
  bool fetch = false;        // atomic: old value returned (src, or r0 for cmpxchg)
  CallKind call = CallKind::helper;
  // Bytes accessed by load/store/atomic (1, 2, 4, 8); source width of movsx
  // (1, 2, 4); width of endian (2, 4, 8).
  u8 size = 0;
  bool sign_extend = false;  // load: MEMSX
  // load/store: an arena access (mode PROBE_MEM32): the address is the
  // arena's base + (u32)reg + off, never the register itself.
  bool arena = false;
  u8 pseudo = 0;             // load_imm64: the src_reg field (op::PSEUDO_*)
  u8 slots = 1;              // 2 for load_imm64
  s16 off = 0;
  s32 imm = 0;               // raw immediate (first slot)
  s32 next_imm = 0;          // load_imm64: second slot's immediate
  u32 pc = 0;                // slot index in the program
  // jump, local call, PSEUDO_FUNC load: absolute slot index of the target.
  s64 target = -1;

  // load_imm64 value: imm | next_imm << 32.
  u64 imm64() const {
    return static_cast<u64>(static_cast<u32>(imm)) |
           (static_cast<u64>(static_cast<u32>(next_imm)) << 32);
  }
  bool is_jump() const { return kind == InsnKind::jump; }
  bool is_conditional_jump() const {
    return kind == InsnKind::jump && cond != JumpCond::always;
  }
  // The register this instruction writes, or -1 (stores write memory;
  // fetching atomics write src, cmpxchg writes r0; calls clobber r0-r5).
  int written_register() const;
};

}  // namespace ups::bpf
