// Insn: one raw 64-bit eBPF instruction slot (RFC 9669 §3) and the opcode
// field constants. Everything above the loader works on spans of Insn; the
// decoder (isa/) gives them meaning.
#pragma once

#include <cstring>
#include <span>

#include "base/types.h"

namespace ups::bpf {

struct Insn {
  u8 opcode = 0;
  u8 regs = 0;  // dst in the low nibble, src in the high nibble (little-endian)
  s16 off = 0;
  s32 imm = 0;

  u8 dst() const { return regs & 0x0f; }
  u8 src() const { return regs >> 4; }
  void set_dst(u8 r) { regs = static_cast<u8>((regs & 0xf0) | (r & 0x0f)); }
  void set_src(u8 r) { regs = static_cast<u8>((regs & 0x0f) | (r << 4)); }

  static Insn make(u8 opcode, u8 dst, u8 src, s16 off, s32 imm) {
    Insn i;
    i.opcode = opcode;
    i.regs = static_cast<u8>((dst & 0x0f) | (src << 4));
    i.off = off;
    i.imm = imm;
    return i;
  }
  static Insn from_u64(u64 raw) {
    Insn i;
    std::memcpy(static_cast<void*>(&i), &raw, sizeof i);
    return i;
  }
  u64 to_u64() const {
    u64 raw;
    std::memcpy(&raw, this, sizeof raw);
    return raw;
  }
  friend bool operator==(const Insn&, const Insn&) = default;
};
static_assert(sizeof(Insn) == 8);

using Code = std::span<const Insn>;

// Opcode fields (RFC 9669 §3 and §4).
namespace op {
// classes
inline constexpr u8 LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03;
inline constexpr u8 ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
inline constexpr u8 CLASS_MASK = 0x07;
// source
inline constexpr u8 K = 0x00, X = 0x08;
// ALU operations (high nibble)
inline constexpr u8 ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40,
                    AND = 0x50, LSH = 0x60, RSH = 0x70, NEG = 0x80, MOD = 0x90,
                    XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0, END = 0xd0;
// jumps (high nibble)
inline constexpr u8 JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40,
                    JNE = 0x50, JSGT = 0x60, JSGE = 0x70, CALL = 0x80, EXIT = 0x90,
                    JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0,
                    JCOND = 0xe0;  // may_goto
// memory: size and mode
inline constexpr u8 W = 0x00, H = 0x08, B = 0x10, DW = 0x18, SIZE_MASK = 0x18;
inline constexpr u8 IMM = 0x00, ABS = 0x20, IND = 0x40, MEM = 0x60, MEMSX = 0x80,
                    ATOMIC = 0xc0, MODE_MASK = 0xe0,
                    // an arena access, as the loader marks it after verification
                    // (Linux's internal BPF_PROBE_MEM32); never in an object
                    PROBE_MEM32 = 0xa0;
// atomic operations (imm)
inline constexpr s32 ATOMIC_FETCH = 0x01, ATOMIC_XCHG = 0xe0 | 0x01,
                     ATOMIC_CMPXCHG = 0xf0 | 0x01;
// call src_reg
inline constexpr u8 CALL_HELPER = 0, CALL_LOCAL = 1, CALL_KFUNC = 2;
// lddw src_reg (pseudo loads)
inline constexpr u8 PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_BTF_ID = 3,
                    PSEUDO_FUNC = 4, PSEUDO_MAP_IDX = 5, PSEUDO_MAP_IDX_VALUE = 6;
}  // namespace op

inline constexpr int kNumRegs = 11;          // r0..r10
inline constexpr int kStackSize = 512;       // per frame
inline constexpr int kMaxCallDepth = 16;  // frames, main included: Linux 7.3's MAX_CALL_FRAMES
// may_goto: how many times one frame may fall through its may_gotos before
// they jump (Linux's BPF_MAX_LOOPS); each frame starts with a full budget.
inline constexpr u64 kMayGotoBudget = 8 * 1024 * 1024;

}  // namespace ups::bpf
