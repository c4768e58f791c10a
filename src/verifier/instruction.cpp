// The verifier's Instructions, built from the ISA decoder's (bpf/isa/
// decode.h): the decoder alone decides what is well-formed (opcodes,
// registers, reserved fields, the lddw second slot, no write to r10); this
// file gives the verifier's view of what it means and refuses what the ISA
// allows but a loaded program may not hold (targets outside the program, a
// call by register, map references not resolved to indexes).
#include "verifier/instruction.h"

#include "bpf/isa/decode.h"

#include <fmt/format.h>

namespace ups::verifier {
namespace op = bpf::op;
namespace {

Result<Instruction> bad(u32 pc, std::string what) {
  return make_error(ErrorKind::malformed, std::move(what),
                    SourceLoc{"", 0, 0, fmt::format("instruction {}", pc)});
}

// The opcode's operation bits the transformer switches on; the signed and
// sign-extending variants keep their selector in Alu::off, as encoded.
u8 alu_code(bpf::AluOp a) {
  switch (a) {
    case bpf::AluOp::add: return op::ADD;
    case bpf::AluOp::sub: return op::SUB;
    case bpf::AluOp::mul: return op::MUL;
    case bpf::AluOp::div: case bpf::AluOp::sdiv: return op::DIV;
    case bpf::AluOp::or_: return op::OR;
    case bpf::AluOp::and_: return op::AND;
    case bpf::AluOp::lsh: return op::LSH;
    case bpf::AluOp::rsh: return op::RSH;
    case bpf::AluOp::neg: return op::NEG;
    case bpf::AluOp::mod: case bpf::AluOp::smod: return op::MOD;
    case bpf::AluOp::xor_: return op::XOR;
    case bpf::AluOp::mov: case bpf::AluOp::movsx: case bpf::AluOp::addr_space_cast: return op::MOV;
    case bpf::AluOp::arsh: return op::ARSH;
  }
  return op::ADD;
}

u8 jump_code(bpf::JumpCond c) {
  switch (c) {
    case bpf::JumpCond::always: return op::JA;
    case bpf::JumpCond::eq: return op::JEQ;
    case bpf::JumpCond::ne: return op::JNE;
    case bpf::JumpCond::gt: return op::JGT;
    case bpf::JumpCond::ge: return op::JGE;
    case bpf::JumpCond::lt: return op::JLT;
    case bpf::JumpCond::le: return op::JLE;
    case bpf::JumpCond::sgt: return op::JSGT;
    case bpf::JumpCond::sge: return op::JSGE;
    case bpf::JumpCond::slt: return op::JSLT;
    case bpf::JumpCond::sle: return op::JSLE;
    case bpf::JumpCond::set: return op::JSET;
    case bpf::JumpCond::may_goto: return op::JCOND;
  }
  return op::JA;
}

Operand operand_of(const bpf::Instruction& d) {
  return d.src_is_reg ? Operand{true, d.src, 0} : Operand{false, 0, d.imm};
}

Result<Instruction> from_isa(const bpf::Instruction& d, size_t slots) {
  const u32 pc = d.pc;
  auto inside = [&](s64 t) { return t >= 0 && t < static_cast<s64>(slots); };
  if (d.arena)  // the loader marks arena accesses after verification
    return bad(pc, "memory mode 0xa0 (an arena access the loader marks) in a program to verify");
  switch (d.kind) {
    case bpf::InsnKind::alu: {
      Alu a;
      a.op = alu_code(d.alu);
      a.is64 = d.is64;
      a.dst = d.dst;
      a.src = operand_of(d);
      a.off = d.off;
      if (d.alu == bpf::AluOp::addr_space_cast) a.src.imm = d.imm;  // the direction
      return Instruction{a};
    }
    case bpf::InsnKind::endian: {
      Alu a;
      a.op = op::END;
      a.is64 = d.endian == bpf::EndianOp::swap;  // the ALU64 class: bswap
      a.to_be = d.endian != bpf::EndianOp::to_le;
      a.dst = d.dst;
      a.src = Operand{false, 0, d.imm};
      a.off = d.off;
      return Instruction{a};
    }
    case bpf::InsnKind::jump: {
      if (!inside(d.target)) return bad(pc, fmt::format("jump to instruction {} outside the program", d.target));
      Jump j;
      j.op = jump_code(d.cond);
      j.is32 = !d.is64;
      j.dst = d.dst;
      j.src = operand_of(d);
      j.target = static_cast<u32>(d.target);
      return Instruction{j};
    }
    case bpf::InsnKind::call: {
      Call c;
      c.id = d.imm;
      switch (d.call) {
        case bpf::CallKind::reg: return bad(pc, "call by register is not supported");
        case bpf::CallKind::helper: c.to = Call::To::helper; break;
        case bpf::CallKind::kfunc: c.to = Call::To::kfunc; break;
        case bpf::CallKind::local:
          if (!inside(d.target)) return bad(pc, fmt::format("call to instruction {} outside the program", d.target));
          c.to = Call::To::local;
          c.target = static_cast<u32>(d.target);
          break;
      }
      return Instruction{c};
    }
    case bpf::InsnKind::exit:
      return Instruction{Exit{}};
    case bpf::InsnKind::load_imm64: {
      LoadImm64 l;
      l.dst = d.dst;
      switch (d.pseudo) {
        case 0:
          l.value = d.imm64();
          break;
        case op::PSEUDO_MAP_IDX:
          l.what = LoadImm64::What::map;
          l.index = static_cast<u32>(d.imm);
          break;
        case op::PSEUDO_MAP_IDX_VALUE:
          l.what = LoadImm64::What::map_value;
          l.index = static_cast<u32>(d.imm);
          l.value = static_cast<u32>(d.next_imm);
          break;
        case op::PSEUDO_FUNC:
          if (!inside(d.target)) return bad(pc, fmt::format("function address {} outside the program", d.target));
          l.what = LoadImm64::What::func;
          l.index = static_cast<u32>(d.target);
          break;
        default:
          return bad(pc, fmt::format("unsupported lddw kind {} (map references must be resolved to indexes)", d.pseudo));
      }
      return Instruction{l};
    }
    case bpf::InsnKind::load: {
      Mem m;
      m.is_load = true;
      m.width = d.size;
      m.sign_extend = d.sign_extend;
      m.base = d.src;
      m.off = d.off;
      m.value = Operand{true, d.dst, 0};
      return Instruction{m};
    }
    case bpf::InsnKind::store_imm:
    case bpf::InsnKind::store_reg: {
      Mem m;
      m.width = d.size;
      m.base = d.dst;
      m.off = d.off;
      m.value = d.kind == bpf::InsnKind::store_reg ? Operand{true, d.src, 0} : Operand{false, 0, d.imm};
      return Instruction{m};
    }
    case bpf::InsnKind::atomic:
      return Instruction{Atomic{d.imm, d.size, d.dst, d.off, d.src}};
  }
  return bad(pc, "unknown instruction kind");
}

}  // namespace

Result<Instruction> decode(bpf::Code code, u32 pc, u32* slots) {
  *slots = 1;
  if (pc >= code.size()) return bad(pc, "instruction index out of range");
  auto d = bpf::decode_one(code, pc);
  if (!d) return bad(pc, d.error().message);
  *slots = d->slots;
  return from_isa(*d, code.size());
}

}  // namespace ups::verifier
