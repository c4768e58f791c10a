// Encoder (see encode.h): the opcode fields of RFC 9669 from the decoded form.
#include "bpf/isa/encode.h"

namespace ups::bpf {
namespace {

using namespace op;

u8 size_field(u8 bytes) {
  switch (bytes) {
    case 1: return B;
    case 2: return H;
    case 4: return W;
    default: return DW;
  }
}

u8 alu_code(AluOp a) {
  switch (a) {
    case AluOp::add: return ADD;
    case AluOp::sub: return SUB;
    case AluOp::mul: return MUL;
    case AluOp::div:
    case AluOp::sdiv: return DIV;
    case AluOp::or_: return OR;
    case AluOp::and_: return AND;
    case AluOp::lsh: return LSH;
    case AluOp::rsh: return RSH;
    case AluOp::neg: return NEG;
    case AluOp::mod:
    case AluOp::smod: return MOD;
    case AluOp::xor_: return XOR;
    case AluOp::mov:
    case AluOp::movsx:
    case AluOp::addr_space_cast: return MOV;
    case AluOp::arsh: return ARSH;
  }
  return ADD;
}

u8 jump_code(JumpCond c) {
  switch (c) {
    case JumpCond::always: return JA;
    case JumpCond::eq: return JEQ;
    case JumpCond::ne: return JNE;
    case JumpCond::gt: return JGT;
    case JumpCond::ge: return JGE;
    case JumpCond::lt: return JLT;
    case JumpCond::le: return JLE;
    case JumpCond::sgt: return JSGT;
    case JumpCond::sge: return JSGE;
    case JumpCond::slt: return JSLT;
    case JumpCond::sle: return JSLE;
    case JumpCond::set: return JSET;
    case JumpCond::may_goto: return JCOND;
  }
  return JA;
}

s32 atomic_imm(const Instruction& d) {
  switch (d.atomic) {
    case AtomicOp::add: return ADD | (d.fetch ? ATOMIC_FETCH : 0);
    case AtomicOp::or_: return OR | (d.fetch ? ATOMIC_FETCH : 0);
    case AtomicOp::and_: return AND | (d.fetch ? ATOMIC_FETCH : 0);
    case AtomicOp::xor_: return XOR | (d.fetch ? ATOMIC_FETCH : 0);
    case AtomicOp::xchg: return ATOMIC_XCHG;
    case AtomicOp::cmpxchg: return ATOMIC_CMPXCHG;
  }
  return 0;
}

}  // namespace

void encode(const Instruction& d, std::vector<Insn>& out) {
  Insn in = Insn::make(0, d.dst, d.src, d.off, d.imm);
  switch (d.kind) {
    case InsnKind::alu:
      in.opcode = static_cast<u8>((d.is64 ? ALU64 : ALU) | alu_code(d.alu) | (d.src_is_reg ? X : K));
      break;
    case InsnKind::endian:
      in.opcode = static_cast<u8>(END | (d.endian == EndianOp::swap ? ALU64 : ALU) |
                                  (d.endian == EndianOp::to_be ? X : K));
      in.imm = d.size * 8;
      break;
    case InsnKind::load_imm64:
      in.opcode = LD | IMM | DW;
      in.set_src(d.pseudo);
      out.push_back(in);
      out.push_back(Insn::make(0, 0, 0, 0, d.next_imm));
      return;
    case InsnKind::load:
      in.opcode = static_cast<u8>(LDX | (d.arena ? PROBE_MEM32 : d.sign_extend ? MEMSX : MEM) | size_field(d.size));
      break;
    case InsnKind::store_imm: in.opcode = static_cast<u8>(ST | (d.arena ? PROBE_MEM32 : MEM) | size_field(d.size)); break;
    case InsnKind::store_reg: in.opcode = static_cast<u8>(STX | (d.arena ? PROBE_MEM32 : MEM) | size_field(d.size)); break;
    case InsnKind::atomic:
      in.opcode = static_cast<u8>(STX | ATOMIC | size_field(d.size));
      in.imm = atomic_imm(d);
      break;
    case InsnKind::jump:
      in.opcode = static_cast<u8>((d.is64 ? JMP : JMP32) | jump_code(d.cond) | (d.src_is_reg ? X : K));
      break;
    case InsnKind::call:
      in.opcode = static_cast<u8>(JMP | CALL | (d.call == CallKind::reg ? X : K));
      if (d.call != CallKind::reg)
        in.set_src(d.call == CallKind::local ? CALL_LOCAL : d.call == CallKind::kfunc ? CALL_KFUNC : CALL_HELPER);
      break;
    case InsnKind::exit: in.opcode = JMP | EXIT; break;
  }
  out.push_back(in);
}

std::vector<Insn> encode_all(const std::vector<Instruction>& insns) {
  std::vector<Insn> out;
  out.reserve(insns.size() + 4);
  for (const Instruction& d : insns) encode(d, out);
  return out;
}

}  // namespace ups::bpf
