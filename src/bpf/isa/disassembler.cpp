// Disassembler (see disassembler.h). Immediates print as signed hex, like
// llvm-objdump 19; 32-bit operations name sub-registers (w0).
#include "bpf/isa/disassembler.h"

#include <fmt/format.h>

#include "bpf/isa/decode.h"

namespace ups::bpf {
namespace {

std::string shex(s64 v) {
  if (v < 0) return fmt::format("-{:#x}", static_cast<u64>(-(v + 1)) + 1);
  return fmt::format("{:#x}", static_cast<u64>(v));
}
std::string rel(s64 v) { return v < 0 ? shex(v) : "+" + shex(v); }

std::string reg(u8 r, bool wide) { return fmt::format("{}{}", wide ? 'r' : 'w', r); }

const char* utype(u8 size) {
  switch (size) {
    case 1: return "u8";
    case 2: return "u16";
    case 4: return "u32";
    default: return "u64";
  }
}
const char* stype(u8 size) {
  switch (size) {
    case 1: return "s8";
    case 2: return "s16";
    default: return "s32";
  }
}

std::string mem(const char* type, u8 base, s16 off) {
  return fmt::format("*({} *)(r{} {} {})", type, base, off < 0 ? '-' : '+',
                     shex(off < 0 ? -static_cast<s64>(off) : off));
}
const char* arena_note(const Instruction& d) { return d.arena ? " (arena)" : ""; }
std::string addr(u8 base, s16 off) {
  return fmt::format("r{} {} {}", base, off < 0 ? '-' : '+', shex(off < 0 ? -static_cast<s64>(off) : off));
}

const char* alu_symbol(AluOp op) {
  switch (op) {
    case AluOp::add: return "+=";
    case AluOp::sub: return "-=";
    case AluOp::mul: return "*=";
    case AluOp::div: return "/=";
    case AluOp::sdiv: return "s/=";
    case AluOp::or_: return "|=";
    case AluOp::and_: return "&=";
    case AluOp::lsh: return "<<=";
    case AluOp::rsh: return ">>=";
    case AluOp::mod: return "%=";
    case AluOp::smod: return "s%=";
    case AluOp::xor_: return "^=";
    case AluOp::arsh: return "s>>=";
    default: return "=";
  }
}

const char* cond_symbol(JumpCond c) {
  switch (c) {
    case JumpCond::eq: return "==";
    case JumpCond::ne: return "!=";
    case JumpCond::gt: return ">";
    case JumpCond::ge: return ">=";
    case JumpCond::lt: return "<";
    case JumpCond::le: return "<=";
    case JumpCond::sgt: return "s>";
    case JumpCond::sge: return "s>=";
    case JumpCond::slt: return "s<";
    case JumpCond::sle: return "s<=";
    case JumpCond::set: return "&";
    default: return "?";
  }
}

const char* atomic_name(AtomicOp op) {
  switch (op) {
    case AtomicOp::add: return "add";
    case AtomicOp::or_: return "or";
    case AtomicOp::and_: return "and";
    default: return "xor";
  }
}
const char* atomic_symbol(AtomicOp op) {
  switch (op) {
    case AtomicOp::add: return "+=";
    case AtomicOp::or_: return "|=";
    case AtomicOp::and_: return "&=";
    default: return "^=";
  }
}

std::string disasm_alu(const Instruction& d) {
  const bool w = d.is64;
  if (d.alu == AluOp::neg) return fmt::format("{0} = -{0}", reg(d.dst, w));
  if (d.alu == AluOp::addr_space_cast)  // as llvm-objdump spells it
    return fmt::format("r{} = addr_space_cast(r{}, {:#x}, {:#x})", d.dst, d.src, d.imm >> 16, d.imm & 0xffff);
  if (d.alu == AluOp::movsx)
    return fmt::format("{} = ({}){}", reg(d.dst, w), stype(d.size), reg(d.src, w));
  const std::string rhs = d.src_is_reg ? reg(d.src, w) : shex(d.imm);
  return fmt::format("{} {} {}", reg(d.dst, w), alu_symbol(d.alu), rhs);
}

std::string disasm_load_imm64(const Instruction& d) {
  switch (d.pseudo) {
    case op::PSEUDO_MAP_IDX: return fmt::format("r{} = map[{}] ll", d.dst, shex(d.imm));
    case op::PSEUDO_MAP_IDX_VALUE:
      return fmt::format("r{} = map_value[{}] + {} ll", d.dst, shex(d.imm), shex(d.next_imm));
    case op::PSEUDO_MAP_FD: return fmt::format("r{} = map_fd[{}] ll", d.dst, shex(d.imm));
    case op::PSEUDO_MAP_VALUE:
      return fmt::format("r{} = map_fd_value[{}] + {} ll", d.dst, shex(d.imm), shex(d.next_imm));
    case op::PSEUDO_BTF_ID: return fmt::format("r{} = btf_id[{}] ll", d.dst, shex(d.imm));
    case op::PSEUDO_FUNC: return fmt::format("r{} = func[{}] ll", d.dst, rel(d.imm));
    default: return fmt::format("r{} = {} ll", d.dst, shex(static_cast<s64>(d.imm64())));
  }
}

std::string disasm_atomic(const Instruction& d) {
  const bool w = d.is64;
  const char* t = utype(d.size);
  switch (d.atomic) {
    case AtomicOp::xchg:
      return fmt::format("{0} = xchg{1}_{2}({3}, {0})", reg(d.src, w), w ? "" : "32", w ? 64 : 32,
                         addr(d.dst, d.off));
    case AtomicOp::cmpxchg:
      return fmt::format("{0} = cmpxchg{1}_{2}({3}, {0}, {4})", reg(0, w), w ? "" : "32", w ? 64 : 32,
                         addr(d.dst, d.off), reg(d.src, w));
    default:
      if (d.fetch)
        return fmt::format("{0} = atomic_fetch_{1}(({2} *)({3}), {0})", reg(d.src, w), atomic_name(d.atomic), t,
                           addr(d.dst, d.off));
      return fmt::format("lock {} {} {}", mem(t, d.dst, d.off), atomic_symbol(d.atomic), reg(d.src, w));
  }
}

std::string disasm_jump(const Instruction& d) {
  if (d.cond == JumpCond::always) {
    if (!d.is64) return fmt::format("gotol {}", rel(d.imm));
    return fmt::format("goto {}", rel(d.off));
  }
  if (d.cond == JumpCond::may_goto) return fmt::format("may_goto {}", rel(d.off));
  const bool w = d.is64;
  const std::string rhs = d.src_is_reg ? reg(d.src, w) : shex(d.imm);
  return fmt::format("if {} {} {} goto {}", reg(d.dst, w), cond_symbol(d.cond), rhs, rel(d.off));
}

std::string disasm_call(const Instruction& d) {
  switch (d.call) {
    case CallKind::helper: return fmt::format("call {}", shex(d.imm));
    case CallKind::local: return fmt::format("call {}", shex(d.imm));
    case CallKind::kfunc: return fmt::format("call kfunc {}", shex(d.imm));
    default: return fmt::format("callx r{}", d.dst);
  }
}

}  // namespace

std::string disassemble(const Instruction& d) {
  switch (d.kind) {
    case InsnKind::alu: return disasm_alu(d);
    case InsnKind::endian: {
      const char* name = d.endian == EndianOp::to_le ? "le" : d.endian == EndianOp::to_be ? "be" : "bswap";
      return fmt::format("r{0} = {1}{2} r{0}", d.dst, name, d.size * 8);
    }
    case InsnKind::load_imm64: return disasm_load_imm64(d);
    case InsnKind::load:
      return fmt::format("{} = {}{}", reg(d.dst, d.sign_extend || d.size == 8),
                         mem(d.sign_extend ? stype(d.size) : utype(d.size), d.src, d.off), arena_note(d));
    case InsnKind::store_imm:
      return fmt::format("{} = {}{}", mem(utype(d.size), d.dst, d.off), shex(d.imm), arena_note(d));
    case InsnKind::store_reg:
      return fmt::format("{} = {}{}", mem(utype(d.size), d.dst, d.off), reg(d.src, d.size == 8), arena_note(d));
    case InsnKind::atomic: return disasm_atomic(d);
    case InsnKind::jump: return disasm_jump(d);
    case InsnKind::call: return disasm_call(d);
    case InsnKind::exit: return "exit";
  }
  return "<unknown>";
}

std::string disassemble_at(Code code, size_t pc) {
  auto d = decode_one(code, pc);
  if (!d) return "<invalid: " + d.error().message + ">";
  return disassemble(*d);
}

std::string disassemble_listing(Code code) {
  std::string out;
  for (size_t pc = 0; pc < code.size();) {
    auto d = decode_one(code, pc);
    const size_t slots = d ? d->slots : 1;
    std::string bytes;
    for (size_t s = pc; s < pc + slots && s < code.size(); ++s) {
      const u64 raw = code[s].to_u64();
      for (int b = 0; b < 8; ++b) bytes += fmt::format("{}{:02x}", bytes.empty() ? "" : " ", (raw >> (8 * b)) & 0xff);
    }
    out += fmt::format("{:8}:\t{}\t{}\n", pc, bytes, d ? disassemble(*d) : "<invalid: " + d.error().message + ">");
    pc += slots;
  }
  return out;
}

}  // namespace ups::bpf
