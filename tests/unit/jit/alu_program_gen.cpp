// The covering program generator (see alu_program_gen.h).
#include "alu_program_gen.h"

namespace ups::jit::test {
namespace {

using bpf::Insn;
namespace op = bpf::op;

// Values that find edge cases: 0, +-1, the signed extremes, 32-bit edges.
s64 interesting(Rng& rng) {
  static constexpr s64 kEdges[] = {0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x7fffffff - 1, 0xffffffff,
                                   INT64_MIN, INT64_MAX, 0x80000000LL, 0x100000000LL};
  switch (rng.uniform(0, 3)) {
    case 0: return kEdges[rng.uniform(0, std::size(kEdges) - 1)];
    case 1: return static_cast<s64>(rng.uniform(0, 300)) - 150;
    default: return static_cast<s64>(rng.next_u64());
  }
}

s32 imm32(Rng& rng) { return static_cast<s32>(interesting(rng)); }

// One generated instruction; `jump_to` > 0: a forward jump whose offset is
// patched once the instruction `jump_to` steps later has its slot.
struct Item {
  Insn insn;
  bool wide = false;  // lddw: two slots
  Insn second;
  int jump_to = 0;
  bool call_sub = false;
};

u8 reg(Rng& rng) { return static_cast<u8>(rng.uniform(0, 9)); }

Item lddw(u8 dst, u64 v) {
  Item it;
  it.wide = true;
  it.insn = Insn::make(op::LD | op::IMM | op::DW, dst, 0, 0, static_cast<s32>(v));
  it.second = Insn::make(0, 0, 0, 0, static_cast<s32>(v >> 32));
  return it;
}

Item alu(Rng& rng) {
  static constexpr u8 kOps[] = {op::ADD, op::SUB, op::MUL, op::DIV, op::OR, op::AND, op::LSH,
                                op::RSH, op::NEG, op::MOD, op::XOR, op::MOV, op::ARSH};
  const u8 code = kOps[rng.uniform(0, std::size(kOps) - 1)];
  const u8 cls = rng.chance(0.5) ? op::ALU64 : op::ALU;
  const bool x = code != op::NEG && rng.chance(0.5);
  s16 off = 0;
  if ((code == op::DIV || code == op::MOD) && rng.chance(0.5)) off = 1;  // sdiv, smod
  if (code == op::MOV && x && rng.chance(0.4)) {
    static constexpr s16 kSx[] = {8, 16, 32};
    off = kSx[rng.uniform(0, cls == op::ALU64 ? 2 : 1)];
  }
  const s32 imm = code == op::NEG || x ? 0 : imm32(rng);
  return Item{Insn::make(static_cast<u8>(cls | code | (x ? op::X : op::K)), reg(rng), x ? reg(rng) : 0, off, imm)};
}

Item endian(Rng& rng) {
  static constexpr s32 kWidths[] = {16, 32, 64};
  const s32 w = kWidths[rng.uniform(0, 2)];
  switch (rng.uniform(0, 2)) {
    case 0: return Item{Insn::make(op::ALU | op::END | op::K, reg(rng), 0, 0, w)};   // to_le
    case 1: return Item{Insn::make(op::ALU | op::END | op::X, reg(rng), 0, 0, w)};   // to_be
    default: return Item{Insn::make(op::ALU64 | op::END | op::K, reg(rng), 0, 0, w)};  // bswap
  }
}

u8 size_code(int bytes) { return bytes == 1 ? op::B : bytes == 2 ? op::H : bytes == 4 ? op::W : op::DW; }

// An offset from r10 inside the frame, aligned to `bytes`.
s16 frame_off(Rng& rng, int bytes) { return static_cast<s16>(-bytes * static_cast<int>(rng.uniform(1, 512 / bytes))); }

Item memory(Rng& rng) {
  static constexpr int kSizes[] = {1, 2, 4, 8};
  const int bytes = kSizes[rng.uniform(0, 3)];
  const s16 off = frame_off(rng, bytes);
  switch (rng.uniform(0, 3)) {
    case 0: return Item{Insn::make(static_cast<u8>(op::ST | op::MEM | size_code(bytes)), 10, 0, off, imm32(rng))};
    case 1: return Item{Insn::make(static_cast<u8>(op::STX | op::MEM | size_code(bytes)), 10, reg(rng), off, 0)};
    case 2: {
      const bool sx = bytes < 8 && rng.chance(0.5);
      return Item{Insn::make(static_cast<u8>(op::LDX | (sx ? op::MEMSX : op::MEM) | size_code(bytes)), reg(rng), 10,
                             off, 0)};
    }
    default: {
      static constexpr s32 kAtomics[] = {op::ADD, op::OR, op::AND, op::XOR};
      const bool dw = rng.chance(0.5);
      s32 imm;
      switch (rng.uniform(0, 3)) {
        case 0: imm = kAtomics[rng.uniform(0, 3)]; break;
        case 1: imm = kAtomics[rng.uniform(0, 3)] | op::ATOMIC_FETCH; break;
        case 2: imm = op::ATOMIC_XCHG; break;
        default: imm = op::ATOMIC_CMPXCHG; break;
      }
      return Item{Insn::make(static_cast<u8>(op::STX | op::ATOMIC | (dw ? op::DW : op::W)), 10, reg(rng),
                             frame_off(rng, dw ? 8 : 4), imm)};
    }
  }
}

Item jump(Rng& rng, int left) {
  static constexpr u8 kConds[] = {op::JEQ, op::JGT, op::JGE, op::JSET, op::JNE, op::JSGT,
                                  op::JSGE, op::JLT, op::JLE, op::JSLT, op::JSLE, op::JA};
  const u8 cond = kConds[rng.uniform(0, std::size(kConds) - 1)];
  const u8 cls = cond == op::JA || rng.chance(0.5) ? op::JMP : op::JMP32;
  const bool x = cond != op::JA && rng.chance(0.5);
  Item it{Insn::make(static_cast<u8>(cls | cond | (x ? op::X : op::K)), cond == op::JA ? 0 : reg(rng),
                     x ? reg(rng) : 0, 0, cond == op::JA || x ? 0 : imm32(rng))};
  it.jump_to = static_cast<int>(rng.uniform(1, static_cast<u64>(std::min(left, 12))));
  return it;
}

}  // namespace

std::vector<Insn> random_alu_program(Rng& rng) {
  std::vector<Item> items;
  for (int i = 1; i <= 64; ++i) items.push_back(Item{Insn::make(op::ST | op::MEM | op::DW, 10, 0, -8 * i, 0)});
  for (u8 r = 0; r <= 9; ++r) items.push_back(lddw(r, static_cast<u64>(interesting(rng))));
  const int body = static_cast<int>(rng.uniform(10, 120));
  for (int i = 0; i < body; ++i) {
    const int left = body - i;  // items after this one, up to the epilogue's first
    switch (rng.uniform(0, 9)) {
      case 0: items.push_back(endian(rng)); break;
      case 1:
      case 2: items.push_back(memory(rng)); break;
      case 3: items.push_back(jump(rng, left)); break;
      case 4:
        if (rng.chance(0.3)) {
          Item c{Insn::make(op::JMP | op::CALL, 0, op::CALL_LOCAL, 0, 0)};
          c.call_sub = true;
          items.push_back(c);
          break;
        }
        items.push_back(lddw(reg(rng), static_cast<u64>(interesting(rng))));
        break;
      default: items.push_back(alu(rng)); break;
    }
  }
  // Epilogue: r0 folds every register.
  for (u8 r = 1; r <= 9; ++r) items.push_back(Item{Insn::make(op::ALU64 | op::XOR | op::X, 0, r, 0, 0)});
  items.push_back(Item{Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0)});
  const size_t sub = items.size();
  // The subprogram: mixes r1-r5 into r0, uses its own frame, and may call nothing.
  items.push_back(Item{Insn::make(op::MOV | op::ALU64 | op::X, 0, 1, 0, 0)});
  items.push_back(Item{Insn::make(op::STX | op::MEM | op::DW, 10, 2, -8, 0)});
  items.push_back(Item{Insn::make(op::MUL | op::ALU64 | op::X, 0, 3, 0, 0)});
  items.push_back(Item{Insn::make(op::LDX | op::MEM | op::DW, 4, 10, -8, 0)});
  items.push_back(Item{Insn::make(op::ADD | op::ALU64 | op::X, 0, 4, 0, 0)});
  items.push_back(Item{Insn::make(op::XOR | op::ALU | op::X, 0, 5, 0, 0)});
  items.push_back(Item{Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0)});

  // Slots, then the jump and call offsets.
  std::vector<size_t> slot(items.size() + 1, 0);
  for (size_t i = 0; i < items.size(); ++i) slot[i + 1] = slot[i] + (items[i].wide ? 2 : 1);
  std::vector<Insn> code;
  for (size_t i = 0; i < items.size(); ++i) {
    Item it = items[i];
    if (it.jump_to > 0)
      it.insn.off = static_cast<s16>(slot[std::min(i + static_cast<size_t>(it.jump_to), sub - 1)] - slot[i] - 1);
    if (it.call_sub) it.insn.imm = static_cast<s32>(slot[sub] - slot[i] - 1);
    code.push_back(it.insn);
    if (it.wide) code.push_back(it.second);
  }
  return code;
}

}  // namespace ups::jit::test
