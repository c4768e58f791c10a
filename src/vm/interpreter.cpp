// The dispatch loop (see interpreter.h). One template, instantiated fast and
// kChecked (the checked, observed and confined modes), which adds the
// region check before each memory access and (but for confined) counts
// instructions; everything else is shared, so all modes compute the same
// results by construction.
#include "vm/interpreter.h"

#include <cstring>
#include <utility>

#include "base/assert.h"

namespace ups::vm {
namespace {

inline u64 sdiv64(u64 a, u64 b) {
  if (b == 0) return 0;
  if (static_cast<s64>(b) == -1) return 0 - a;  // INT64_MIN / -1 wraps
  return static_cast<u64>(static_cast<s64>(a) / static_cast<s64>(b));
}
inline u64 smod64(u64 a, u64 b) {
  if (b == 0) return a;
  if (static_cast<s64>(b) == -1) return 0;
  return static_cast<u64>(static_cast<s64>(a) % static_cast<s64>(b));
}
inline u32 sdiv32(u32 a, u32 b) {
  if (b == 0) return 0;
  if (static_cast<s32>(b) == -1) return 0 - a;
  return static_cast<u32>(static_cast<s32>(a) / static_cast<s32>(b));
}
inline u32 smod32(u32 a, u32 b) {
  if (b == 0) return a;
  if (static_cast<s32>(b) == -1) return 0;
  return static_cast<u32>(static_cast<s32>(a) % static_cast<s32>(b));
}

template <class T>
inline T load(u64 addr) {
  T v;
  std::memcpy(&v, reinterpret_cast<const void*>(addr), sizeof v);
  return v;
}
template <class T>
inline void store(u64 addr, T v) {
  std::memcpy(reinterpret_cast<void*>(addr), &v, sizeof v);
}

}  // namespace

RunResult Interpreter::run_at(u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  if (confined_) {
    // A sandbox's test alone, counting nothing, unless someone watches or
    // there is no sandbox to test.
    if (observer_) return guarded<Mode::observed>(*confined_, entry, ctx, r1, r2, r3, r4, r5);
    if (!sandboxed_) return guarded<Mode::checked>(*confined_, entry, ctx, r1, r2, r3, r4, r5);
    return guarded<Mode::confined>(*confined_, entry, ctx, r1, r2, r3, r4, r5);
  }
  return start<Mode::fast>(entry, ctx, r1, r2, r3, r4, r5);
}

RunResult Interpreter::run_checked(const MemoryGuard& regions, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3,
                                   u64 r4, u64 r5, u32 entry) {
  if (observer_) return guarded<Mode::observed>(regions, entry, ctx, r1, r2, r3, r4, r5);
  return guarded<Mode::checked>(regions, entry, ctx, r1, r2, r3, r4, r5);
}

template <Interpreter::Mode kMode>
RunResult Interpreter::guarded(const MemoryGuard& regions, u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3,
                               u64 r4, u64 r5) {
  regions_ = &regions;
  // Only the region search behind a sandbox-less guard keeps lasting regions.
  if (kMode != Mode::confined && lasting_of_ != &regions) {
    lasting_.assign(program_->size(), MemoryGuard::Span{});
    lasting_of_ = &regions;
  }
  RunResult r = start<kMode>(entry, ctx, r1, r2, r3, r4, r5);
  regions_ = nullptr;
  return r;
}

template <Interpreter::Mode kMode>
RunResult Interpreter::start(u32 entry, bpf::CallContext& ctx, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  // One run at a time (see interpreter.h): a second thread, or a helper
  // starting a top-level run of the program calling it, would share the
  // frames of the run in progress.
  UPS_ASSERT(ctx_ == nullptr);
  bpf::SubprogInvoker* saved_invoker = ctx.invoker;
  ctx.invoker = this;
  ctx.abort = false;
  ctx_ = &ctx;
  mode_ = kMode;
  budget_left_ = budget_limit_;
  executed_ = 0;
  nested_trap_ = Trap{};
  RunResult r;
  if (entry >= program_->size()) {
    r.trap = Trap{TrapKind::bad_call, entry, entry, 0, false};
  } else {
    r = exec<kMode>(this, entry, 0, r1, r2, r3, r4, r5);
  }
  r.executed += executed_;
  ctx.invoker = saved_invoker;
  ctx_ = nullptr;
  return r;
}

u64 Interpreter::invoke(u32 entry, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
  UPS_ASSERT(ctx_ != nullptr);
  const int depth = depth_ + 1;
  RunResult r;
  if (depth >= bpf::kMaxCallDepth || entry >= program_->size()) {
    r.trap = Trap{depth >= bpf::kMaxCallDepth ? TrapKind::call_depth : TrapKind::bad_call, entry, entry, 0, false};
  } else {
    const int saved_depth = depth_;
    switch (mode_) {
      case Mode::fast: r = exec<Mode::fast>(this, entry, depth, r1, r2, r3, r4, r5); break;
      case Mode::checked: r = exec<Mode::checked>(this, entry, depth, r1, r2, r3, r4, r5); break;
      case Mode::confined: r = exec<Mode::confined>(this, entry, depth, r1, r2, r3, r4, r5); break;
      case Mode::observed: r = exec<Mode::observed>(this, entry, depth, r1, r2, r3, r4, r5); break;
    }
    depth_ = saved_depth;
    executed_ += r.executed;
  }
  if (!r.ok()) {
    if (nested_trap_.kind == TrapKind::none) nested_trap_ = r.trap;
    ctx_->abort = true;
  }
  return r.r0;
}

template <Interpreter::Mode kMode>
RunResult Interpreter::exec(Interpreter* self, u32 entry, int base_depth, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5) {
#define UPS_L4(n) &&L_##n##64_imm, &&L_##n##64_reg, &&L_##n##32_imm, &&L_##n##32_reg,
#define UPS_L2(n) &&L_##n##32, &&L_##n##64,
#define UPS_L1(n) &&L_##n,
  static const void* const labels[] = {UPS_VM_ALU_OPS(UPS_L4) UPS_VM_JUMP_OPS(UPS_L4) UPS_VM_ATOMIC_OPS(UPS_L2)
                                           UPS_VM_SINGLE_OPS(UPS_L1)};
#undef UPS_L4
#undef UPS_L2
#undef UPS_L1
  static_assert(sizeof labels / sizeof labels[0] == static_cast<size_t>(VmOp::count));
  if (entry == kExportLabels) {
    RunResult table;
    table.r0 = reinterpret_cast<u64>(labels);
    return table;
  }

  // The confined loop has code of its own, threaded through its labels.
  const VmInsn* const code = kMode == Mode::confined ? self->program_->confined_insns() : self->program_->insns();
  const VmInsn* ip = code + entry;
  bpf::CallContext& ctx = *self->ctx_;
  u64 R[bpf::kNumRegs] = {0, r1, r2, r3, r4, r5, 0, 0, 0, 0, self->stack_top() - base_depth * bpf::kStackSize};
  int depth = base_depth;
  self->may_goto_[depth] = bpf::kMayGotoBudget;
  RunResult res;
  u64 executed = 0;
  u64 budget = self->budget_left_;  // local in the loop; shared with nested runs around extern calls
  // CHECKED mode: the last region the guard allowed, tested inline first;
  // forgotten when an extern call changes the guard's generation (a region
  // it found may be gone).
  constexpr bool kChecked = kMode != Mode::fast;
  // Confined runs are against a guard with a sandbox (run_at picks them):
  // its test alone, the guard's search behind it.
  constexpr bool kSandboxOnly = kMode == Mode::confined;
  [[maybe_unused]] MemoryGuard::Span last_region{}, other_region{};
  [[maybe_unused]] u64 regions_generation = 0;
  [[maybe_unused]] MemoryGuard::SandboxSpan sandbox{};
  if constexpr (kSandboxOnly) {
    sandbox = self->regions_->sandbox();
  } else if constexpr (kChecked) {
    sandbox = self->regions_->sandbox();
    // With a sandbox, regions outside it are never cached (they may go
    // during a call), so there is no generation to follow.
    if (sandbox.read_len == 0) regions_generation = self->regions_->generation();
    if (base_depth == 0 && sandbox.read_len == 0) {
      last_region = self->regions_->first_guess(0);
      other_region = self->regions_->first_guess(1);
    }
  }

  // Fast and confined: direct threading through the handler
  // ThreadedProgram::thread stored; checked and observed: through labels.
#define DISPATCH()                                    \
  do {                                                \
    if constexpr (kMode == Mode::checked || kMode == Mode::observed) { \
      ++executed;                                     \
      if constexpr (kMode == Mode::observed)          \
        if (!self->observer_->before(static_cast<u32>(ip - code), R)) \
          TRAP(TrapKind::observer, 0, 0, false);      \
      goto* labels[static_cast<u8>(ip->op)];          \
    } else {                                          \
      goto* ip->handler;                              \
    }                                                 \
  } while (0)
#define NEXT() \
  do {         \
    ++ip;      \
    DISPATCH(); \
  } while (0)
#define TRAP(kind_, addr_, size_, write_)                                                        \
  do {                                                                                           \
    res.trap = Trap{kind_, static_cast<u32>(ip - code), static_cast<u64>(addr_), static_cast<u8>(size_), write_}; \
    goto done;                                                                                   \
  } while (0)
  // CHECKED mode: the guard's sandbox, the current frame and its callers'
  // frames, then the regions.
#define CHECK(addr, size, write)                                                           \
  do {                                                                                     \
    if constexpr (kSandboxOnly) {                                                          \
      const u64 a_ = (addr);                                                               \
      if (!sandbox.holds(a_, (write))) [[unlikely]] {                                      \
        if (!self->regions_->allows(a_, (size), (write))) TRAP(TrapKind::out_of_bounds, a_, (size), (write)); \
        sandbox = self->regions_->sandbox(); /* it may have grown since it was copied */  \
      }                                                                                    \
    } else if constexpr (kChecked) {                                                       \
      const u64 a_ = (addr);                                                               \
      if (sandbox.holds(a_, (write))) break;                                               \
      const bool on_stack = a_ >= R[10] - bpf::kStackSize && a_ <= self->stack_top() - (size);   \
      /* Programs alternate between two objects (a task and a map value); */              \
      /* each instruction keeps the map region it touched last. */                        \
      if (!on_stack && !last_region.holds(a_, (size), (write)) &&                          \
          !other_region.holds(a_, (size), (write))) {                                      \
        MemoryGuard::Span& lasting_ = self->lasting_[static_cast<size_t>(ip - code)];     \
        if (!lasting_.holds(a_, (size), (write))) {                                        \
          const MemoryGuard::Span found_ = self->regions_->region_of(a_, (size), (write));  \
          if (!found_.holds(a_, (size), (write))) TRAP(TrapKind::out_of_bounds, a_, (size), (write)); \
          /* the sandbox may have grown since it was copied */                            \
          if (sandbox.read_len != 0) sandbox = self->regions_->sandbox();                  \
          if (found_.lasting) lasting_ = found_;                                           \
          else if (sandbox.read_len == 0) {                                                \
            other_region = last_region;                                                    \
            last_region = found_;                                                          \
          }                                                                                \
        }                                                                                  \
      }                                                                                    \
    }                                                                                      \
  } while (0)
#define FORGET_REGIONS_IF_CHANGED()                                  \
  do {                                                               \
    const u64 g_ = self->regions_->generation();                     \
    if (g_ != regions_generation) {                                  \
      last_region = other_region = {};                               \
      regions_generation = g_;                                       \
    }                                                                \
  } while (0)
  // An extern asked to stop, or a callback it ran trapped (that trap keeps
  // the callback's instruction).
#define ABORTED()                                                  \
  do {                                                             \
    if (self->nested_trap_.kind == TrapKind::none) TRAP(TrapKind::aborted, 0, 0, false); \
    res.trap = self->nested_trap_;                                       \
    goto done;                                                     \
  } while (0)
  // `delta`: bytes from this instruction to the target (VmInsn::off).
#define JUMP(delta)                                                                   \
  do {                                                                                \
    const s32 d_ = (delta);                                                           \
    if (d_ <= 0 && --budget == 0) TRAP(TrapKind::budget, 0, 0, false);              \
    ip = reinterpret_cast<const VmInsn*>(reinterpret_cast<const char*>(ip) + d_);     \
    DISPATCH();                                                                       \
  } while (0)

  DISPATCH();

  // ALU: a = dst, b = operand; 32-bit forms zero-extend the result.
#define ALU(name, E64, E32)                                                   \
  L_##name##64_imm : {                                                        \
    [[maybe_unused]] const u64 a = R[ip->dst], b = ip->imm;                                    \
    R[ip->dst] = (E64);                                                       \
    NEXT();                                                                   \
  }                                                                           \
  L_##name##64_reg : {                                                        \
    [[maybe_unused]] const u64 a = R[ip->dst], b = R[ip->src];                                 \
    R[ip->dst] = (E64);                                                       \
    NEXT();                                                                   \
  }                                                                           \
  L_##name##32_imm : {                                                        \
    [[maybe_unused]] const u32 a = static_cast<u32>(R[ip->dst]), b = static_cast<u32>(ip->imm); \
    R[ip->dst] = static_cast<u32>(E32);                                       \
    NEXT();                                                                   \
  }                                                                           \
  L_##name##32_reg : {                                                        \
    [[maybe_unused]] const u32 a = static_cast<u32>(R[ip->dst]), b = static_cast<u32>(R[ip->src]); \
    R[ip->dst] = static_cast<u32>(E32);                                       \
    NEXT();                                                                   \
  }
  ALU(add, a + b, a + b)
  ALU(sub, a - b, a - b)
  ALU(mul, a * b, a * b)
  ALU(div, b ? a / b : 0, b ? a / b : 0u)
  ALU(sdiv, sdiv64(a, b), sdiv32(a, b))
  ALU(bor, a | b, a | b)
  ALU(band, a & b, a & b)
  ALU(lsh, a << (b & 63), a << (b & 31))
  ALU(rsh, a >> (b & 63), a >> (b & 31))
  ALU(mod, b ? a % b : a, b ? a % b : a)
  ALU(smod, smod64(a, b), smod32(a, b))
  ALU(bxor, a ^ b, a ^ b)
  ALU(mov, b, b)
  ALU(arsh, static_cast<u64>(static_cast<s64>(a) >> (b & 63)), static_cast<u32>(static_cast<s32>(a) >> (b & 31)))
#undef ALU

  // Conditional jumps: a = dst, b = operand.
#define JCC(name, U64, U32)                                                                      \
  L_##name##64_imm : {                                                                           \
    [[maybe_unused]] const u64 a = R[ip->dst], b = ip->imm;                                                       \
    if (U64) JUMP(ip->off);                                                                      \
    NEXT();                                                                                      \
  }                                                                                              \
  L_##name##64_reg : {                                                                           \
    [[maybe_unused]] const u64 a = R[ip->dst], b = R[ip->src];                                                    \
    if (U64) JUMP(ip->off);                                                                      \
    NEXT();                                                                                      \
  }                                                                                              \
  L_##name##32_imm : {                                                                           \
    [[maybe_unused]] const u32 a = static_cast<u32>(R[ip->dst]), b = static_cast<u32>(ip->imm);                   \
    if (U32) JUMP(ip->off);                                                                      \
    NEXT();                                                                                      \
  }                                                                                              \
  L_##name##32_reg : {                                                                           \
    [[maybe_unused]] const u32 a = static_cast<u32>(R[ip->dst]), b = static_cast<u32>(R[ip->src]);                \
    if (U32) JUMP(ip->off);                                                                      \
    NEXT();                                                                                      \
  }
  JCC(jeq, a == b, a == b)
  JCC(jne, a != b, a != b)
  JCC(jgt, a > b, a > b)
  JCC(jge, a >= b, a >= b)
  JCC(jlt, a < b, a < b)
  JCC(jle, a <= b, a <= b)
  JCC(jsgt, static_cast<s64>(a) > static_cast<s64>(b), static_cast<s32>(a) > static_cast<s32>(b))
  JCC(jsge, static_cast<s64>(a) >= static_cast<s64>(b), static_cast<s32>(a) >= static_cast<s32>(b))
  JCC(jslt, static_cast<s64>(a) < static_cast<s64>(b), static_cast<s32>(a) < static_cast<s32>(b))
  JCC(jsle, static_cast<s64>(a) <= static_cast<s64>(b), static_cast<s32>(a) <= static_cast<s32>(b))
  JCC(jset, (a & b) != 0, (a & b) != 0)
#undef JCC

  // Atomics. 32-bit fetches zero-extend the old value into the register.
#define ATOMIC_RMW(name, builtin, fetch)                                       \
  L_##name##32 : {                                                             \
    const u64 addr = R[ip->dst] + static_cast<s64>(ip->off);                   \
    CHECK(addr, 4, true);                                                      \
    const u32 old = builtin(reinterpret_cast<u32*>(addr), static_cast<u32>(R[ip->src]), __ATOMIC_SEQ_CST); \
    if (fetch) R[ip->src] = old;                                               \
    NEXT();                                                                    \
  }                                                                            \
  L_##name##64 : {                                                             \
    const u64 addr = R[ip->dst] + static_cast<s64>(ip->off);                   \
    CHECK(addr, 8, true);                                                      \
    const u64 old = builtin(reinterpret_cast<u64*>(addr), R[ip->src], __ATOMIC_SEQ_CST); \
    if (fetch) R[ip->src] = old;                                               \
    NEXT();                                                                    \
  }
  ATOMIC_RMW(aadd, __atomic_fetch_add, false)
  ATOMIC_RMW(abor, __atomic_fetch_or, false)
  ATOMIC_RMW(aband, __atomic_fetch_and, false)
  ATOMIC_RMW(abxor, __atomic_fetch_xor, false)
  ATOMIC_RMW(fadd, __atomic_fetch_add, true)
  ATOMIC_RMW(fbor, __atomic_fetch_or, true)
  ATOMIC_RMW(fband, __atomic_fetch_and, true)
  ATOMIC_RMW(fbxor, __atomic_fetch_xor, true)
  ATOMIC_RMW(xchg, __atomic_exchange_n, true)
#undef ATOMIC_RMW

L_cmpxchg32 : {
  const u64 addr = R[ip->dst] + static_cast<s64>(ip->off);
  CHECK(addr, 4, true);
  u32 expected = static_cast<u32>(R[0]);
  __atomic_compare_exchange_n(reinterpret_cast<u32*>(addr), &expected, static_cast<u32>(R[ip->src]), false,
                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  R[0] = expected;
  NEXT();
}
L_cmpxchg64 : {
  const u64 addr = R[ip->dst] + static_cast<s64>(ip->off);
  CHECK(addr, 8, true);
  u64 expected = R[0];
  __atomic_compare_exchange_n(reinterpret_cast<u64*>(addr), &expected, R[ip->src], false, __ATOMIC_SEQ_CST,
                              __ATOMIC_SEQ_CST);
  R[0] = expected;
  NEXT();
}

L_neg64:
  R[ip->dst] = 0 - R[ip->dst];
  NEXT();
L_neg32:
  R[ip->dst] = static_cast<u32>(0u - static_cast<u32>(R[ip->dst]));
  NEXT();
L_movsx64_8:
  R[ip->dst] = static_cast<u64>(static_cast<s64>(static_cast<s8>(R[ip->src])));
  NEXT();
L_movsx64_16:
  R[ip->dst] = static_cast<u64>(static_cast<s64>(static_cast<s16>(R[ip->src])));
  NEXT();
L_movsx64_32:
  R[ip->dst] = static_cast<u64>(static_cast<s64>(static_cast<s32>(R[ip->src])));
  NEXT();
L_movsx32_8:
  R[ip->dst] = static_cast<u32>(static_cast<s32>(static_cast<s8>(R[ip->src])));
  NEXT();
L_movsx32_16:
  R[ip->dst] = static_cast<u32>(static_cast<s32>(static_cast<s16>(R[ip->src])));
  NEXT();
L_le16:
  R[ip->dst] = static_cast<u16>(R[ip->dst]);
  NEXT();
L_le32:
  R[ip->dst] = static_cast<u32>(R[ip->dst]);
  NEXT();
L_le64:
  NEXT();
L_be16:
  R[ip->dst] = __builtin_bswap16(static_cast<u16>(R[ip->dst]));
  NEXT();
L_be32:
  R[ip->dst] = __builtin_bswap32(static_cast<u32>(R[ip->dst]));
  NEXT();
L_be64:
  R[ip->dst] = __builtin_bswap64(R[ip->dst]);
  NEXT();
L_lddw:
  R[ip->dst] = ip->imm;
  ip += 2;
  DISPATCH();

#define LOAD(name, T, W)                                    \
  L_##name : {                                              \
    const u64 addr = R[ip->src] + static_cast<s64>(ip->off); \
    CHECK(addr, sizeof(T), false);                          \
    R[ip->dst] = static_cast<u64>(static_cast<W>(load<T>(addr))); \
    NEXT();                                                 \
  }
  LOAD(ldx8, u8, u64)
  LOAD(ldx16, u16, u64)
  LOAD(ldx32, u32, u64)
  LOAD(ldx64, u64, u64)
  LOAD(ldxs8, s8, s64)
  LOAD(ldxs16, s16, s64)
  LOAD(ldxs32, s32, s64)
#undef LOAD

#define STORE(name, T, VALUE)                               \
  L_##name : {                                              \
    const u64 addr = R[ip->dst] + static_cast<s64>(ip->off); \
    CHECK(addr, sizeof(T), true);                           \
    store<T>(addr, static_cast<T>(VALUE));                  \
    NEXT();                                                 \
  }
  STORE(st8, u8, ip->imm)
  STORE(st16, u16, ip->imm)
  STORE(st32, u32, ip->imm)
  STORE(st64, u64, ip->imm)
  STORE(stx8, u8, R[ip->src])
  STORE(stx16, u16, R[ip->src])
  STORE(stx32, u32, R[ip->src])
  STORE(stx64, u64, R[ip->src])
#undef STORE

L_ja:
  JUMP(ip->off);

  // Arena accesses (the loader marks them, vm/linked_program.h): at the
  // arena's base + the register's low 32 bits + off, which is inside the
  // arena's reservation whatever the register holds, so they need no CHECK.
#define ARENA_ADDR(reg) (self->program_->arena_base() + static_cast<u32>(R[reg]) + static_cast<s64>(ip->off))
#define ARENA_LOAD(name, T)                                        \
  L_##name : {                                                     \
    R[ip->dst] = static_cast<u64>(load<T>(ARENA_ADDR(ip->src)));    \
    NEXT();                                                        \
  }
  ARENA_LOAD(arena_ldx8, u8)
  ARENA_LOAD(arena_ldx16, u16)
  ARENA_LOAD(arena_ldx32, u32)
  ARENA_LOAD(arena_ldx64, u64)
#undef ARENA_LOAD
#define ARENA_STORE(name, T, VALUE)                                \
  L_##name : {                                                     \
    store<T>(ARENA_ADDR(ip->dst), static_cast<T>(VALUE));          \
    NEXT();                                                        \
  }
  ARENA_STORE(arena_st8, u8, ip->imm)
  ARENA_STORE(arena_st16, u16, ip->imm)
  ARENA_STORE(arena_st32, u32, ip->imm)
  ARENA_STORE(arena_st64, u64, ip->imm)
  ARENA_STORE(arena_stx8, u8, R[ip->src])
  ARENA_STORE(arena_stx16, u16, R[ip->src])
  ARENA_STORE(arena_stx32, u32, R[ip->src])
  ARENA_STORE(arena_stx64, u64, R[ip->src])
#undef ARENA_STORE
#undef ARENA_ADDR
L_cast_kern:
  R[ip->dst] = static_cast<u32>(R[ip->src]);
  NEXT();
L_cast_user : {
  const u64 lo = static_cast<u32>(R[ip->src]);
  R[ip->dst] = lo ? ip->imm | lo : 0;
  NEXT();
}
L_may_goto:
  // The frame's budget spent: jump (a backward one spends the run's
  // back-edge budget like any other).
  if (self->may_goto_[depth] == 0) JUMP(ip->off);
  --self->may_goto_[depth];
  NEXT();

L_call_extern : {
  const auto fn = reinterpret_cast<bpf::ExternFn>(ip->imm);
  self->depth_ = depth;
  self->budget_left_ = budget;
  R[0] = fn(ctx, R[1], R[2], R[3], R[4], R[5]);
  budget = self->budget_left_;
  if constexpr (kChecked && !kSandboxOnly)
    if (sandbox.read_len == 0) FORGET_REGIONS_IF_CHANGED();
  if (ctx.abort) ABORTED();
  NEXT();
}
L_callx : {
  const u64 id = R[ip->dst];
  const auto& helpers = self->program_->helpers();
  if (id >= helpers.size() || !helpers[id]) TRAP(TrapKind::bad_call, id, 0, false);
  self->depth_ = depth;
  self->budget_left_ = budget;
  R[0] = helpers[id](ctx, R[1], R[2], R[3], R[4], R[5]);
  budget = self->budget_left_;
  if constexpr (kChecked && !kSandboxOnly)
    if (sandbox.read_len == 0) FORGET_REGIONS_IF_CHANGED();
  if (ctx.abort) ABORTED();
  NEXT();
}
L_call_local : {
  if (depth + 1 >= bpf::kMaxCallDepth) TRAP(TrapKind::call_depth, 0, 0, false);
  Frame& f = self->frames_[depth++];
  self->may_goto_[depth] = bpf::kMayGotoBudget;
  f.ret = ip + 1;
  std::memcpy(f.saved, &R[6], sizeof f.saved);
  R[10] -= bpf::kStackSize;
  ip = reinterpret_cast<const VmInsn*>(reinterpret_cast<const char*>(ip) + ip->off);
  DISPATCH();
}
L_exit:
  if (depth == base_depth) {
    // Returns here rather than through `done`: merged with the trap paths,
    // the result was assembled piecewise on the stack and copied out in
    // wide loads, a store-forwarding stall on every run.
    self->budget_left_ = budget;
    RunResult ok;
    ok.r0 = R[0];
    ok.executed = executed;
    return ok;
  }
  {
    const Frame& f = self->frames_[--depth];
    std::memcpy(&R[6], f.saved, sizeof f.saved);
    R[10] += bpf::kStackSize;
    ip = f.ret;
  }
  DISPATCH();
L_invalid:
  // The second slot of an lddw; decode_program guarantees no jump lands here.
  UPS_ASSERT(false);
  goto done;

done:
  self->budget_left_ = budget;
  if (!res.ok()) res.r0 = R[0];
  res.executed = executed;
  return res;
#undef DISPATCH
#undef NEXT
#undef TRAP
#undef CHECK
#undef JUMP
#undef ABORTED
#undef FORGET_REGIONS_IF_CHANGED
}

const void* const* Interpreter::fast_handlers() {
  static const void* const* table = reinterpret_cast<const void* const*>(
      exec<Mode::fast>(nullptr, kExportLabels, 0, 0, 0, 0, 0, 0).r0);
  return table;
}

const void* const* Interpreter::confined_handlers() {
  static const void* const* table = reinterpret_cast<const void* const*>(
      exec<Mode::confined>(nullptr, kExportLabels, 0, 0, 0, 0, 0, 0).r0);
  return table;
}

template RunResult Interpreter::exec<Interpreter::Mode::fast>(Interpreter*, u32, int, u64, u64, u64, u64, u64);
template RunResult Interpreter::exec<Interpreter::Mode::checked>(Interpreter*, u32, int, u64, u64, u64, u64, u64);
template RunResult Interpreter::exec<Interpreter::Mode::observed>(Interpreter*, u32, int, u64, u64, u64, u64, u64);
template RunResult Interpreter::exec<Interpreter::Mode::confined>(Interpreter*, u32, int, u64, u64, u64, u64, u64);

}  // namespace ups::vm
