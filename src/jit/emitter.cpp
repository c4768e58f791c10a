// The translator (see emitter.h): one x86-64 sequence per BPF instruction,
// with the interpreter's semantics (vm/interpreter.cpp) and its traps at the
// same instruction index.
#include "jit/emitter.h"

#if defined(__x86_64__)

#include <fmt/format.h>

#include <functional>
#include <random>

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>

#include "jit/peephole.h"
#include "jit/run_state.h"
#include "vm/trap.h"

namespace ups::jit {
namespace {

using bpf::AluOp;
using bpf::AtomicOp;
using bpf::Instruction;
using bpf::InsnKind;
using bpf::JumpCond;
using Xbyak::Label;
using Xbyak::Reg32;
using Xbyak::Reg64;
using Xbyak::util::r10;
using Xbyak::util::r11;
using Xbyak::util::r12;
using Xbyak::util::r13;
using Xbyak::util::r14;
using Xbyak::util::r15;
using Xbyak::util::r8;
using Xbyak::util::r9;
using Xbyak::util::rax;
using Xbyak::util::rbp;
using Xbyak::util::rbx;
using Xbyak::util::rcx;
using Xbyak::util::rdi;
using Xbyak::util::rdx;
using Xbyak::util::rsi;
using Xbyak::util::rsp;

// Plain heap memory for assembling: the bytes are copied into W^X pages
// after, so xbyak must never make this buffer executable.
struct PlainAllocator : Xbyak::Allocator {
  bool useProtect() const override { return false; }
};

// BPF r0-r10 (see emitter.h).
const Reg64 kReg[bpf::kNumRegs] = {rax, rdi, rsi, rdx, rcx, r8, rbx, r13, r14, r15, rbp};
// Budget (r10) and RunState (r12) registers; r9, r11 scratch.
const Reg64& kBudget = r10;
const Reg64& kState = r12;

// The trampoline saves the SysV callee-saved registers.
const Reg64 kSaved[] = {rbx, rbp, r12, r13, r14, r15};
// The slow check saves the caller-saved registers holding BPF state (r0-r5,
// the budget, and r11: the address being checked).
const Reg64 kVolatile[] = {rax, rdi, rsi, rdx, rcx, r8, r10, r11};

Xbyak::Address st(int offset) { return Xbyak::util::ptr[kState + offset]; }

class Emitter : public Xbyak::CodeGenerator {
public:
  Emitter(const vm::LinkedProgram& program, const EmitOptions& options, PlainAllocator* alloc)
      : Xbyak::CodeGenerator(4096, Xbyak::AutoGrow, alloc), program_(program), opt_(options) {
    setDefaultJmpNEAR(true);
    if (opt_.blind) key_ = static_cast<s32>(std::random_device{}() | 0x40000001u);
  }

  void translate() {
    labels_.resize(program_.slots());
    back_edges_.resize(program_.slots());
    for (const vm::LinkedInsn& l : program_.insns())
      if (l.insn.kind == InsnKind::jump && l.insn.target <= static_cast<s64>(l.insn.pc))
        back_edges_[static_cast<size_t>(l.insn.target)].push_back({l.insn.pc, std::make_unique<Label>()});
    const auto& insns = program_.insns();
    const std::vector<Fusion> fusions = find_fusions(program_, PeepholeOptions{opt_.blind, opt_.checked});
    fused_.assign(program_.slots(), false);
    trampoline();
    if (!insns.empty()) slot0_trampoline();
    for (size_t i = 0; i < insns.size(); i += fusions[i].length) {
      const vm::LinkedInsn& l = insns[i];
      back_edge_entries(l.insn.pc);
      L(labels_[l.insn.pc]);
      if (fusions[i].kind == FusionKind::none) instruction(l);
      else fused(fusions[i], i);
      for (size_t k = 1; k < fusions[i].length; ++k) fused_[insns[i + k].insn.pc] = true;
    }
    ud2();  // verified code never falls off its end
    for (size_t i = 0; i < cold_.size(); ++i) cold_[i]();
    common_stubs();
  }

  std::vector<u32> slot_offsets() const {
    std::vector<u32> out(program_.slots(), EmittedCode::kNoEntry);
    for (const vm::LinkedInsn& l : program_.insns())
      if (!fused_[l.insn.pc]) out[l.insn.pc] = static_cast<u32>(labels_[l.insn.pc].getAddress() - getCode());
    return out;
  }
  size_t slot0_entry() const { return slot0_entry_; }

private:
  // --- entry and exit -----------------------------------------------------
  void trampoline() {
    for (const Reg64& r : kSaved) push(r);
    sub(rsp, 8);  // 6 pushes + return address: keep calls 16-byte aligned
    mov(kState, rdi);
    mov(st(state::kSavedRsp), rsp);
    mov(r11, rsi);
    for (int i = 1; i <= 5; ++i) mov(kReg[i], st(state::kArgs + 8 * (i - 1)));
    mov(rbp, st(state::kFrameTop));
    mov(kBudget, st(state::kBudget));
    // The interpreter starts r0 and r6-r9 at zero.
    xor_(eax, eax);
    for (int i = 6; i <= 9; ++i) xor_(kReg[i].cvt32(), kReg[i].cvt32());
    call(r11);
    mov(st(state::kBudget), kBudget);
    add(rsp, 8);
    for (auto it = std::rbegin(kSaved); it != std::rend(kSaved); ++it) pop(*it);
    ret();
  }

  // The callback trampoline, `u64 enter_slot0(RunState*, r1, r2, r3, r4,
  // r5)`: a top-level run of slot 0 (a callback program's entry), with the
  // arguments in the SysV registers instead of the RunState, r10 at the top
  // of frame 0, depth 0, frame 0's may_goto budget and no trap set here
  // rather than by the executor,
  // and a direct call. rbx and r13-r15 (BPF r6-r9) are saved and zeroed
  // only when the program names r6-r9 (everything it calls preserves them,
  // as SysV callee-saved registers). A trap returns to just after the call
  // (common_stubs), so this epilogue pops what this prologue pushed.
  void slot0_trampoline() {
    if (const size_t pad = (16 - getSize() % 16) % 16; pad > 0) nop(pad);  // the pages are: see loop heads
    slot0_entry_ = getSize();
    std::vector<Reg64> saved{rbp, r12};
    if (names_r6_to_r9()) saved.insert(saved.end(), {rbx, r13, r14, r15});
    for (const Reg64& r : saved) push(r);
    sub(rsp, 8);  // an even number of pushes + return address: calls stay 16-byte aligned
    mov(kState, rdi);
    mov(st(state::kSavedRsp), rsp);
    mov(rdi, rsi);
    mov(rsi, rdx);
    mov(rdx, rcx);
    mov(rcx, r8);
    mov(r8, r9);
    mov(rbp, st(state::kStackTop));
    mov(kBudget, st(state::kBudget));
    mov(dword[kState + state::kDepth], 0);
    mov(dword[kState + state::kTrapKind], 0);
    mov(qword[kState + state::kMayGoto], static_cast<u32>(bpf::kMayGotoBudget));  // frame 0's may_goto budget
    xor_(eax, eax);
    if (saved.size() > 2)
      for (int i = 6; i <= 9; ++i) xor_(kReg[i].cvt32(), kReg[i].cvt32());
    call(labels_[0]);
    mov(st(state::kBudget), kBudget);
    add(rsp, 8);
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) pop(*it);
    ret();
  }

  // Does any instruction name r6-r9 (as dst or src; a pseudo src of lddw
  // or call may count too, which only costs the saves)?
  bool names_r6_to_r9() const {
    for (const vm::LinkedInsn& l : program_.insns())
      if ((l.insn.dst >= 6 && l.insn.dst <= 9) || (l.insn.src >= 6 && l.insn.src <= 9)) return true;
    return false;
  }

  // Every trap stub ends here with the trap fields set; r0 is still in rax.
  void common_stubs() {
    // Back to the trampoline that entered this run: saved_rsp is its stack
    // pointer at its call into the code, so the return address is just
    // below it, and that trampoline's own epilogue pops what it pushed.
    L(trap_);
    mov(rsp, st(state::kSavedRsp));
    sub(rsp, 8);
    ret();
    if (!opt_.checked) return;
    // CHECKED mode's slow path: r11 = address, r9 = size | write << 8.
    // Saves the caller-saved registers the BPF code lives in, calls
    // check_access(state, addr, info); ZF set (rax == 0) means a trap.
    L(slow_check_);
    // Entered with rsp = 0 mod 16 (a call from code at 8 mod 16); 8 pushes keep it.
    for (const Reg64& r : kVolatile) push(r);
    mov(rdi, kState);
    mov(rsi, r11);
    mov(rdx, r9);
    mov(rax, reinterpret_cast<u64>(&check_access));
    call(rax);
    mov(r9, rax);
    for (auto it = std::rbegin(kVolatile); it != std::rend(kVolatile); ++it) pop(*it);
    test(r9, r9);
    ret();
  }

  // A label that lives as long as the emitter (cold stubs jump to and from it).
  Label& new_label() {
    stub_labels_.emplace_back(std::make_unique<Label>());
    return *stub_labels_.back();
  }

  // A cold trap stub for instruction `pc`; `extra` sets the trap's other fields.
  Label& trap_stub(vm::TrapKind kind, u32 pc, std::function<void()> extra = {}) {
    Label* lbl = &new_label();
    cold_.push_back([this, lbl, kind, pc, extra] {
      L(*lbl);
      if (extra) extra();
      mov(dword[kState + state::kTrapPc], pc);
      mov(dword[kState + state::kTrapKind], static_cast<u32>(kind));
      jmp(trap_);
    });
    return *lbl;
  }

  // --- operands -----------------------------------------------------------
  // An immediate in the code: as written, or blinded into `scratch`.
  // Returns true if it was materialised in `scratch`.
  // The key is a random imm32, sign-extended by xor: no second scratch register.
  bool blinded_imm(const Reg64& scratch, u64 value) {
    if (!opt_.blind) return false;
    mov(scratch, value ^ static_cast<u64>(static_cast<s64>(key_)));
    xor_(scratch, static_cast<u32>(key_));
    return true;
  }

  static u64 imm64(const Instruction& d) { return static_cast<u64>(static_cast<s64>(d.imm)); }

  // --- fused runs (peephole.h) ----------------------------------------------
  // The run of instructions starting at insns()[i] as one x86 sequence. The
  // others are then no entry of their own (slot_offsets: kNoEntry).
  void fused(const Fusion& f, size_t i) {
    const auto& insns = program_.insns();
    const Reg64 D = kReg[f.dst];
    switch (f.kind) {
      case FusionKind::address: {
        Xbyak::RegExp e = kReg[f.base] + f.disp;
        if (f.index >= 0) e = e + kReg[static_cast<size_t>(f.index)] * f.scale;
        if (f.load) load(insns[i + f.length - 1].insn, e);
        else lea(D, Xbyak::util::ptr[e]);
        return;
      }
      case FusionKind::zero_extend: mov(D.cvt32(), kReg[f.base].cvt32()); return;
      case FusionKind::sign_extend: movsxd(D, kReg[f.base].cvt32()); return;
      case FusionKind::redundant_zero_extend: instruction(insns[i]); return;
      case FusionKind::branch_over_jump: {
        const Instruction& a = insns[i].insn;
        const Instruction& b = insns[i + 1].insn;
        compare(a);
        jcc(a.cond, true, jump_label(b.pc, b.target));
        return;
      }
      case FusionKind::none: break;
    }
    throw Xbyak::Error(Xbyak::ERR_INTERNAL);
  }

  // --- instructions -------------------------------------------------------
  void instruction(const vm::LinkedInsn& l) {
    const Instruction& d = l.insn;
    l_value_ = l.value;
    switch (d.kind) {
      case InsnKind::alu: return alu(d);
      case InsnKind::endian: return endian(d);
      case InsnKind::load_imm64:
        if (!blinded_imm(kReg[d.dst], l.value)) mov(kReg[d.dst], l.value);
        return;
      case InsnKind::load: return d.arena ? arena_load(d) : load(d, kReg[d.src]);
      case InsnKind::store_imm:
      case InsnKind::store_reg: return d.arena ? arena_store(d) : store(d);
      case InsnKind::atomic: return atomic(d);
      case InsnKind::jump: return jump(d);
      case InsnKind::call:
        switch (d.call) {
          case bpf::CallKind::local: return call_local(d);
          case bpf::CallKind::reg: return callx(d);
          case bpf::CallKind::helper:
          case bpf::CallKind::kfunc: return call_extern(d, l.target);
        }
        return;
      case InsnKind::exit: ret(); return;
    }
  }

  void alu(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    const Reg64 S = kReg[d.src];
    const bool w = d.is64;
    const Xbyak::Reg dw = w ? Xbyak::Reg(D) : Xbyak::Reg(D.cvt32());
    const Xbyak::Reg sw = w ? Xbyak::Reg(S) : Xbyak::Reg(S.cvt32());
    // The immediate as the op sees it: 64-bit ops sign-extend, 32-bit ops use the low 32 bits.
    const u64 imm = w ? imm64(d) : static_cast<u32>(d.imm);
    switch (d.alu) {
      case AluOp::neg: neg(dw); return;
      case AluOp::addr_space_cast: return addr_space_cast(d, l_value_);
      case AluOp::movsx:
        if (w) {
          if (d.size == 1) movsx(D, S.cvt8());
          else if (d.size == 2) movsx(D, S.cvt16());
          else movsxd(D, S.cvt32());
        } else {
          if (d.size == 1) movsx(D.cvt32(), S.cvt8());
          else movsx(D.cvt32(), S.cvt16());
        }
        return;
      case AluOp::lsh:
      case AluOp::rsh:
      case AluOp::arsh: return shift(d, dw, D);
      case AluOp::div:
      case AluOp::mod:
      case AluOp::sdiv:
      case AluOp::smod: return divide(d);
      case AluOp::mov:
        if (d.src_is_reg) mov(dw, sw);
        else if (imm == 0) xor_(D.cvt32(), D.cvt32());  // no flags live between instructions
        else if (!blinded_imm(D, imm)) mov(dw, imm);
        else if (!w) mov(D.cvt32(), D.cvt32());
        return;
      default: break;
    }
    // Two-operand ops: reg, or imm32 (or a blinded imm in r9).
    const bool in_r9 = !d.src_is_reg && blinded_imm(r9, imm);
    const Xbyak::Reg r9w = w ? Xbyak::Reg(r9) : Xbyak::Reg(r9.cvt32());
    const Xbyak::Reg* src = d.src_is_reg ? &sw : in_r9 ? &r9w : nullptr;
    const u32 i32 = static_cast<u32>(d.imm);
    switch (d.alu) {
      case AluOp::add: src ? add(dw, *src) : add(dw, i32); return;
      case AluOp::sub: src ? sub(dw, *src) : sub(dw, i32); return;
      case AluOp::or_: src ? or_(dw, *src) : or_(dw, i32); return;
      case AluOp::and_: src ? and_(dw, *src) : and_(dw, i32); return;
      case AluOp::xor_: src ? xor_(dw, *src) : xor_(dw, i32); return;
      case AluOp::mul: src ? imul(dw, *src) : imul(dw, dw, static_cast<int>(d.imm)); return;
      default: break;
    }
    throw Xbyak::Error(Xbyak::ERR_INTERNAL);
  }

  // Shifts: x86 masks the count by 63 (64-bit) or 31 (32-bit) as BPF does;
  // a register count must be in cl, and BPF r4 lives in rcx.
  void shift(const Instruction& d, const Xbyak::Reg& dw, const Reg64& D) {
    auto op = [&](const Xbyak::Operand& x, const Xbyak::Reg8& c) {
      if (d.alu == AluOp::lsh) shl(x, c);
      else if (d.alu == AluOp::rsh) shr(x, c);
      else sar(x, c);
    };
    if (!d.src_is_reg) {
      const int n = d.imm & (d.is64 ? 63 : 31);
      if (n == 0) {
        if (!d.is64) mov(D.cvt32(), D.cvt32());
        return;
      }
      if (d.alu == AluOp::lsh) shl(dw, n);
      else if (d.alu == AluOp::rsh) shr(dw, n);
      else sar(dw, n);
      return;
    }
    const Reg64 S = kReg[d.src];
    if (S == rcx) {
      op(dw, Xbyak::util::cl);
    } else if (D == rcx) {
      // dst is rcx: shift a copy in r11.
      const Xbyak::Reg r11w = d.is64 ? Xbyak::Reg(r11) : Xbyak::Reg(r11.cvt32());
      mov(r11, rcx);
      mov(ecx, S.cvt32());
      op(r11w, Xbyak::util::cl);
      mov(rcx, r11);
    } else {
      mov(r11, rcx);
      mov(ecx, S.cvt32());
      op(dw, Xbyak::util::cl);
      mov(rcx, r11);
    }
    if (!d.is64) mov(D.cvt32(), D.cvt32());  // a zero count leaves the register as it was
  }

  // Unsigned division by a constant d != 0 (clang's x % d is x - x / d * d):
  // a shift for a power of two, else a multiply by a magic number and
  // shifts (Granlund and Montgomery, "Division by invariant integers using
  // multiplication", 1994, figure 4.1), exact for every dividend: with
  // l = ceil(log2 d) and m = floor(2^N (2^l - d) / d) + 1 < 2^N,
  // t = (m * n) >> N and n / d = (t + ((n - t) >> 1)) >> (l - 1).
  // A few cycles where div takes tens.
  void divide_by_constant(const Reg64& D, u64 dv, bool w) {
    using u128 = unsigned __int128;
    const int bits = w ? 64 : 32;
    if ((dv & (dv - 1)) == 0) {  // 2^k, 1 included
      const int k = __builtin_ctzll(dv);
      if (k > 0) w ? shr(D, k) : shr(D.cvt32(), k);
      else if (!w) mov(D.cvt32(), D.cvt32());
      return;
    }
    int l = 0;
    while ((u128{1} << l) < dv) ++l;
    const u64 m = static_cast<u64>(((u128{1} << bits) * ((u128{1} << l) - dv)) / dv + 1);
    // r9 = n, r11 = t.
    if (w) {
      if (D != rax) push(rax);
      if (D != rdx) push(rdx);
      mov(r9, D);
      mov(rax, m);
      mul(r9);
      mov(r11, rdx);
      if (D != rdx) pop(rdx);
      if (D != rax) pop(rax);
    } else {
      mov(r9.cvt32(), D.cvt32());
      mov(r11.cvt32(), static_cast<u32>(m));
      imul(r11, r9);  // both below 2^32: no overflow
      shr(r11, 32);
    }
    sub(r9, r11);
    shr(r9, 1);
    add(r9, r11);
    if (l > 1) shr(r9, l - 1);
    mov(D, r9);  // a 32-bit quotient is below 2^32: upper half zero
  }

  // div/mod/sdiv/smod with BPF's rules: x / 0 = 0, x % 0 = x, and the
  // signed INT_MIN / -1 wraps (x86 would fault), x % -1 = 0.
  void divide(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    const bool w = d.is64;
    const bool is_signed = d.alu == AluOp::sdiv || d.alu == AluOp::smod;
    const bool is_mod = d.alu == AluOp::mod || d.alu == AluOp::smod;
    auto R = [&](const Reg64& r) { return w ? Xbyak::Reg(r) : Xbyak::Reg(r.cvt32()); };
    const Xbyak::Reg dw = R(D);
    const Xbyak::Reg div = R(r11);
    Label zero, minus_one, done;
    bool may_be_zero = true, may_be_minus_one = is_signed;
    if (d.src_is_reg) {
      mov(r11, kReg[d.src]);
    } else {
      const u64 imm = w ? imm64(d) : static_cast<u32>(d.imm);
      if (d.alu == AluOp::div && imm != 0 && !opt_.blind) return divide_by_constant(D, imm, w);
      may_be_zero = (w ? imm : static_cast<u32>(imm)) == 0;
      may_be_minus_one = is_signed && (w ? imm == ~u64{0} : static_cast<u32>(imm) == ~u32{0});
      if (!blinded_imm(r11, imm)) mov(r11, imm);
      if (may_be_zero) {
        // Constant zero divisor: div gives 0, mod keeps dst.
        if (!is_mod) xor_(D.cvt32(), D.cvt32());
        else if (!w) mov(D.cvt32(), D.cvt32());
        return;
      }
      if (may_be_minus_one) {
        if (!is_mod) neg(dw);
        else xor_(D.cvt32(), D.cvt32());
        return;
      }
      may_be_zero = may_be_minus_one = false;
    }
    if (may_be_zero) {
      test(div, div);
      jz(zero);
    }
    if (may_be_minus_one) {
      cmp(div, -1);
      je(minus_one);
    }
    if (D != rax) push(rax);
    if (D != rdx) push(rdx);
    mov(rax, D);
    if (is_signed) {
      w ? cqo() : cdq();
      idiv(div);
    } else {
      xor_(edx, edx);
      this->div(div);
    }
    // Result into D (rax or rdx hold it; the pops below do not touch D).
    const Reg64& result = is_mod ? rdx : rax;
    if (D != result) mov(D, result);
    if (!w) mov(D.cvt32(), D.cvt32());
    if (D != rdx) pop(rdx);
    if (D != rax) pop(rax);
    if (may_be_zero || may_be_minus_one) jmp(done);
    if (may_be_zero) {
      L(zero);
      if (!is_mod) xor_(D.cvt32(), D.cvt32());
      else if (!w) mov(D.cvt32(), D.cvt32());
      if (may_be_minus_one) jmp(done);
    }
    if (may_be_minus_one) {
      L(minus_one);
      if (!is_mod) neg(dw);
      else xor_(D.cvt32(), D.cvt32());
    }
    L(done);
  }

  void endian(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    if (d.endian == bpf::EndianOp::to_le) {
      if (d.size == 2) movzx(D.cvt32(), D.cvt16());
      else if (d.size == 4) mov(D.cvt32(), D.cvt32());
      return;
    }
    if (d.size == 2) {
      ror(D.cvt16(), 8);
      movzx(D.cvt32(), D.cvt16());
    } else if (d.size == 4) {
      bswap(D.cvt32());
    } else {
      bswap(D);
    }
  }

  // --- memory -------------------------------------------------------------
  // The operand for [base + off]: in CHECKED mode the address goes to r11
  // and is checked first (trapping at `pc` on a miss).
  Xbyak::RegExp address(const Instruction& d, const Xbyak::RegExp& base, bool write) {
    if (!opt_.checked) return base + static_cast<int>(d.off);
    lea(r11, Xbyak::util::ptr[base + static_cast<int>(d.off)]);
    check(d.pc, d.size, write);
    return Xbyak::RegExp(r11);
  }

  // CHECKED mode's inline tests on r11 (the interpreter's CHECK): the live
  // frames [r10 - 512, stack top), this instruction's lasting region, then
  // the last two regions allowed; a miss goes to the slow path, and a miss
  // there traps.
  void check(u32 pc, u8 size, bool write) {
    Label& ok = new_label();
    Label not_stack, not_insn, not_last;
    // The guard's sandbox first (MemoryGuard::SandboxSpan): for a confined
    // policy it holds everything, stack included.
    mov(r9, r11);
    sub(r9, st(write ? state::kSandboxWriteBase : state::kSandboxReadBase));
    cmp(r9, st(write ? state::kSandboxWriteLen : state::kSandboxReadLen));
    jb(ok);
    lea(r9, Xbyak::util::ptr[rbp - bpf::kStackSize]);
    cmp(r11, r9);
    jb(not_stack);
    lea(r9, Xbyak::util::ptr[r11 + size]);
    cmp(r9, st(state::kStackTop));
    jbe(ok);
    L(not_stack);
    mov(r9, st(state::kInsnRegions));
    const int slot = static_cast<int>(pc) * state::kInsnRegionSize;
    cmp(r11, qword[r9 + slot + static_cast<int>(offsetof(InsnRegion, begin))]);
    jb(not_insn);
    cmp(r11, qword[r9 + slot + static_cast<int>(offsetof(InsnRegion, last_start))]);
    jbe(ok);
    L(not_insn);
    region_test(state::kLastBegin, state::kLastLen, state::kLastWritable, size, write, not_last);
    jmp(ok);
    L(not_last);
    Label& miss = slow_path(pc, size, write, ok);
    region_test(state::kOtherBegin, state::kOtherLen, state::kOtherWritable, size, write, miss);
    L(ok);
  }

  // Falls through when [r11, r11 + size) is inside the cached region at
  // these RunState offsets (and it is writable, for a write); else to miss.
  void region_test(int begin, int len, int writable, u8 size, bool write, Label& miss) {
    mov(r9, r11);
    sub(r9, st(begin));
    add(r9, size);
    jc(miss);
    cmp(r9, st(len));
    ja(miss);
    if (write) {
      test(byte[kState + writable], 1);
      jz(miss);
    }
  }

  // Cold: calls the slow check; back to `ok` or into an out_of_bounds trap.
  Label& slow_path(u32 pc, u8 size, bool write, Label& ok) {
    Label* lbl = &new_label();
    Label* trap = &trap_stub(vm::TrapKind::out_of_bounds, pc, [this, size, write] {
      mov(st(state::kTrapAddr), r11);
      mov(dword[kState + state::kTrapSize], size);
      mov(dword[kState + state::kTrapWrite], write ? 1 : 0);
    });
    Label* back = &ok;
    cold_.push_back([this, lbl, trap, back, pc, size, write] {
      L(*lbl);
      mov(r9, (u64{pc} << 32) | u64{size} | (write ? 0x100u : 0u));
      call(slow_check_);
      jz(*trap);
      jmp(*back);
    });
    return *lbl;
  }

  const Xbyak::AddressFrame& frame(u8 size) const {
    return size == 1 ? byte : size == 2 ? word : size == 4 ? dword : qword;
  }

  // dst = *(size *)(base + off): base is src, or a fused run's address.
  void load(const Instruction& d, const Xbyak::RegExp& base) {
    const Reg64 D = kReg[d.dst];
    const auto a = address(d, base, false);
    if (d.sign_extend) {
      if (d.size == 4) movsxd(D, dword[a]);
      else movsx(D, frame(d.size)[a]);
    } else if (d.size == 8) {
      mov(D, qword[a]);
    } else if (d.size == 4) {
      mov(D.cvt32(), dword[a]);
    } else {
      movzx(D.cvt32(), frame(d.size)[a]);
    }
  }

  // Arena accesses (vm/linked_program.h): at the arena's base + the low 32
  // bits of the register + off, in r11 (r9 scratch), as the interpreter
  // computes it; inside the arena's reservation, so CHECKED mode tests
  // nothing more.
  Xbyak::RegExp arena_address(const Instruction& d, const Reg64& reg) {
    mov(r11.cvt32(), reg.cvt32());
    mov(r9, program_.arena_base());
    add(r11, r9);
    return r11 + static_cast<int>(d.off);
  }

  void arena_load(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    const auto a = arena_address(d, kReg[d.src]);
    if (d.size == 8) mov(D, qword[a]);
    else if (d.size == 4) mov(D.cvt32(), dword[a]);
    else movzx(D.cvt32(), frame(d.size)[a]);
  }

  void arena_store(const Instruction& d) { store_at(d, arena_address(d, kReg[d.dst])); }

  // To the kernel's form (imm 1): the low 32 bits. To the user's: the
  // arena's user address upper half (user_hi) or'ed in, NULL kept NULL.
  void addr_space_cast(const Instruction& d, u64 user_hi) {
    const Reg64 D = kReg[d.dst];
    if (d.imm == 1) {
      mov(D.cvt32(), kReg[d.src].cvt32());
      return;
    }
    mov(r11.cvt32(), kReg[d.src].cvt32());
    mov(r9, user_hi);
    or_(r9, r11);
    test(r11, r11);
    cmovz(r9, r11);
    mov(D, r9);
  }

  // may_goto: falls through, spending a unit of the frame's budget
  // (RunState::may_goto[depth]), until it is spent; then jumps.
  void may_goto(const Instruction& d) {
    mov(r11.cvt32(), dword[kState + state::kDepth]);
    cmp(qword[kState + r11 * 8 + state::kMayGoto], 0);
    je(jump_label(d.pc, d.target));
    sub(qword[kState + r11 * 8 + state::kMayGoto], 1);
  }

  static Xbyak::Reg sized(const Reg64& r, u8 size) {
    return size == 1 ? Xbyak::Reg(r.cvt8()) : size == 2 ? Xbyak::Reg(r.cvt16())
         : size == 4 ? Xbyak::Reg(r.cvt32()) : Xbyak::Reg(r);
  }

  void store(const Instruction& d) { store_at(d, address(d, kReg[d.dst], true)); }

  // A store's value (its source register or immediate) to `a`.
  void store_at(const Instruction& d, const Xbyak::RegExp& a) {
    if (d.kind == InsnKind::store_reg) {
      mov(frame(d.size)[a], sized(kReg[d.src], d.size));
    } else if (blinded_imm(r9, imm64(d))) {
      mov(frame(d.size)[a], sized(r9, d.size));
    } else {
      // The low `size` bytes of the sign-extended immediate.
      const u64 v = d.size == 8 ? imm64(d) : static_cast<u64>(static_cast<u32>(d.imm)) &
                                                  (d.size == 4 ? 0xffffffffu : d.size == 2 ? 0xffffu : 0xffu);
      mov(frame(d.size)[a], v);
    }
  }

  void atomic(const Instruction& d) {
    const Reg64 S = kReg[d.src];
    const bool w = d.is64;
    const Xbyak::Reg sw = w ? Xbyak::Reg(S) : Xbyak::Reg(S.cvt32());
    // The address in r11 in both modes: cmpxchg loops need rax free.
    if (opt_.checked) {
      address(d, kReg[d.dst], true);
    } else {
      lea(r11, Xbyak::util::ptr[kReg[d.dst] + static_cast<int>(d.off)]);
    }
    const auto m = (w ? qword : dword)[r11];
    if (d.atomic == AtomicOp::xchg) {
      xchg(m, sw);
      return;
    }
    if (d.atomic == AtomicOp::cmpxchg) {
      lock();
      cmpxchg(m, sw);
      if (!w) mov(eax, eax);  // a 32-bit success leaves rax's upper half
      return;
    }
    if (!d.fetch) {
      lock();
      switch (d.atomic) {
        case AtomicOp::add: add(m, sw); break;
        case AtomicOp::or_: or_(m, sw); break;
        case AtomicOp::and_: and_(m, sw); break;
        default: xor_(m, sw); break;
      }
      return;
    }
    if (d.atomic == AtomicOp::add) {
      lock();
      xadd(m, sw);
      return;
    }
    // Fetching or/and/xor: a cmpxchg loop. rax (r0) is the comparand, so
    // it is saved unless it is the operand; r10 (the budget) holds the operand.
    const auto Rw = [&](const Reg64& r) { return w ? Xbyak::Reg(r) : Xbyak::Reg(r.cvt32()); };
    if (S != rax) push(rax);
    push(kBudget);
    mov(kBudget, S);
    mov(Rw(rax), m);
    Label again;
    L(again);
    mov(r9, rax);
    switch (d.atomic) {
      case AtomicOp::or_: or_(r9, kBudget); break;
      case AtomicOp::and_: and_(r9, kBudget); break;
      default: xor_(r9, kBudget); break;
    }
    lock();
    cmpxchg(m, Rw(r9));
    jne(again);
    pop(kBudget);
    mov(sw, Rw(rax));
    if (S != rax) pop(rax);
  }

  // --- control flow ---------------------------------------------------------
  // A loop head's back-edge entries, laid out just before it: one per
  // backward jump to it, spending a unit of budget (trapping at that jump's
  // instruction) and falling into the head. A taken back-edge is then one
  // jump, as in native code; the code before the head jumps over them.
  void back_edge_entries(u32 pc) {
    auto& entries = back_edges_[pc];
    if (entries.empty()) return;
    // The closest back-edge (usually the innermost loop's latch) last, so
    // that it falls into the head; the others jump there.
    jmp(labels_[pc]);
    // The loop head 16-byte aligned, padded here where no code runs (an
    // align after the entries would put nops on every taken back-edge).
    // Every jump is rel32 (setDefaultJmpNEAR): an entry is sub r10, 1 (4
    // bytes) and je (6), and all but the last jump on to the head (5).
    const size_t n = entries.size();
    const size_t entries_bytes = n * 10 + (n - 1) * 5;
    if (const size_t pad = (16 - (getSize() + entries_bytes) % 16) % 16; pad > 0) nop(pad);
    for (size_t i = n; i-- > 0;) {
      L(*entries[i].second);
      spend_budget(entries[i].first);
      if (i > 0) jmp(labels_[pc]);
    }
  }

  // The label a jump at `pc` to `target` goes to: a backward one's entry.
  Label& jump_label(u32 pc, s64 target) {
    if (target > static_cast<s64>(pc)) return labels_[static_cast<size_t>(target)];
    for (auto& [source, label] : back_edges_[static_cast<size_t>(target)])
      if (source == pc) return *label;
    throw Xbyak::Error(Xbyak::ERR_INTERNAL);
  }

  void jump(const Instruction& d) {
    Label& target = jump_label(d.pc, d.target);
    if (d.cond == JumpCond::always) {
      jmp(target);
      return;
    }
    if (d.cond == JumpCond::may_goto) return may_goto(d);
    compare(d);
    jcc(d.cond, false, target);
  }

  // A conditional jump's test, setting the flags jcc reads.
  void compare(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    const bool w = d.is64;
    const Xbyak::Reg dw = w ? Xbyak::Reg(D) : Xbyak::Reg(D.cvt32());
    const Xbyak::Reg sw = w ? Xbyak::Reg(kReg[d.src]) : Xbyak::Reg(kReg[d.src].cvt32());
    // Against zero: test sets the flags as cmp 0 does (CF = OF = 0, ZF and
    // SF from the value), in fewer bytes and with no immediate to blind.
    if (!d.src_is_reg && d.imm == 0 && d.cond != JumpCond::set) {
      test(dw, dw);
      return;
    }
    const u64 imm = w ? imm64(d) : static_cast<u32>(d.imm);
    const bool in_r9 = !d.src_is_reg && blinded_imm(r9, imm);
    const Xbyak::Reg r9w = w ? Xbyak::Reg(r9) : Xbyak::Reg(r9.cvt32());
    if (d.cond == JumpCond::set) {
      if (d.src_is_reg) test(dw, sw);
      else if (in_r9) test(dw, r9w);
      else test(dw, static_cast<u32>(d.imm));
    } else {
      if (d.src_is_reg) cmp(dw, sw);
      else if (in_r9) cmp(dw, r9w);
      else cmp(dw, static_cast<u32>(d.imm));
    }
  }

  void jcc(JumpCond c, bool negate, Label& to) {
    switch (c) {
      case JumpCond::eq: negate ? jne(to) : je(to); return;
      case JumpCond::ne:
      case JumpCond::set: negate ? je(to) : jne(to); return;
      case JumpCond::gt: negate ? jbe(to) : ja(to); return;
      case JumpCond::ge: negate ? jb(to) : jae(to); return;
      case JumpCond::lt: negate ? jae(to) : jb(to); return;
      case JumpCond::le: negate ? ja(to) : jbe(to); return;
      case JumpCond::sgt: negate ? jle(to) : jg(to); return;
      case JumpCond::sge: negate ? jl(to) : jge(to); return;
      case JumpCond::slt: negate ? jge(to) : jl(to); return;
      case JumpCond::sle: negate ? jg(to) : jle(to); return;
      case JumpCond::always: jmp(to); return;
      case JumpCond::may_goto: break;  // jump() emits it
    }
    throw Xbyak::Error(Xbyak::ERR_INTERNAL);
  }

  // A taken backward jump costs one unit of budget; the last one traps.
  void spend_budget(u32 pc) {
    sub(kBudget, 1);
    jz(trap_stub(vm::TrapKind::budget, pc));
  }

  // Helper or kfunc: ExternFn(ctx, r1..r5). The budget goes to the RunState
  // (a nested run spends from it); after the call CHECKED mode forgets its
  // cached regions (the extern may have changed them), and an abort traps.
  void call_extern(const Instruction& d, bpf::ExternFn fn) {
    mov(r11, reinterpret_cast<u64>(fn));
    call_through_r11(d.pc);
  }

  void call_through_r11(u32 pc) {
    mov(st(state::kBudget), kBudget);
    mov(r9, r8);
    mov(r8, rcx);
    mov(rcx, rdx);
    mov(rdx, rsi);
    mov(rsi, rdi);
    mov(rdi, st(state::kCtx));
    sub(rsp, 8);
    call(r11);
    add(rsp, 8);
    if (opt_.checked) {
      // The regions cached stay while the guard's generation does
      // (revalidate_regions); r0 is kept across the call, and the push
      // makes rsp 0 mod 16 for it.
      // A sandboxed guard's test needs no cached region: skipped then.
      Label sandboxed;
      cmp(qword[kState + state::kSandboxReadLen], 0);
      jne(sandboxed);
      push(rax);
      mov(rdi, kState);
      mov(r11, reinterpret_cast<u64>(&revalidate_regions));
      call(r11);
      pop(rax);
      L(sandboxed);
    }
    mov(kBudget, st(state::kBudget));
    mov(r11, st(state::kCtx));
    cmp(byte[r11 + static_cast<int>(offsetof(bpf::CallContext, abort))], 0);
    jne(trap_stub(vm::TrapKind::aborted, pc));
  }

  // callx: the helper id is in dst, known only now.
  void callx(const Instruction& d) {
    const Reg64 D = kReg[d.dst];
    Label& bad = trap_stub(vm::TrapKind::bad_call, d.pc, [this, D] { mov(st(state::kTrapAddr), D); });
    cmp(D, st(state::kHelperCount));
    jae(bad);
    mov(r11, st(state::kHelpers));
    mov(r11, qword[r11 + D * 8]);
    test(r11, r11);
    jz(bad);
    call_through_r11(d.pc);
  }

  // bpf-to-bpf: r6-r9 and r10 saved on the native stack (5 pushes keep it
  // 16-byte aligned for the callee's calls), r10 one frame down.
  void call_local(const Instruction& d) {
    cmp(dword[kState + state::kDepth], bpf::kMaxCallDepth - 1);
    jae(trap_stub(vm::TrapKind::call_depth, d.pc));
    add(dword[kState + state::kDepth], 1);
    mov(r11.cvt32(), dword[kState + state::kDepth]);
    mov(qword[kState + r11 * 8 + state::kMayGoto], static_cast<u32>(bpf::kMayGotoBudget));
    for (int i = 6; i <= 10; ++i) push(kReg[i]);
    sub(rbp, bpf::kStackSize);
    call(labels_[static_cast<size_t>(d.target)]);
    for (int i = 10; i >= 6; --i) pop(kReg[i]);
    sub(dword[kState + state::kDepth], 1);
  }


  const vm::LinkedProgram& program_;
  EmitOptions opt_;
  u64 l_value_ = 0;  // the LinkedInsn::value of the instruction being emitted
  s32 key_ = 0;
  std::vector<Label> labels_;
  std::vector<bool> fused_;  // per slot: the second of a fused pair
  // Per loop head: (instruction of a backward jump to it, its entry).
  std::vector<std::vector<std::pair<u32, std::unique_ptr<Label>>>> back_edges_;
  Label trap_, slow_check_;
  size_t slot0_entry_ = EmittedCode::kNoEntry;
  std::vector<std::function<void()>> cold_;
  std::vector<std::unique_ptr<Label>> stub_labels_;
};

}  // namespace

Result<EmittedCode> emit(const vm::LinkedProgram& program, const EmitOptions& options) {
  PlainAllocator alloc;
  try {
    Emitter e(program, options, &alloc);
    e.translate();
    e.ready();
    EmittedCode out;
    out.bytes.assign(e.getCode(), e.getCode() + e.getSize());
    out.slot_offsets = e.slot_offsets();
    out.slot0_trampoline = static_cast<u32>(e.slot0_entry());
    return out;
  } catch (const std::exception& ex) {
    return make_error(ErrorKind::internal, fmt::format("jit: cannot assemble the program: {}", ex.what()));
  }
}

}  // namespace ups::jit

#else  // not x86-64

#include <fmt/format.h>

namespace ups::jit {
Result<EmittedCode> emit(const vm::LinkedProgram&, const EmitOptions&) {
  return make_error(ErrorKind::unsupported, "jit: this host is not x86-64");
}
}  // namespace ups::jit

#endif
