// Decoding raw slots into the verifier's Instructions.
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

u8 width_of(u8 size) {
  switch (size) {
    case op::B: return 1;
    case op::H: return 2;
    case op::W: return 4;
    default: return 8;
  }
}

}  // namespace

Result<Instruction> decode(bpf::Code code, u32 pc, u32* slots) {
  *slots = 1;
  if (pc >= code.size()) return bad(pc, "instruction index out of range");
  // The ISA decoder decides what is well-formed (reserved fields, opcodes);
  // this decoder gives the verifier's view of what it means.
  if (auto d = bpf::decode_one(code, pc); !d) return bad(pc, d.error().message);
  const bpf::Insn& in = code[pc];
  const u8 cls = in.opcode & op::CLASS_MASK;
  const u8 dst = in.dst(), src = in.src();
  if (dst > 10 || src > 10) return bad(pc, fmt::format("invalid register r{}", std::max(dst, src)));
  Operand operand = (in.opcode & op::X) ? Operand{true, src, 0} : Operand{false, 0, in.imm};
  switch (cls) {
    case op::ALU:
    case op::ALU64: {
      Alu a;
      a.op = in.opcode & 0xf0;
      a.is64 = cls == op::ALU64;
      a.dst = dst;
      a.src = operand;
      a.off = in.off;
      if (a.op > op::END) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      if (a.op == op::END) {
        if (in.imm != 16 && in.imm != 32 && in.imm != 64)
          return bad(pc, fmt::format("invalid byte swap width {}", in.imm));
        a.to_be = a.is64 || (in.opcode & op::X);
        a.src = Operand{false, 0, in.imm};
        if (a.is64 && (in.opcode & op::X)) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      } else if (a.op == op::NEG) {
        if (in.opcode & op::X) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      }
      bool off_ok = in.off == 0 || ((a.op == op::DIV || a.op == op::MOD) && in.off == 1) ||
                    (a.op == op::MOV && (in.opcode & op::X) &&
                     (in.off == 8 || in.off == 16 || (in.off == 32 && a.is64)));
      if (!off_ok) return bad(pc, fmt::format("invalid offset {} for opcode {:#04x}", in.off, in.opcode));
      if (dst == 10) return bad(pc, "r10 is read-only (the frame pointer)");
      return Instruction{a};
    }
    case op::JMP:
    case op::JMP32: {
      u8 o = in.opcode & 0xf0;
      if (o == 0xe0 || o == 0xf0) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      if (cls == op::JMP && o == op::CALL) {
        if (in.opcode & op::X) return bad(pc, "call by register is not supported");
        Call c;
        c.id = in.imm;
        if (src == op::CALL_HELPER) {
          c.to = Call::To::helper;
        } else if (src == op::CALL_LOCAL) {
          c.to = Call::To::local;
          s64 t = static_cast<s64>(pc) + 1 + in.imm;
          if (t < 0 || t >= static_cast<s64>(code.size()))
            return bad(pc, fmt::format("call to instruction {} outside the program", t));
          c.target = static_cast<u32>(t);
        } else if (src == op::CALL_KFUNC) {
          c.to = Call::To::kfunc;
        } else {
          return bad(pc, fmt::format("invalid call kind {}", src));
        }
        return Instruction{c};
      }
      if (cls == op::JMP && o == op::EXIT) return Instruction{Exit{}};
      if (o == op::CALL || o == op::EXIT) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      Jump j;
      j.op = o;
      j.is32 = cls == op::JMP32;
      j.dst = dst;
      j.src = operand;
      s64 rel = (o == op::JA && cls == op::JMP32) ? in.imm : in.off;
      s64 t = static_cast<s64>(pc) + 1 + rel;
      if (t < 0 || t >= static_cast<s64>(code.size()))
        return bad(pc, fmt::format("jump to instruction {} outside the program", t));
      j.target = static_cast<u32>(t);
      return Instruction{j};
    }
    case op::LD: {
      if (in.opcode != (op::LD | op::IMM | op::DW)) {
        if ((in.opcode & op::MODE_MASK) == op::ABS || (in.opcode & op::MODE_MASK) == op::IND)
          return bad(pc, "legacy packet access (ABS/IND) is not supported");
        return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      }
      if (pc + 1 >= code.size()) return bad(pc, "lddw without its second slot");
      const bpf::Insn& hi = code[pc + 1];
      if (hi.opcode != 0 || hi.regs != 0 || hi.off != 0)
        return bad(pc, "malformed second slot of lddw");
      *slots = 2;
      LoadImm64 l;
      l.dst = dst;
      if (dst == 10) return bad(pc, "r10 is read-only (the frame pointer)");
      switch (src) {
        case 0:
          l.value = static_cast<u32>(in.imm) | (static_cast<u64>(static_cast<u32>(hi.imm)) << 32);
          break;
        case op::PSEUDO_MAP_IDX:
          l.what = LoadImm64::What::map;
          l.index = static_cast<u32>(in.imm);
          break;
        case op::PSEUDO_MAP_IDX_VALUE:
          l.what = LoadImm64::What::map_value;
          l.index = static_cast<u32>(in.imm);
          l.value = static_cast<u32>(hi.imm);
          break;
        case op::PSEUDO_FUNC: {
          l.what = LoadImm64::What::func;
          s64 t = static_cast<s64>(pc) + 1 + in.imm;
          if (t < 0 || t >= static_cast<s64>(code.size()))
            return bad(pc, fmt::format("function address {} outside the program", t));
          l.index = static_cast<u32>(t);
          break;
        }
        default:
          return bad(pc, fmt::format("unsupported lddw kind {} (map references must be resolved to indexes)", src));
      }
      return Instruction{l};
    }
    case op::LDX:
    case op::ST:
    case op::STX: {
      u8 mode = in.opcode & op::MODE_MASK;
      Mem m;
      m.width = width_of(in.opcode & op::SIZE_MASK);
      m.off = in.off;
      if (cls == op::STX && mode == op::ATOMIC) {
        if (m.width < 4) return bad(pc, "atomic operations need 4 or 8 bytes");
        s32 aop = in.imm & ~op::ATOMIC_FETCH;
        bool known = aop == op::ADD || aop == op::OR || aop == op::AND || aop == op::XOR ||
                     in.imm == op::ATOMIC_XCHG || in.imm == op::ATOMIC_CMPXCHG;
        if (!known) return bad(pc, fmt::format("unknown atomic operation {:#x}", in.imm));
        return Instruction{Atomic{in.imm, m.width, dst, in.off, src}};
      }
      if (cls == op::LDX) {
        if (mode != op::MEM && mode != op::MEMSX) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
        if (mode == op::MEMSX && m.width == 8) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
        if (dst == 10) return bad(pc, "r10 is read-only (the frame pointer)");
        m.is_load = true;
        m.sign_extend = mode == op::MEMSX;
        m.base = src;
        m.value = Operand{true, dst, 0};
        return Instruction{m};
      }
      if (mode != op::MEM) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
      m.base = dst;
      m.value = cls == op::STX ? Operand{true, src, 0} : Operand{false, 0, in.imm};
      return Instruction{m};
    }
  }
  return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
}

}  // namespace ups::verifier
