// Decoder: raw slots -> Instruction (see decode.h). The per-class functions
// mirror RFC 9669's sections; each rejects a non-zero reserved field, as the
// conformance suite's negative tests demand.
#include "bpf/isa/decode.h"

#include <fmt/format.h>

namespace ups::bpf {
namespace {

using namespace op;

tl::unexpected<Error> bad(size_t pc, std::string message) {
  return make_error(ErrorKind::malformed, std::move(message),
                    SourceLoc{"", 0, 0, fmt::format("instruction {}", pc)});
}

// A reserved field: "src must be 0" etc.
Status require_zero(size_t pc, const char* field, s64 value, const char* what) {
  if (value != 0) return bad(pc, fmt::format("{}: unused field {} is {} (must be 0)", what, field, value));
  return {};
}

Status check_regs(size_t pc, const Insn& in) {
  if (in.dst() > 10) return bad(pc, fmt::format("invalid destination register r{}", in.dst()));
  if (in.src() > 10) return bad(pc, fmt::format("invalid source register r{}", in.src()));
  return {};
}

Result<Instruction> decode_alu(size_t pc, const Insn& in, Instruction d) {
  const u8 code = in.opcode & 0xf0;
  const bool is64 = (in.opcode & CLASS_MASK) == ALU64;
  d.is64 = is64;
  d.src_is_reg = (in.opcode & X) != 0;
  if (code == END) {
    d.kind = InsnKind::endian;
    if (is64) {
      if (d.src_is_reg) return bad(pc, "bswap with reserved source bit set");
      d.endian = EndianOp::swap;
    } else {
      d.endian = d.src_is_reg ? EndianOp::to_be : EndianOp::to_le;
    }
    d.src_is_reg = false;
    d.is64 = true;
    if (in.imm != 16 && in.imm != 32 && in.imm != 64)
      return bad(pc, fmt::format("byte swap width {} (must be 16, 32 or 64)", in.imm));
    d.size = static_cast<u8>(in.imm / 8);
    if (auto s = require_zero(pc, "src", in.src(), "byte swap"); !s) return tl::unexpected(s.error());
    if (auto s = require_zero(pc, "offset", in.off, "byte swap"); !s) return tl::unexpected(s.error());
    return d;
  }
  d.kind = InsnKind::alu;
  static constexpr AluOp ops[16] = {AluOp::add, AluOp::sub, AluOp::mul, AluOp::div,
                                    AluOp::or_, AluOp::and_, AluOp::lsh, AluOp::rsh,
                                    AluOp::neg, AluOp::mod, AluOp::xor_, AluOp::mov,
                                    AluOp::arsh, AluOp::add /*END*/, AluOp::add, AluOp::add};
  if (code > ARSH) return bad(pc, fmt::format("unknown ALU opcode {:#04x}", in.opcode));
  d.alu = ops[code >> 4];
  // Offset: selects the signed variants of div/mod and movsx; else reserved.
  if ((code == DIV || code == MOD) && in.off == 1) {
    d.alu = code == DIV ? AluOp::sdiv : AluOp::smod;
  } else if (code == MOV && in.off == 1 && is64 && d.src_is_reg) {
    if (in.imm != 1 && in.imm != 1 << 16)
      return bad(pc, fmt::format("addr_space_cast with imm {:#x} (must be 0x1 or 0x10000)", in.imm));
    d.alu = AluOp::addr_space_cast;
    return d;
  } else if (code == MOV && in.off != 0) {
    if (!d.src_is_reg || !(in.off == 8 || in.off == 16 || (is64 && in.off == 32)))
      return bad(pc, fmt::format("mov with invalid sign-extension offset {}", in.off));
    d.alu = AluOp::movsx;
    d.size = static_cast<u8>(in.off / 8);
  } else if (in.off != 0) {
    return bad(pc, fmt::format("ALU instruction: unused field offset is {} (must be 0)", in.off));
  }
  if (code == NEG) {
    if (d.src_is_reg) return bad(pc, "neg with a register source");
    if (auto s = require_zero(pc, "src", in.src(), "neg"); !s) return tl::unexpected(s.error());
    if (auto s = require_zero(pc, "imm", in.imm, "neg"); !s) return tl::unexpected(s.error());
    return d;
  }
  if (d.src_is_reg) {
    if (auto s = require_zero(pc, "imm", in.imm, "ALU register instruction"); !s) return tl::unexpected(s.error());
  } else {
    if (auto s = require_zero(pc, "src", in.src(), "ALU immediate instruction"); !s) return tl::unexpected(s.error());
  }
  return d;
}

Result<Instruction> decode_jump(size_t pc, const Insn& in, Instruction d) {
  const u8 code = in.opcode & 0xf0;
  const bool is64 = (in.opcode & CLASS_MASK) == JMP;
  d.is64 = is64;
  d.src_is_reg = (in.opcode & X) != 0;
  auto zero = [&](const char* f, s64 v, const char* what) { return require_zero(pc, f, v, what); };
  if (code == JA) {
    d.kind = InsnKind::jump;
    d.cond = JumpCond::always;
    if (d.src_is_reg) return bad(pc, "ja with a register source");
    if (auto s = zero("dst", in.dst(), "ja"); !s) return tl::unexpected(s.error());
    if (auto s = zero("src", in.src(), "ja"); !s) return tl::unexpected(s.error());
    if (is64) {
      if (auto s = zero("imm", in.imm, "ja"); !s) return tl::unexpected(s.error());
      d.target = static_cast<s64>(pc) + 1 + in.off;
    } else {  // gotol: 32-bit offset in imm
      if (auto s = zero("offset", in.off, "gotol"); !s) return tl::unexpected(s.error());
      d.target = static_cast<s64>(pc) + 1 + in.imm;
    }
    return d;
  }
  if (code == CALL) {
    if (!is64) return bad(pc, "call in the JMP32 class");
    d.kind = InsnKind::call;
    if (auto s = zero("offset", in.off, "call"); !s) return tl::unexpected(s.error());
    if (d.src_is_reg) {  // callx: the register is in dst (as clang encodes it)
      d.call = CallKind::reg;
      if (auto s = zero("src", in.src(), "callx"); !s) return tl::unexpected(s.error());
      if (auto s = zero("imm", in.imm, "callx"); !s) return tl::unexpected(s.error());
      return d;
    }
    if (auto s = zero("dst", in.dst(), "call"); !s) return tl::unexpected(s.error());
    switch (in.src()) {
      case CALL_HELPER: d.call = CallKind::helper; break;
      case CALL_LOCAL:
        d.call = CallKind::local;
        d.target = static_cast<s64>(pc) + 1 + in.imm;
        break;
      case CALL_KFUNC: d.call = CallKind::kfunc; break;
      default: return bad(pc, fmt::format("call with unknown source {}", in.src()));
    }
    return d;
  }
  if (code == EXIT) {
    if (!is64 || d.src_is_reg) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
    d.kind = InsnKind::exit;
    if (auto s = zero("dst", in.dst(), "exit"); !s) return tl::unexpected(s.error());
    if (auto s = zero("src", in.src(), "exit"); !s) return tl::unexpected(s.error());
    if (auto s = zero("offset", in.off, "exit"); !s) return tl::unexpected(s.error());
    if (auto s = zero("imm", in.imm, "exit"); !s) return tl::unexpected(s.error());
    return d;
  }
  static constexpr JumpCond conds[16] = {
      JumpCond::always, JumpCond::eq,  JumpCond::gt,  JumpCond::ge,  JumpCond::set,
      JumpCond::ne,     JumpCond::sgt, JumpCond::sge, JumpCond::always, JumpCond::always,
      JumpCond::lt,     JumpCond::le,  JumpCond::slt, JumpCond::sle, JumpCond::always,
      JumpCond::always};
  if (code == JCOND) {  // may_goto: Linux's only JCOND (BPF_MAY_GOTO = 0)
    if (!is64 || d.src_is_reg) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
    d.kind = InsnKind::jump;
    d.cond = JumpCond::may_goto;
    if (auto s = zero("dst", in.dst(), "may_goto"); !s) return tl::unexpected(s.error());
    if (auto s = zero("src", in.src(), "may_goto"); !s) return tl::unexpected(s.error());
    if (auto s = zero("imm", in.imm, "may_goto"); !s) return tl::unexpected(s.error());
    d.target = static_cast<s64>(pc) + 1 + in.off;
    return d;
  }
  if (code > JSLE) return bad(pc, fmt::format("unknown jump opcode {:#04x}", in.opcode));
  d.kind = InsnKind::jump;
  d.cond = conds[code >> 4];
  d.target = static_cast<s64>(pc) + 1 + in.off;
  if (d.src_is_reg) {
    if (auto s = zero("imm", in.imm, "conditional jump"); !s) return tl::unexpected(s.error());
  } else {
    if (auto s = zero("src", in.src(), "conditional jump"); !s) return tl::unexpected(s.error());
  }
  return d;
}

u8 size_bytes(u8 opcode) {
  switch (opcode & SIZE_MASK) {
    case W: return 4;
    case H: return 2;
    case B: return 1;
    default: return 8;
  }
}

Result<Instruction> decode_memory(Code code, size_t pc, const Insn& in, Instruction d) {
  const u8 cls = in.opcode & CLASS_MASK;
  const u8 mode = in.opcode & MODE_MASK;
  d.size = size_bytes(in.opcode);
  auto zero = [&](const char* f, s64 v, const char* what) { return require_zero(pc, f, v, what); };
  if (cls == LD) {
    if (mode == ABS || mode == IND) return bad(pc, "legacy packet access (ABS/IND) is not supported");
    if (in.opcode != (LD | IMM | DW)) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
    d.kind = InsnKind::load_imm64;
    d.slots = 2;
    d.pseudo = in.src();
    d.src = 0;
    if (d.pseudo > PSEUDO_MAP_IDX_VALUE) return bad(pc, fmt::format("lddw with unknown source {}", d.pseudo));
    if (auto s = zero("offset", in.off, "lddw"); !s) return tl::unexpected(s.error());
    if (pc + 1 >= code.size()) return bad(pc, "lddw without its second slot");
    const Insn& next = code[pc + 1];
    if (next.opcode != 0 || next.regs != 0 || next.off != 0)
      return bad(pc, "lddw second slot has non-zero opcode, registers or offset");
    d.next_imm = next.imm;
    if (d.pseudo == PSEUDO_FUNC) d.target = static_cast<s64>(pc) + 1 + in.imm;
    return d;
  }
  if (cls == LDX) {
    d.kind = InsnKind::load;
    if (mode == MEMSX) {
      if (d.size == 8) return bad(pc, "sign-extending load of 8 bytes");
      d.sign_extend = true;
    } else if (mode == PROBE_MEM32) {
      d.arena = true;
    } else if (mode != MEM) {
      return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
    }
    if (auto s = zero("imm", in.imm, "load"); !s) return tl::unexpected(s.error());
    return d;
  }
  if (cls == ST) {
    if (mode != MEM && mode != PROBE_MEM32) return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
    d.kind = InsnKind::store_imm;
    d.arena = mode == PROBE_MEM32;
    if (auto s = zero("src", in.src(), "store"); !s) return tl::unexpected(s.error());
    return d;
  }
  // STX
  if (mode == MEM || mode == PROBE_MEM32) {
    d.kind = InsnKind::store_reg;
    d.arena = mode == PROBE_MEM32;
    if (auto s = zero("imm", in.imm, "store"); !s) return tl::unexpected(s.error());
    return d;
  }
  if (mode != ATOMIC || (d.size != 4 && d.size != 8))
    return bad(pc, fmt::format("unknown opcode {:#04x}", in.opcode));
  d.kind = InsnKind::atomic;
  d.is64 = d.size == 8;
  d.fetch = (in.imm & ATOMIC_FETCH) != 0;
  switch (in.imm & ~ATOMIC_FETCH) {
    case ADD: d.atomic = AtomicOp::add; break;
    case OR: d.atomic = AtomicOp::or_; break;
    case AND: d.atomic = AtomicOp::and_; break;
    case XOR: d.atomic = AtomicOp::xor_; break;
    case 0xe0:
      if (!d.fetch) return bad(pc, "xchg without the fetch flag");
      d.atomic = AtomicOp::xchg;
      break;
    case 0xf0:
      if (!d.fetch) return bad(pc, "cmpxchg without the fetch flag");
      d.atomic = AtomicOp::cmpxchg;
      break;
    default: return bad(pc, fmt::format("unknown atomic operation {:#x}", in.imm));
  }
  return d;
}

}  // namespace

int Instruction::written_register() const {
  switch (kind) {
    case InsnKind::alu:
    case InsnKind::endian:
    case InsnKind::load_imm64:
    case InsnKind::load: return dst;
    case InsnKind::atomic:
      if (atomic == AtomicOp::cmpxchg) return 0;
      return fetch ? src : -1;
    case InsnKind::call: return 0;
    default: return -1;
  }
}

Result<Instruction> decode_one(Code code, size_t pc) {
  if (pc >= code.size()) return bad(pc, "past the end of the program");
  const Insn& in = code[pc];
  if (auto s = check_regs(pc, in); !s) return tl::unexpected(s.error());
  Instruction d;
  d.pc = static_cast<u32>(pc);
  d.dst = in.dst();
  d.src = in.src();
  d.off = in.off;
  d.imm = in.imm;
  Result<Instruction> r;
  switch (in.opcode & CLASS_MASK) {
    case ALU:
    case ALU64: r = decode_alu(pc, in, d); break;
    case JMP:
    case JMP32: r = decode_jump(pc, in, d); break;
    default: r = decode_memory(code, pc, in, d); break;
  }
  if (!r) return r;
  // r10 is the read-only frame pointer.
  if (r->written_register() == 10 && r->kind != InsnKind::call)
    return bad(pc, "write to the read-only frame pointer r10");
  return r;
}

Result<std::vector<Instruction>> decode_program(Code code) {
  if (code.empty()) return bad(0, "empty program");
  std::vector<Instruction> out;
  out.reserve(code.size());
  std::vector<bool> starts(code.size(), false);
  for (size_t pc = 0; pc < code.size();) {
    auto d = decode_one(code, pc);
    if (!d) return tl::unexpected(d.error());
    starts[pc] = true;
    pc += d->slots;
    out.push_back(*d);
  }
  const s64 n = static_cast<s64>(code.size());
  for (const Instruction& d : out) {
    if (d.target < 0 && !(d.kind == InsnKind::jump || (d.kind == InsnKind::call && d.call == CallKind::local) ||
                          (d.kind == InsnKind::load_imm64 && d.pseudo == op::PSEUDO_FUNC)))
      continue;
    if (d.target < 0 || d.target >= n)
      return bad(d.pc, fmt::format("target {} is outside the program (0..{})", d.target, n - 1));
    if (!starts[static_cast<size_t>(d.target)])
      return bad(d.pc, fmt::format("target {} is the second slot of an lddw", d.target));
  }
  const Instruction& last = out.back();
  if (!(last.kind == InsnKind::exit || (last.kind == InsnKind::jump && last.cond == JumpCond::always)))
    return bad(last.pc, "the last instruction can fall off the end of the program");
  return out;
}

std::vector<int> slot_to_index(const std::vector<Instruction>& insns, size_t slot_count) {
  std::vector<int> map(slot_count, -1);
  for (size_t i = 0; i < insns.size(); ++i)
    if (insns[i].pc < slot_count) map[insns[i].pc] = static_cast<int>(i);
  return map;
}

}  // namespace ups::bpf
