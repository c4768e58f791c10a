// ThreadedProgram::thread: LinkedInsn -> VmInsn specialisation, and the
// handler address of each (see threaded_program.h).
#include "vm/threaded_program.h"

#include <fmt/format.h>

#include "vm/interpreter.h"

namespace ups::vm {
namespace {

using bpf::AluOp;
using bpf::AtomicOp;
using bpf::Instruction;
using bpf::InsnKind;
using bpf::JumpCond;

// Index of the four-form op group: base + 0 (64 imm), 1 (64 reg), 2 (32 imm), 3 (32 reg).
VmOp four_form(VmOp base, bool is64, bool reg) {
  return static_cast<VmOp>(static_cast<u8>(base) + (is64 ? 0 : 2) + (reg ? 1 : 0));
}

VmOp alu_base(AluOp a) {
  switch (a) {
    case AluOp::add: return VmOp::add64_imm;
    case AluOp::sub: return VmOp::sub64_imm;
    case AluOp::mul: return VmOp::mul64_imm;
    case AluOp::div: return VmOp::div64_imm;
    case AluOp::sdiv: return VmOp::sdiv64_imm;
    case AluOp::or_: return VmOp::bor64_imm;
    case AluOp::and_: return VmOp::band64_imm;
    case AluOp::lsh: return VmOp::lsh64_imm;
    case AluOp::rsh: return VmOp::rsh64_imm;
    case AluOp::mod: return VmOp::mod64_imm;
    case AluOp::smod: return VmOp::smod64_imm;
    case AluOp::xor_: return VmOp::bxor64_imm;
    case AluOp::mov: return VmOp::mov64_imm;
    case AluOp::arsh: return VmOp::arsh64_imm;
    default: return VmOp::invalid;  // neg, movsx: single forms
  }
}

VmOp jump_base(JumpCond c) {
  switch (c) {
    case JumpCond::eq: return VmOp::jeq64_imm;
    case JumpCond::ne: return VmOp::jne64_imm;
    case JumpCond::gt: return VmOp::jgt64_imm;
    case JumpCond::ge: return VmOp::jge64_imm;
    case JumpCond::lt: return VmOp::jlt64_imm;
    case JumpCond::le: return VmOp::jle64_imm;
    case JumpCond::sgt: return VmOp::jsgt64_imm;
    case JumpCond::sge: return VmOp::jsge64_imm;
    case JumpCond::slt: return VmOp::jslt64_imm;
    case JumpCond::sle: return VmOp::jsle64_imm;
    case JumpCond::set: return VmOp::jset64_imm;
    default: return VmOp::ja;
  }
}

VmOp atomic_op(const Instruction& d) {
  VmOp base = VmOp::aadd32;
  switch (d.atomic) {
    case AtomicOp::add: base = d.fetch ? VmOp::fadd32 : VmOp::aadd32; break;
    case AtomicOp::or_: base = d.fetch ? VmOp::fbor32 : VmOp::abor32; break;
    case AtomicOp::and_: base = d.fetch ? VmOp::fband32 : VmOp::aband32; break;
    case AtomicOp::xor_: base = d.fetch ? VmOp::fbxor32 : VmOp::abxor32; break;
    case AtomicOp::xchg: base = VmOp::xchg32; break;
    case AtomicOp::cmpxchg: base = VmOp::cmpxchg32; break;
  }
  return static_cast<VmOp>(static_cast<u8>(base) + (d.is64 ? 1 : 0));
}

VmOp sized(VmOp op8, u8 size) {
  const int step = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
  return static_cast<VmOp>(static_cast<u8>(op8) + step);
}

u64 imm_for(bool is64, s32 imm) {
  return is64 ? static_cast<u64>(static_cast<s64>(imm)) : static_cast<u64>(static_cast<u32>(imm));
}

// Jump/call distance in bytes of VmInsn (see VmInsn::off). decode_program
// bounds targets by the program size, and thread() bounds that.
s32 byte_distance(const Instruction& d) {
  return static_cast<s32>((d.target - static_cast<s64>(d.pc)) * static_cast<s64>(sizeof(VmInsn)));
}

VmInsn specialise(const LinkedInsn& l) {
  const Instruction& d = l.insn;
  VmInsn v;
  v.dst = d.dst;
  v.src = d.src;
  v.off = d.off;
  switch (d.kind) {
    case InsnKind::alu:
      v.imm = imm_for(d.is64, d.imm);
      if (d.alu == AluOp::neg) {
        v.op = d.is64 ? VmOp::neg64 : VmOp::neg32;
      } else if (d.alu == AluOp::addr_space_cast) {
        v.op = d.imm == 1 ? VmOp::cast_kern : VmOp::cast_user;
        v.imm = l.value;
      } else if (d.alu == AluOp::movsx) {
        v.op = d.is64 ? (d.size == 1 ? VmOp::movsx64_8 : d.size == 2 ? VmOp::movsx64_16 : VmOp::movsx64_32)
                      : (d.size == 1 ? VmOp::movsx32_8 : VmOp::movsx32_16);
      } else {
        v.op = four_form(alu_base(d.alu), d.is64, d.src_is_reg);
      }
      return v;
    case InsnKind::endian: {
      // Little-endian host: le is a truncation, be and bswap a byte swap.
      const VmOp base = d.endian == bpf::EndianOp::to_le ? VmOp::le16 : VmOp::be16;
      v.op = static_cast<VmOp>(static_cast<u8>(base) + (d.size == 2 ? 0 : d.size == 4 ? 1 : 2));
      return v;
    }
    case InsnKind::load_imm64:
      v.op = VmOp::lddw;
      v.imm = l.value;
      return v;
    case InsnKind::load:
      v.op = sized(d.arena ? VmOp::arena_ldx8 : d.sign_extend ? VmOp::ldxs8 : VmOp::ldx8, d.size);
      return v;
    case InsnKind::store_imm:
      v.op = sized(d.arena ? VmOp::arena_st8 : VmOp::st8, d.size);
      v.imm = static_cast<u64>(static_cast<s64>(d.imm));
      return v;
    case InsnKind::store_reg: v.op = sized(d.arena ? VmOp::arena_stx8 : VmOp::stx8, d.size); return v;
    case InsnKind::atomic: v.op = atomic_op(d); return v;
    case InsnKind::jump:
      v.op = d.cond == JumpCond::always     ? VmOp::ja
             : d.cond == JumpCond::may_goto ? VmOp::may_goto
                                            : four_form(jump_base(d.cond), d.is64, d.src_is_reg);
      v.imm = imm_for(d.is64, d.imm);
      v.off = byte_distance(d);
      return v;
    case InsnKind::call:
      switch (d.call) {
        case bpf::CallKind::local:
          v.op = VmOp::call_local;
          v.off = byte_distance(d);
          return v;
        case bpf::CallKind::reg: v.op = VmOp::callx; return v;
        case bpf::CallKind::helper:
        case bpf::CallKind::kfunc:
          v.op = VmOp::call_extern;
          v.imm = reinterpret_cast<u64>(l.target);
          return v;
      }
      return v;
    case InsnKind::exit: v.op = VmOp::exit; return v;
  }
  return v;
}

}  // namespace

Result<ThreadedProgram> ThreadedProgram::thread(const LinkedProgram& program) {
  // Jump distances are stored as s32 bytes of VmInsn.
  if (program.slots() > (u64{1} << 24))
    return make_error(ErrorKind::unsupported, fmt::format("program of {} instructions is too large", program.slots()));
  ThreadedProgram p;
  p.insns_.resize(program.slots());  // second lddw slots stay `invalid`
  for (const LinkedInsn& l : program.insns()) p.insns_[l.insn.pc] = specialise(l);
  p.confined_insns_ = p.insns_;
  const void* const* handlers = Interpreter::fast_handlers();
  for (VmInsn& v : p.insns_) v.handler = handlers[static_cast<u8>(v.op)];
  const void* const* confined = Interpreter::confined_handlers();
  for (VmInsn& v : p.confined_insns_) v.handler = confined[static_cast<u8>(v.op)];
  p.helpers_ = program.helpers();
  p.arena_base_ = program.arena_base();
  return p;
}

Result<ThreadedProgram> ThreadedProgram::prepare(bpf::Code code, const LinkInputs& inputs) {
  auto linked = LinkedProgram::link(code, inputs);
  if (!linked) return tl::unexpected(linked.error());
  return thread(*linked);
}

std::unique_ptr<Executor> ThreadedProgram::new_executor() const { return std::make_unique<Interpreter>(*this); }

Result<std::unique_ptr<ExecutableProgram>> interpreter_backend(const LinkedProgram& program) {
  auto threaded = ThreadedProgram::thread(program);
  if (!threaded) return tl::unexpected(threaded.error());
  return std::unique_ptr<ExecutableProgram>(std::make_unique<ThreadedProgram>(std::move(*threaded)));
}

}  // namespace ups::vm
