// The peephole pass (see peephole.h): pattern matching on decoded BPF only;
// what each run becomes in x86-64 is the emitter's business.
#include "jit/peephole.h"

#include <limits>
#include <optional>

namespace ups::jit {
namespace {

using bpf::AluOp;
using bpf::Instruction;
using bpf::InsnKind;
using bpf::JumpCond;

bool is_alu64(const Instruction& d, AluOp op, bool reg) {
  return d.kind == InsnKind::alu && d.is64 && d.alu == op && d.src_is_reg == reg;
}

bool is_shift32(const Instruction& d, u8 reg, AluOp op) { return is_alu64(d, op, false) && d.dst == reg && d.imm == 32; }

// Whether the instruction leaves the upper half of its destination zero.
bool zero_extends(const Instruction& d) {
  switch (d.kind) {
    case InsnKind::alu: return !d.is64;
    case InsnKind::endian: return d.size <= 4;
    case InsnKind::load: return !d.sign_extend && d.size <= 4;
    default: return false;
  }
}

std::optional<s32> add_s32(s64 a, s64 b) {
  const s64 sum = a + b;
  if (sum < std::numeric_limits<s32>::min() || sum > std::numeric_limits<s32>::max()) return std::nullopt;
  return static_cast<s32>(sum);
}

class Matcher {
public:
  Matcher(const vm::LinkedProgram& program, const PeepholeOptions& options)
      : insns_(program.insns()), landed_(landing_slots(program)), opt_(options) {}

  Fusion at(size_t i) const {
    if (auto f = branch_over_jump(i)) return *f;
    if (auto f = extension(i)) return *f;
    if (auto f = address(i)) return *f;
    return {};
  }

private:
  // Instruction i + k, if it exists and control reaches it only from i + k - 1.
  const Instruction* follower(size_t i, size_t k) const {
    if (i + k >= insns_.size()) return nullptr;
    const Instruction& d = insns_[i + k].insn;
    return landed_[d.pc] ? nullptr : &d;
  }

  std::optional<Fusion> branch_over_jump(size_t i) const {
    const Instruction& a = insns_[i].insn;
    const Instruction* b = follower(i, 1);
    if (!b || !a.is_conditional_jump() || a.cond == JumpCond::may_goto || a.target != static_cast<s64>(b->pc) + 1 || b->kind != InsnKind::jump ||
        b->cond != JumpCond::always || b->target > static_cast<s64>(b->pc))
      return std::nullopt;
    return Fusion{.kind = FusionKind::branch_over_jump, .length = 2};
  }

  // The shift pairs: after a 64-bit mov, alone, or after a zero-extending def.
  std::optional<Fusion> extension(size_t i) const {
    const Instruction& a = insns_[i].insn;
    const bool after_mov = is_alu64(a, AluOp::mov, true);
    const bool after_def = !after_mov && zero_extends(a);
    const size_t first_shift = after_mov || after_def ? 1 : 0;
    const Instruction* lsh = first_shift ? follower(i, 1) : &a;
    if (!lsh || !is_shift32(*lsh, a.dst, AluOp::lsh)) return std::nullopt;
    const Instruction* rsh = follower(i, first_shift + 1);
    if (!rsh) return std::nullopt;
    const bool zext = is_shift32(*rsh, a.dst, AluOp::rsh);
    if (!zext && !is_shift32(*rsh, a.dst, AluOp::arsh)) return std::nullopt;
    Fusion f{.length = static_cast<u8>(first_shift + 2), .dst = a.dst, .base = after_mov ? a.src : a.dst};
    if (after_def) {
      if (!zext) return std::nullopt;  // a sign extension of a zero-extended value is not a no-op
      f.kind = FusionKind::redundant_zero_extend;
    } else {
      f.kind = zext ? FusionKind::zero_extend : FusionKind::sign_extend;
    }
    return f;
  }

  // An address run, or one after `rI <<= 1..3` where rI is the run's index
  // and dead after it: the shift becomes the operand's scale.
  std::optional<Fusion> address(size_t i) const {
    const Instruction& a = insns_[i].insn;
    const u8 I = a.dst;
    if (is_alu64(a, AluOp::lsh, false) && a.imm >= 1 && a.imm <= 3 && !(opt_.checked && I == 0)) {
      auto f = address_run(i, 1);
      const bool loads_into_index = f && f->load && insns_[i + f->length - 1].insn.dst == I;
      if (f && f->index == I && f->base != I && f->dst != I && (loads_into_index || dead_after(i + f->length, I))) {
        f->scale = static_cast<u8>(1u << a.imm);
        return f;
      }
    }
    return address_run(i, 0);
  }

  // The run from i + skip: rA = rB, or rA += rC, then adds, then maybe a load.
  std::optional<Fusion> address_run(size_t i, size_t skip) const {
    const Instruction* a = skip ? follower(i, skip) : &insns_[i].insn;
    if (!a) return std::nullopt;
    Fusion f{.kind = FusionKind::address, .length = static_cast<u8>(skip + 1), .dst = a->dst, .base = a->dst};
    bool have_imm = false;
    // rA += imm or rA += rC on the address; false if d is neither (or a second of its kind).
    auto take = [&](const Instruction& d) {
      if (d.dst != f.dst) return false;
      if (is_alu64(d, AluOp::add, false) && !have_imm && !opt_.blind) {
        have_imm = true;
        f.disp = d.imm;
        return true;
      }
      if (is_alu64(d, AluOp::add, true) && f.index < 0 && d.src != f.dst) {
        f.index = static_cast<s8>(d.src);
        return true;
      }
      return false;
    };
    if (is_alu64(*a, AluOp::mov, true)) {
      f.base = a->src;
    } else if (!is_alu64(*a, AluOp::add, true) || !take(*a)) {
      return std::nullopt;
    }
    for (int k = 0; k < 2; ++k) {
      const Instruction* d = follower(i, f.length);
      if (!d || !take(*d)) break;
      ++f.length;
    }
    // The address dies in a load: into the same register, or it is dead
    // after. In CHECKED mode a trap at the load reports r0, so r0 is never
    // the address skipped.
    if (const Instruction* d = follower(i, f.length);
        d && d->kind == InsnKind::load && !d->arena && d->src == f.dst && !(opt_.checked && f.dst == 0) &&
        (d->dst == f.dst || dead_after(i + f.length + 1u, f.dst)) &&
        add_s32(f.disp, d->off)) {  // the load adds its offset (x86 displacements are 32-bit)
      f.load = true;
      ++f.length;
    }
    // A lone mov or add is already one instruction; any two become one.
    return f.length >= skip + 2 ? std::optional<Fusion>(f) : std::nullopt;
  }

  // Whether `reg` is written before it is read on every path from
  // instruction k. Conservative: only straight-line code is followed; a
  // jump, call, exit or atomic, or the end, counts as a read.
  bool dead_after(size_t k, u8 reg) const {
    for (; k < insns_.size(); ++k) {
      const Instruction& d = insns_[k].insn;
      switch (d.kind) {
        case InsnKind::alu: {
          const bool reads_dst = d.alu != AluOp::mov && d.alu != AluOp::movsx;
          if ((d.src_is_reg && d.src == reg) || (reads_dst && d.dst == reg)) return false;
          if (d.dst == reg) return true;
          break;
        }
        case InsnKind::endian:
          if (d.dst == reg) return false;
          break;
        case InsnKind::load_imm64:
          if (d.dst == reg) return true;
          break;
        case InsnKind::load:
          if (d.src == reg) return false;
          if (d.dst == reg) return true;
          break;
        case InsnKind::store_imm:
          if (d.dst == reg) return false;
          break;
        case InsnKind::store_reg:
          if (d.dst == reg || d.src == reg) return false;
          break;
        default: return false;
      }
    }
    return false;
  }

  const std::vector<vm::LinkedInsn>& insns_;
  std::vector<bool> landed_;
  PeepholeOptions opt_;
};

}  // namespace

std::vector<bool> landing_slots(const vm::LinkedProgram& program) {
  std::vector<bool> landed(program.slots() + 1, false);
  for (u32 e : program.subprogram_entries()) landed[e] = true;
  for (const vm::LinkedInsn& l : program.insns())
    if (l.insn.target >= 0 && static_cast<u64>(l.insn.target) <= program.slots() &&
        (l.insn.kind == InsnKind::jump || l.insn.kind == InsnKind::call))
      landed[static_cast<size_t>(l.insn.target)] = true;
  return landed;
}

std::vector<Fusion> find_fusions(const vm::LinkedProgram& program, const PeepholeOptions& options) {
  const Matcher m(program, options);
  std::vector<Fusion> out(program.insns().size());
  for (size_t i = 0; i < out.size(); i += out[i].length) out[i] = m.at(i);
  return out;
}

}  // namespace ups::jit
