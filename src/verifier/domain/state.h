// State: the abstract machine state on one path: the call frames (registers
// and stack bytes), acquired references and the spin lock. `subsumed_by` is
// the lattice order used by state pruning.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <vector>

#include "base/types.h"
#include "bpf/insn.h"
#include "verifier/domain/value.h"

namespace ups::verifier {

// What a stack byte holds.
enum class ByteKind : u8 { uninit, misc, zero, spill, iter };

// An open-coded iterator (bpf_iter_num, bpf_iter_scx_dsq) living on the
// stack; every slot it covers carries it.
struct IterSlot {
  s32 type = -1;         // its struct (ProgramInfo::structs index)
  u32 ref = 0;           // the reference bpf_iter_*_destroy releases
  bool drained = false;  // _next returned NULL: it yields nothing more
  bool base = false;     // the slot at the iterator's address
  u32 depth = 0;         // elements it yielded on this path (not part of the order)
  friend bool operator==(const IterSlot&, const IterSlot&) = default;
};

// 8 bytes of stack, [-8(i+1), -8i) from the frame top for slot i.
struct StackSlot {
  std::array<ByteKind, 8> bytes{};  // bytes[0] is the lowest address
  Value spill;                      // valid when all bytes are `spill`
  IterSlot iter;                    // valid when all bytes are `iter`
  bool is_iter() const { return bytes[0] == ByteKind::iter; }
  bool is_spill() const {
    for (auto b : bytes)
      if (b != ByteKind::spill) return false;
    return true;
  }
  // A scalar spilled by a 4-byte store at the slot's start (as Linux keeps
  // a 32-bit spill's bounds): bytes[0..4) are `spill`, `spill` is valid.
  bool is_narrow_spill() const {
    return bytes[0] == ByteKind::spill && bytes[3] == ByteKind::spill && bytes[4] != ByteKind::spill;
  }
  bool has_spill() const { return bytes[0] == ByteKind::spill; }
  friend bool operator==(const StackSlot&, const StackSlot&) = default;
};

struct Frame {
  std::array<Value, bpf::kNumRegs> regs{};
  std::vector<StackSlot> slots;  // grown on demand
  u32 return_to = 0;             // caller's next instruction
  u32 subprog = 0;               // entry instruction of this function
  bool is_callback = false;      // a bpf_loop callback (returns 0 or 1)
  bool less_callback = false;    // bpf_rbtree_add's `less`: its return ends the path
  u32 callback_refs = 0;         // references held when the callback began
  Scalar cb_index;               // a callback's R1 and R2, for calling it again
  Value cb_ctx;

  StackSlot& slot(u32 i) {
    if (i >= slots.size()) slots.resize(i + 1);
    return slots[i];
  }
  const StackSlot* find_slot(u32 i) const { return i < slots.size() ? &slots[i] : nullptr; }
  ByteKind byte(s32 off) const;  // off in [-512, 0)
};

struct RefEntry {
  u32 id = 0;
  u32 insn = 0;  // where it was acquired
  bool iter = false;  // an iterator to destroy rather than a pointer to release
  friend bool operator==(const RefEntry&, const RefEntry&) = default;
};

struct LockState {
  bool held = false;
  s32 map = -1;
  u32 id = 0;  // identity of the map value holding the lock
  u32 insn = 0;
  friend bool operator==(const LockState&, const LockState&) = default;
};

struct State {
  std::vector<Frame> frames;
  std::vector<RefEntry> refs;
  LockState lock;
  // This path runs a BPF timer callback (entered from bpf_timer_set_callback
  // as a program of its own), not the callback being verified.
  bool timer_callback = false;
  // may_gotos fallen through on this path (Linux's may_goto_depth): a state
  // that comes back after one more is the next pass of a loop its budget
  // bounds, not an endless loop (not part of the order).
  u32 may_goto_depth = 0;
  // bpf_rcu_read_lock sections open on this path (they nest), and where
  // the outermost opened: closed before the program exits, nothing that
  // may sleep inside.
  u32 rcu_depth = 0;
  u32 rcu_insn = 0;

  Frame& top() { return frames.back(); }
  const Frame& top() const { return frames.back(); }
  Value& reg(int r) { return top().regs[r]; }
  const Value& reg(int r) const { return top().regs[r]; }
  bool has_ref(u32 id) const {
    for (auto& r : refs)
      if (r.id == id) return true;
    return false;
  }
};

// Every register whose bit is set in live_regs[frame] (and every stack byte)
// of `cur` is within what `old` allows, with a consistent renaming of ids.
bool subsumed_by(const State& cur, const State& old, const std::vector<u16>& live_regs);

// cur with each live scalar (register, or spill in a slot laid out alike)
// that differs from old's scalar of the same sort widened to cover both
// numbers (and unlinked from its copies): a state that holds every value
// cur does; nullopt when no scalar differs so.
std::optional<State> join_scalars(const State& cur, const State& old, const std::vector<u16>& live_regs);

// Whether the live iterators of a and b have yielded as many elements, and
// as many may_gotos fell through: a state that comes back to an earlier one
// of its path with an iterator further on, or past one more may_goto, is a
// bounded loop's next pass, not an endless loop.
bool same_iteration(const State& a, const State& b);

}  // namespace ups::verifier
