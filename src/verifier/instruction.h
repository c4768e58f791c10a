// Instruction: the decoded form the verifier reasons about, one closed
// variant per kind of instruction (an lddw is one Instruction covering two
// slots). `decode` builds it from the ISA decoder's bpf::Instruction
// (bpf/isa/decode.h), with the post-load conventions of bpf/insn.h (map
// references by index, kfuncs by index). Text for messages comes from
// bpf/isa/disassembler.h.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "base/types.h"
#include "bpf/insn.h"

namespace ups::verifier {

struct Operand {
  bool is_reg = false;
  u8 reg = 0;
  s32 imm = 0;
};

struct Alu {
  u8 op = 0;  // bpf::op::ADD ...
  bool is64 = true;
  u8 dst = 0;
  Operand src;
  s16 off = 0;        // 1 = signed div/mod or addr_space_cast (src.imm: 1 or 1 << 16); 8/16/32 = movsx
  bool to_be = false; // END
};

struct Jump {
  u8 op = 0;  // bpf::op::JA, JEQ ..., JCOND (may_goto)
  bool is32 = false;
  u8 dst = 0;
  Operand src;
  u32 target = 0;
};

struct LoadImm64 {
  enum class What : u8 { number, map, map_value, func };
  What what = What::number;
  u8 dst = 0;
  u64 value = 0;   // number; or offset into the map value
  u32 index = 0;   // map index or function instruction
};

struct Mem {
  bool is_load = false;
  u8 width = 8;  // bytes
  bool sign_extend = false;
  u8 base = 0;
  s16 off = 0;
  Operand value;  // stores: the register or immediate; loads: dst in reg
};

struct Atomic {
  s32 op = 0;  // imm: ADD, OR, AND, XOR (| FETCH), XCHG, CMPXCHG
  u8 width = 8;
  u8 base = 0;
  s16 off = 0;
  u8 src = 0;
};

struct Call {
  enum class To : u8 { helper, local, kfunc };
  To to = To::helper;
  s32 id = 0;      // helper id or kfunc index
  u32 target = 0;  // local calls: entry instruction
};

struct Exit {};

using Instruction = std::variant<Alu, Jump, LoadImm64, Mem, Atomic, Call, Exit>;

// Decodes the instruction at `pc`; an error names what is wrong with it.
// `slots` is 2 for lddw, else 1.
Result<Instruction> decode(bpf::Code code, u32 pc, u32* slots);

}  // namespace ups::verifier
