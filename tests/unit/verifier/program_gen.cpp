// Program generator for soundness tests (see program_gen.h).
#include "program_gen.h"

#include <algorithm>

namespace ups::verifier::test {
namespace op = bpf::op;
namespace {

using bpf::Insn;

s32 interesting_imm(Rng& rng) {
  static const s32 v[] = {0, 1, -1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, -8, -16, 0x7fffffff, -0x7fffffff - 1, 255, 256};
  if (rng.chance(0.7)) return v[rng.uniform(0, std::size(v) - 1)];
  return static_cast<s32>(rng.next_u32());
}

struct Gen {
  Rng& rng;
  std::vector<Insn> code;
  std::vector<size_t> exits_to_patch;  // jumps to the epilogue

  void emit(Insn i) { code.push_back(i); }
  void lddw(u8 dst, u8 src, s32 lo, s32 hi = 0) {
    emit(Insn::make(op::LD | op::IMM | op::DW, dst, src, 0, lo));
    emit(Insn::make(0, 0, 0, 0, hi));
  }
  u8 scalar_reg() {
    static const u8 r[] = {0, 2, 3, 4, 5, 6, 9};
    return r[rng.uniform(0, std::size(r) - 1)];
  }
  u8 any_reg() { return static_cast<u8>(rng.uniform(0, 9)); }
  u8 width() {
    static const u8 w[] = {op::B, op::H, op::W, op::DW};
    return w[rng.uniform(0, 3)];
  }
  s16 mem_off() { return static_cast<s16>(static_cast<s64>(rng.uniform(0, 100)) - 76); }

  void alu() {
    static const u8 ops[] = {op::ADD, op::SUB, op::MUL, op::DIV, op::OR, op::AND, op::LSH,
                             op::RSH, op::NEG, op::MOD, op::XOR, op::MOV, op::ARSH};
    u8 o = ops[rng.uniform(0, std::size(ops) - 1)];
    u8 cls = rng.chance(0.6) ? op::ALU64 : op::ALU;
    s16 off = 0;
    if ((o == op::DIV || o == op::MOD) && rng.chance(0.3)) off = 1;
    u8 dst = scalar_reg();
    if (dst == 6 && rng.chance(0.7)) dst = 0;
    if (o == op::NEG) {
      emit(Insn::make(cls | o, dst, 0, 0, 0));
    } else if (rng.chance(0.5)) {
      if (o == op::MOV && rng.chance(0.3)) {
        static const s16 w[] = {8, 16, 32};
        off = w[rng.uniform(0, cls == op::ALU64 ? 2 : 1)];
      }
      emit(Insn::make(cls | o | op::X, dst, scalar_reg(), off, 0));
    } else {
      s32 imm = interesting_imm(rng);
      if (o == op::LSH || o == op::RSH || o == op::ARSH) imm &= 63;
      emit(Insn::make(cls | o, dst, 0, off, imm));
    }
  }
  void pointer() {
    u8 dst = static_cast<u8>(rng.uniform(2, 5));
    static const u8 bases[] = {10, 7, 8};
    emit(Insn::make(op::ALU64 | op::MOV | op::X, dst, bases[rng.uniform(0, 2)], 0, 0));
    if (rng.chance(0.5)) emit(Insn::make(op::ALU64 | op::ADD, dst, 0, 0, static_cast<s32>(rng.uniform(0, 80)) - 48));
    else emit(Insn::make(op::ALU64 | op::ADD | op::X, dst, scalar_reg(), 0, 0));
  }
  u8 base_reg() {
    static const u8 b[] = {10, 10, 7, 8, 2, 3, 4, 5};
    return b[rng.uniform(0, std::size(b) - 1)];
  }
  void store() {
    u8 b = base_reg();
    if (rng.chance(0.5)) emit(Insn::make(op::STX | op::MEM | width(), b, any_reg(), mem_off(), 0));
    else emit(Insn::make(op::ST | op::MEM | width(), b, 0, mem_off(), interesting_imm(rng)));
  }
  void load() {
    bool sx = rng.chance(0.15);
    u8 w = width();
    if (sx && w == op::DW) w = op::W;
    emit(Insn::make(op::LDX | (sx ? op::MEMSX : op::MEM) | w, scalar_reg(), base_reg(), mem_off(), 0));
  }
  void atomic() {
    static const s32 ops[] = {op::ADD, op::OR, op::ADD | op::ATOMIC_FETCH, op::ATOMIC_XCHG, op::ATOMIC_CMPXCHG};
    u8 w = rng.chance(0.5) ? op::DW : op::W;
    emit(Insn::make(op::STX | op::ATOMIC | w, base_reg(), scalar_reg(), mem_off(), ops[rng.uniform(0, 4)]));
  }
  void branch() {
    static const u8 conds[] = {op::JEQ, op::JNE, op::JGT, op::JGE, op::JLT, op::JLE, op::JSET,
                               op::JSGT, op::JSGE, op::JSLT, op::JSLE};
    u8 cls = rng.chance(0.7) ? op::JMP : op::JMP32;
    u8 c = conds[rng.uniform(0, std::size(conds) - 1)];
    s16 skip = static_cast<s16>(rng.uniform(0, 3));
    if (rng.chance(0.5)) emit(Insn::make(cls | c | op::X, scalar_reg(), scalar_reg(), skip, 0));
    else emit(Insn::make(cls | c, scalar_reg(), 0, skip, interesting_imm(rng)));
  }
  void counted_loop() {
    // r9 = 0; L: <alu>; r9 += 1; if r9 < K goto L
    emit(Insn::make(op::ALU64 | op::MOV, 9, 0, 0, 0));
    size_t head = code.size();
    alu();
    if (rng.chance(0.5)) store();
    emit(Insn::make(op::ALU64 | op::ADD, 9, 0, 0, 1));
    s32 k = static_cast<s32>(rng.uniform(1, 12));
    s16 back = static_cast<s16>(static_cast<s64>(head) - static_cast<s64>(code.size()) - 1);
    emit(Insn::make(op::JMP | op::JLT, 9, 0, back, rng.chance(0.95) ? k : -1));
  }
  void call() {
    static const s32 ids[] = {5, 7};
    emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, ids[rng.uniform(0, 1)]));
  }

  // The classes of bugs that slip past a verifier: pointers on the stack,
  // pointers made into numbers, bytes a helper may or may not write.
  u8 pointer_reg() {
    static const u8 r[] = {7, 8, 10, 2, 3};
    return r[rng.uniform(0, std::size(r) - 1)];
  }
  s16 slot_off() { return static_cast<s16>(-8 * static_cast<s16>(rng.uniform(1, 6))); }
  void spill() { emit(Insn::make(op::STX | op::MEM | op::DW, 10, pointer_reg(), slot_off(), 0)); }
  void fill() {
    // Every width, at the slot or a few bytes into it.
    s16 off = static_cast<s16>(slot_off() + (rng.chance(0.6) ? 0 : static_cast<s16>(rng.uniform(1, 7))));
    u8 dst = rng.chance(0.5) ? static_cast<u8>(rng.uniform(2, 5)) : scalar_reg();
    emit(Insn::make(op::LDX | op::MEM | width(), dst, 10, off, 0));
  }
  void narrow_store() {
    static const u8 w[] = {op::B, op::H, op::W};
    s16 off = static_cast<s16>(slot_off() + static_cast<s16>(rng.uniform(0, 4)));
    emit(Insn::make(op::ST | op::MEM | w[rng.uniform(0, 2)], 10, 0, off, interesting_imm(rng)));
  }
  void var_offset_store() {
    // r2 = r10 - 32 + (r0 & mask); *(w)(r2 + 0) = ...
    u8 idx = scalar_reg();
    emit(Insn::make(op::ALU64 | op::AND, idx, 0, 0, rng.chance(0.8) ? 15 : 31));
    emit(Insn::make(op::ALU64 | op::MOV | op::X, 2, 10, 0, 0));
    emit(Insn::make(op::ALU64 | op::ADD, 2, 0, 0, -32));
    emit(Insn::make(op::ALU64 | op::ADD | op::X, 2, idx, 0, 0));
    emit(Insn::make(op::ST | op::MEM | width(), 2, 0, 0, interesting_imm(rng)));
  }
  void pointer_difference() {
    u8 dst = static_cast<u8>(rng.uniform(2, 5));
    emit(Insn::make(op::ALU64 | op::MOV | op::X, dst, pointer_reg(), 0, 0));
    if (rng.chance(0.5)) emit(Insn::make(op::ALU64 | op::ADD, dst, 0, 0, static_cast<s32>(rng.uniform(0, 16)) - 8));
    emit(Insn::make(op::ALU64 | op::SUB | op::X, dst, pointer_reg(), 0, 0));
    // Use the "number" to move a pointer.
    if (rng.chance(0.6)) emit(Insn::make(op::ALU64 | op::ADD | op::X, rng.chance(0.5) ? 7 : 8, dst, 0, 0));
  }
  void pointer_compare() {
    u8 cls = rng.chance(0.7) ? op::JMP : op::JMP32;
    static const u8 conds[] = {op::JEQ, op::JNE, op::JGT, op::JSLT, op::JSET};
    u8 c = conds[rng.uniform(0, std::size(conds) - 1)];
    s16 skip = static_cast<s16>(rng.uniform(0, 3));
    if (rng.chance(0.5)) emit(Insn::make(cls | c | op::X, pointer_reg(), rng.chance(0.5) ? pointer_reg() : scalar_reg(), skip, 0));
    else emit(Insn::make(cls | c, pointer_reg(), 0, skip, interesting_imm(rng)));
  }
  void variable_size_helper() {
    // bpf_get_current_comm(r10 - off, (prandom & mask) + add): up to 32 bytes.
    emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 7));
    emit(Insn::make(op::ALU64 | op::AND, 0, 0, 0, rng.chance(0.8) ? 15 : 31));
    emit(Insn::make(op::ALU64 | op::ADD, 0, 0, 0, static_cast<s32>(rng.uniform(0, 2))));
    emit(Insn::make(op::ALU64 | op::MOV | op::X, 2, 0, 0, 0));
    emit(Insn::make(op::ALU64 | op::MOV | op::X, 1, 10, 0, 0));
    emit(Insn::make(op::ALU64 | op::ADD, 1, 0, 0, -8 * static_cast<s32>(rng.uniform(2, 6))));
    emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 16));
  }
  // The whole pattern of the spill bugs: a pointer spilled, its slot maybe
  // overwritten in part, filled back and used.
  void spill_clobber_fill_use() {
    const s16 slot = slot_off();
    const u8 p = pointer_reg();
    emit(Insn::make(op::STX | op::MEM | op::DW, 10, p, slot, 0));
    switch (rng.uniform(0, 2)) {
      case 0: {
        static const u8 w[] = {op::B, op::H, op::W};
        emit(Insn::make(op::ST | op::MEM | w[rng.uniform(0, 2)], 10, 0,
                        static_cast<s16>(slot + static_cast<s16>(rng.uniform(0, 4))), interesting_imm(rng)));
        break;
      }
      case 1: var_offset_store(); break;
      default: variable_size_helper(); break;
    }
    const u8 dst = static_cast<u8>(rng.uniform(2, 5));
    emit(Insn::make(op::LDX | op::MEM | op::DW, dst, 10, slot, 0));
    emit(Insn::make(op::LDX | op::MEM | width(), scalar_reg(), dst, static_cast<s16>(rng.uniform(0, 8)), 0));
  }
  void alu32_bounds() {
    // 32-bit arithmetic then a JMP32 bound, then use as an index.
    u8 r = scalar_reg();
    emit(Insn::make(op::ALU | op::ADD, r, 0, 0, interesting_imm(rng)));
    emit(Insn::make(op::JMP32 | (rng.chance(0.5) ? op::JGT : op::JSGT), r, 0, 1, static_cast<s32>(rng.uniform(0, 15))));
    emit(Insn::make(op::ALU64 | op::ADD | op::X, 7, r, 0, 0));
  }
};

}  // namespace

std::vector<Insn> random_program(Rng& rng) {
  Gen g{rng, {}, {}};
  // Prologue: r6 = the argument, r7 = a map value (maybe unchecked), r8 = rodata.
  g.emit(Insn::make(op::LDX | op::MEM | op::DW, 6, 1, 0, 0));
  g.emit(Insn::make(op::ST | op::MEM | op::W, 10, 0, -4, static_cast<s32>(rng.uniform(0, 2))));
  g.emit(Insn::make(op::ALU64 | op::MOV | op::X, 2, 10, 0, 0));
  g.emit(Insn::make(op::ALU64 | op::ADD, 2, 0, 0, -4));
  g.lddw(1, op::PSEUDO_MAP_IDX, 0);
  g.emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 1));
  g.emit(Insn::make(op::ALU64 | op::MOV | op::X, 7, 0, 0, 0));
  size_t null_check = g.code.size();
  bool checked = rng.chance(0.9);
  if (checked) g.emit(Insn::make(op::JMP | op::JEQ, 7, 0, 0, 0));  // patched to the epilogue
  g.lddw(8, op::PSEUDO_MAP_IDX_VALUE, 1, 0);
  for (u8 r : {0, 2, 3, 4, 5, 9}) {
    if (rng.chance(0.85)) g.emit(Insn::make(op::ALU64 | op::MOV, r, 0, 0, interesting_imm(rng)));
  }
  if (rng.chance(0.5)) g.emit(Insn::make(op::ST | op::MEM | op::DW, 10, 0, -16, 0));
  if (rng.chance(0.5)) g.emit(Insn::make(op::STX | op::MEM | op::DW, 10, 6, -24, 0));
  bool with_loop_cb = rng.chance(0.15);
  const int n = static_cast<int>(rng.uniform(3, 25));
  for (int i = 0; i < n; ++i) {
    double p = rng.next_double();
    if (p < 0.20) g.alu();
    else if (p < 0.28) g.pointer();
    else if (p < 0.36) g.store();
    else if (p < 0.46) g.load();
    else if (p < 0.56) g.branch();
    else if (p < 0.60) g.counted_loop();
    else if (p < 0.63) g.atomic();
    else if (p < 0.66) g.call();
    else if (p < 0.73) g.spill();
    else if (p < 0.80) g.fill();
    else if (p < 0.84) g.narrow_store();
    else if (p < 0.87) g.var_offset_store();
    else if (p < 0.90) g.pointer_difference();
    else if (p < 0.93) g.pointer_compare();
    else if (p < 0.95) g.variable_size_helper();
    else if (p < 0.98) g.spill_clobber_fill_use();
    else g.alu32_bounds();
  }
  size_t cb_call = 0;
  if (with_loop_cb) {
    // bpf_loop(nr, cb, r10 - 16, 0)
    g.emit(Insn::make(op::ST | op::MEM | op::DW, 10, 0, -16, 0));
    g.emit(Insn::make(op::ALU64 | op::MOV, 1, 0, 0, static_cast<s32>(rng.uniform(0, 6))));
    cb_call = g.code.size();
    g.lddw(2, op::PSEUDO_FUNC, 0);
    g.emit(Insn::make(op::ALU64 | op::MOV | op::X, 3, 10, 0, 0));
    g.emit(Insn::make(op::ALU64 | op::ADD, 3, 0, 0, -16));
    g.emit(Insn::make(op::ALU64 | op::MOV, 4, 0, 0, 0));
    g.emit(Insn::make(op::JMP | op::CALL, 0, op::CALL_HELPER, 0, 181));
  }
  size_t epilogue = g.code.size();
  g.emit(Insn::make(op::ALU64 | op::MOV, 0, 0, 0, 0));
  g.emit(Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0));
  if (checked) g.code[null_check].off = static_cast<s16>(epilogue - null_check - 1);
  // Forward branches must land inside the main function.
  for (size_t i = 0; i < epilogue; ++i) {
    Insn& in = g.code[i];
    u8 cls = in.opcode & op::CLASS_MASK;
    if ((cls == op::JMP || cls == op::JMP32) && (in.opcode & 0xf0) != op::CALL && in.off > 0 &&
        i + 1 + in.off > epilogue)
      in.off = static_cast<s16>(epilogue - i - 1);
  }
  if (with_loop_cb) {
    size_t cb = g.code.size();
    g.code[cb_call].imm = static_cast<s32>(cb - cb_call - 1);
    // cb(index r1, ctx r2): touch ctx[index & mask]
    g.emit(Insn::make(op::ALU64 | op::AND, 1, 0, 0, rng.chance(0.8) ? 7 : 15));
    g.emit(Insn::make(op::ALU64 | op::ADD | op::X, 2, 1, 0, 0));
    g.emit(Insn::make(op::LDX | op::MEM | op::B, 3, 2, static_cast<s16>(rng.uniform(0, 9)), 0));
    g.emit(Insn::make(op::STX | op::MEM | op::B, 2, 3, 0, 0));
    g.emit(Insn::make(op::ALU64 | op::MOV, 0, 0, 0, static_cast<s32>(rng.uniform(0, 1))));
    g.emit(Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0));
  }
  return g.code;
}

std::vector<Insn> mutate_program(const std::vector<Insn>& code, Rng& rng) {
  std::vector<Insn> out = code;
  if (out.empty()) return out;
  const int changes = static_cast<int>(rng.uniform(1, 3));
  for (int c = 0; c < changes; ++c) {
    Insn& in = out[rng.uniform(0, out.size() - 1)];
    switch (rng.uniform(0, 5)) {
      case 0: in.off = static_cast<s16>(in.off + static_cast<s64>(rng.uniform(0, 16)) - 8); break;
      case 1: in.imm = interesting_imm(rng); break;
      case 2: in.set_dst(static_cast<u8>(rng.uniform(0, 10))); break;
      case 3: in.set_src(static_cast<u8>(rng.uniform(0, 10))); break;
      case 4: in.opcode = static_cast<u8>((in.opcode & 0x0f) | (rng.uniform(0, 13) << 4)); break;
      default: in.opcode ^= static_cast<u8>(1u << rng.uniform(0, 7)); break;
    }
  }
  return out;
}

}  // namespace ups::verifier::test
