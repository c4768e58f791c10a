// The analyzer: explores every path of the program depth-first, as Linux
// does, with the transformer giving each instruction's effect. At prune
// points (jump targets, branch fall-throughs, call returns) it keeps the
// states it has seen: a new state within a finished one is pruned (already
// shown safe); a new state within an unfinished state on its own path means
// the loop between them may never end, and the program is rejected. A budget
// of processed instructions bounds the work on loops that do end.
// A finished state is compared only on the registers some path from it read
// (marked up the path as Linux marks REG_LIVE_READ), and a new state no
// finished one covers goes on joined with one's differing scalars, so that
// paths splitting on numbers no check depends on meet again.
//
// The cost is bounded by design (docs/robustness.md, "Verifier cost"), like
// Linux's explored-states lists: each program point keeps at most
// kOpenPerPoint states still in progress and kDonePerPoint finished ones
// (the oldest in-progress state is forgotten, the finished state that
// prunes least is evicted), a new checkpoint is taken only every few prune
// points on a path, and at most kMaxPending branches wait to be explored. So
// each processed instruction costs at most one step and
// kOpenPerPoint + kDonePerPoint state comparisons, and the memory held is
// bounded by the points times the caps, whatever the program.
#include <algorithm>
#include <array>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "bpf/isa/disassembler.h"
#include "verifier/cfg_builder.h"
#include "verifier/transformer.h"
#include "verifier/verifier.h"

namespace ups::verifier {

std::string VerifyError::to_string() const {
  std::string s = fmt::format("{}: instruction {}: `{}`", callback, insn, text);
  if (!source.empty()) s += fmt::format(" ({})", source);
  return s + ": " + message;
}

namespace {

// Registers of each frame (index: frame depth), a bit per register.
using FrameRegs = std::array<u16, bpf::kMaxCallDepth + 1>;

struct Checkpoint {
  State st;          // emptied once the checkpoint is forgotten
  s32 parent = -1;
  u32 pc = 0;
  u32 branches = 1;  // paths through it not yet finished
  u32 hits = 0, misses = 0;
  bool kept = true;  // st is in its point's open or done list
  u32 frames = 0;    // st's call depth (kept when st is forgotten)
  // Registers some path from here read before writing them (Linux's
  // REG_LIVE_READ): once the checkpoint is finished, the others never
  // mattered, and a new state may hold anything in them.
  FrameRegs read{};
  // Registers written on the path from the parent checkpoint to this one:
  // a read here of one of them did not read the parent's value.
  FrameRegs written_since_parent{};
};

// The states one program point keeps, each list bounded.
struct PointStates {
  std::vector<u32> open;  // in progress, oldest first
  std::vector<u32> done;  // finished (proven safe)
};

constexpr size_t kOpenPerPoint = VerifyLimits::kOpenPerPoint;
constexpr size_t kDonePerPoint = VerifyLimits::kDonePerPoint;
constexpr size_t kMaxPending = VerifyLimits::kMaxPending;
// A path takes a new checkpoint at a point that has some only after this
// many prune points since its last one (Linux: 20 jumps or 100
// instructions), so a loop stores one state per few passes, not per pass.
constexpr u32 kPrunePointsPerCheckpoint = 4;
constexpr u64 kInsnsPerCheckpoint = 32;
// Forgotten states whose buffers are kept for reuse.
constexpr size_t kSpareStates = 64;

struct Pending {
  State st;
  u32 pc = 0;
  s32 cp = -1;
  FrameRegs written{};  // since cp, on this path
};

class Explorer {
public:
  Explorer(const ProgramInfo& info, const ApiSet& api, const Cfg& cfg, size_t object_maps,
           const VerifyOptions& opts, VerifyResult& res)
      : info_(info), cfg_(cfg), opts_(opts), res_(res), tr_(info, api, cfg, object_maps), at_(cfg.insns.size()) {
    tr_.skip_map_value_bounds_for_tests(opts.test_skip_map_value_bounds);
    // Calls that advance an iterator are loop heads as well.
    auto advances = [](const ApiSet* a, s32 id) {
      const Prototype* p = a ? a->kfunc(static_cast<u32>(id)) : nullptr;
      return p && p->special == Special::iter_next;
    };
    for (u32 pc = 0; pc < cfg.insns.size(); ++pc)
      if (cfg.insns[pc])
        if (auto* c = std::get_if<Call>(&*cfg.insns[pc]); c && c->to == Call::To::kfunc)
          may_iterate_[pc] = advances(&api, c->id) || advances(api.timer_api(), c->id);
    // may_goto: its budget bounds the loop it is in, at run time.
    for (u32 pc = 0; pc < cfg.insns.size(); ++pc)
      if (cfg.insns[pc])
        if (auto* j = std::get_if<Jump>(&*cfg.insns[pc]); j && j->op == bpf::op::JCOND) may_goto_[pc] = may_iterate_[pc] = true;
  }

  void run() {
    pending_.push_back({tr_.initial_state(), info_.entry, -1, {}});
    while (!pending_.empty() && !res_.error) {
      Pending p = std::move(pending_.back());
      pending_.pop_back();
      written_ = p.written;
      explore(std::move(p.st), p.pc, p.cp);
    }
    res_.stats.states = cps_.size();
    if (!res_.error) check_combined_stack();
    for (const auto& [pc, arena] : tr_.arena_accesses())
      if (arena) res_.arena_insns.push_back(pc);
  }

private:
  // Linux's limit that programs written for it rely on: the stacks of a
  // chain of BPF-to-BPF calls together at most 512 bytes, each frame
  // counted as Linux counts it (its depth rounded up to 32, at least 32).
  // upsched gives every frame 512 bytes of its own, so this is parity, not
  // safety: a program Linux refuses is refused here too, naming the chain.
  void check_combined_stack() {
    auto frame_bytes = [&](u32 fn) {
      const auto it = tr_.stack_depths().find(fn);
      const u32 d = it == tr_.stack_depths().end() ? 0 : it->second;
      return (std::max<u32>(d, 1) + 31) / 32 * 32;
    };
    // The call sites of each function (its local calls, in order).
    std::map<u32, std::vector<std::pair<u32, u32>>> calls;  // caller -> (pc, callee)
    for (u32 pc = 0; pc < cfg_.insns.size(); ++pc)
      if (cfg_.insns[pc])
        if (auto* c = std::get_if<Call>(&*cfg_.insns[pc]); c && c->to == Call::To::local)
          calls[cfg_.function_of[pc]].emplace_back(pc, c->target);
    // The deepest chain from the entry (call depth is at most 8, and
    // recursion was refused, so the walk ends).
    struct Chain {
      u32 bytes = 0;
      std::vector<std::pair<u32, u32>> hops;  // (call pc, callee)
    };
    std::function<Chain(u32, u32)> deepest = [&](u32 fn, u32 depth) {
      Chain best;
      if (depth < static_cast<u32>(bpf::kMaxCallDepth))
        for (const auto& [pc, callee] : calls[fn]) {
          Chain c = deepest(callee, depth + 1);
          c.hops.insert(c.hops.begin(), {pc, callee});
          if (c.bytes > best.bytes) best = std::move(c);
        }
      best.bytes += frame_bytes(fn);
      return best;
    };
    const Chain c = deepest(info_.entry, 1);
    if (c.bytes <= static_cast<u32>(bpf::kStackSize) || c.hops.empty()) return;
    std::string chain = fmt::format("{} ({} bytes)", info_.ctx.callback, frame_bytes(info_.entry));
    for (const auto& [pc, callee] : c.hops) {
      const std::string src = info_.source_line ? info_.source_line(pc) : std::string();
      chain += fmt::format(" -> the function at instruction {} ({} bytes; called at instruction {}{})", callee,
                           frame_bytes(callee), pc, src.empty() ? "" : ", " + src);
    }
    fail(c.hops.back().first,
         fmt::format("the combined stack of the call chain {} is {} bytes; Linux allows {}", chain, c.bytes,
                     bpf::kStackSize));
  }

  // Adds a branch to explore later, or fails once too many wait.
  bool push_pending(u32 from, State st, u32 pc, s32 cp, const FrameRegs& written) {
    if (pending_.size() >= kMaxPending) {
      const auto loop = busiest_loop();
      fail(loop ? loop->edge : from,
           fmt::format("the program is too complex to verify: more than {} branches wait to be explored; {} may "
                       "not be bounded",
                       kMaxPending, loop ? "the loop back " + loop->to : std::string("a loop")),
           &st);
      return false;
    }
    pending_.push_back({std::move(st), pc, cp, written});
    res_.stats.max_pending = std::max<u64>(res_.stats.max_pending, pending_.size());
    return true;
  }

  void fail(u32 pc, std::string msg, const State* st = nullptr) {
    VerifyError e;
    e.callback = info_.ctx.callback;
    if (st && st->timer_callback)
      e.callback += fmt::format(" (timer callback at instruction {})", st->frames.front().subprog);
    e.insn = pc;
    if (pc < info_.insns.size()) e.text = bpf::disassemble_at(info_.insns, pc);
    if (info_.source_line) e.source = info_.source_line(pc);
    e.message = std::move(msg);
    res_.error = std::move(e);
  }

  // One path through cp ended; a checkpoint whose paths all ended moves to
  // its point's finished states.
  void finish(s32 cp) {
    while (cp >= 0) {
      if (--cps_[cp].branches > 0) return;
      if (cps_[cp].kept) settle(static_cast<u32>(cp));
      cp = cps_[cp].parent;
    }
  }

  void settle(u32 idx) {
    PointStates& ps = at_[cps_[idx].pc];
    std::erase(ps.open, idx);
    if (ps.done.size() >= kDonePerPoint) {
      // Evict the finished state that pruned least for how often it missed.
      auto score = [&](u32 i) { return static_cast<s64>(cps_[i].hits) * 4 - static_cast<s64>(cps_[i].misses); };
      auto victim = std::min_element(ps.done.begin(), ps.done.end(), [&](u32 a, u32 b) { return score(a) < score(b); });
      forget(*victim);
      ps.done.erase(victim);
    }
    ps.done.push_back(idx);
  }

  // Its state's buffers go to spare_ for the next checkpoint: freeing and
  // allocating them anew made glibc trim and re-fault the heap on every
  // eviction (1.5x slower on 100k-instruction programs).
  void forget(u32 idx) {
    if (spare_.size() < kSpareStates) spare_.push_back(std::move(cps_[idx].st));
    cps_[idx].st = State{};
    cps_[idx].kept = false;
  }

  // A copy of st in a recycled state when there is one (copy-assignment
  // reuses the frames' and slots' capacity).
  State stored_copy(const State& st) {
    if (spare_.empty()) return st;
    State s = std::move(spare_.back());
    spare_.pop_back();
    s = st;
    return s;
  }

  bool is_ancestor(u32 idx, s32 cp) const {
    for (; cp >= 0; cp = cps_[cp].parent)
      if (static_cast<u32>(cp) == idx) return true;
    return false;
  }

  std::vector<u16> live_regs(const State& st, u32 pc) const {
    std::vector<u16> live(st.frames.size());
    for (size_t f = 0; f < st.frames.size(); ++f) {
      u32 at = f + 1 == st.frames.size() ? pc : st.frames[f + 1].return_to;
      live[f] = at < cfg_.live_in.size() ? cfg_.live_in[at] : 0xffff;
    }
    return live;
  }

  // Registers of `frame` that this path reads (before writing them since
  // its checkpoint cp): each checkpoint up the path whose value they are
  // is marked as having them read, as Linux's mark_reg_read does.
  void mark_read(size_t frame, u16 regs, s32 cp) {
    regs &= static_cast<u16>(~written_[frame]);
    for (; cp >= 0 && regs != 0; cp = cps_[cp].parent) {
      Checkpoint& c = cps_[cp];
      if (frame >= c.frames) return;  // the frame did not exist yet
      // Bits already marked were marked up the path as well.
      regs &= static_cast<u16>(~c.read[frame]);
      c.read[frame] |= regs;
      regs &= static_cast<u16>(~c.written_since_parent[frame]);
    }
  }

  // The registers of a finished checkpoint that matter to a new state:
  // those live (statically) and read by some path from it.
  // (In read_buf_, reused: this runs for every finished state compared.)
  const std::vector<u16>& read_regs(const Checkpoint& c, const std::vector<u16>& live) {
    read_buf_.assign(live.begin(), live.end());
    for (size_t f = 0; f < read_buf_.size() && f < c.read.size(); ++f) read_buf_[f] &= c.read[f];
    return read_buf_;
  }

  // A path pruned by `by`: it would have read what paths from `by` read
  // (Linux's propagate_liveness), or, by an unfinished state, whatever is live.
  void mark_pruned_reads(const State& st, const std::vector<u16>& regs, s32 cp) {
    for (size_t f = 0; f < st.frames.size() && f < regs.size(); ++f) mark_read(f, regs[f], cp);
  }

  // True when the path ends here (pruned); false to go on. May set an error.
  bool prune(State& st, u32 pc, s32& cp) {
    const auto live = live_regs(st, pc);
    PointStates& ps = at_[pc];
    ++prune_points_seen_;
    // A callback called again, or an iterator advanced again: the callback's
    // caller or the iterator bounds the repetition, so coming back to a
    // state already seen on this path means the loop has converged.
    // A may_goto likewise: its budget ends the loop (Linux prunes a state
    // at a may_goto that an earlier pass's state contains).
    const bool reentry = (st.top().is_callback && pc == st.top().subprog) ||
                         tr_.advances_live_iterator(st, pc) || may_goto_[pc];
    if (reentry) {
      // Numbers that changed since an earlier pass on this path are widened
      // to unknown, so the passes converge.
      for (u32 idx : ps.open)
        if (is_ancestor(idx, cp)) widen(st, cps_[idx].st);
    }
    bool evict = false;
    for (u32 idx : ps.done) {
      Checkpoint& c = cps_[idx];
      const auto& read = read_regs(c, live);
      if (!subsumed_by(st, c.st, read)) {
        // Like Linux, forget finished states that keep missing.
        if (++c.misses > c.hits * 3 + 3) evict = true;
        continue;
      }
      ++c.hits;
      ++res_.stats.pruned;
      mark_pruned_reads(st, read, cp);
      return true;
    }
    if (evict) {
      std::erase_if(ps.done, [&](u32 idx) {
        if (cps_[idx].misses <= cps_[idx].hits * 3 + 3) return false;
        forget(idx);
        return true;
      });
    }
    for (size_t k = ps.open.size(); k-- > 0;) {
      const u32 idx = ps.open[k];
      if (!subsumed_by(st, cps_[idx].st, live)) continue;
      ++cps_[idx].hits;
      if (reentry) {
        ++res_.stats.pruned;
        mark_pruned_reads(st, live, cp);
        return true;
      }
      if (is_ancestor(idx, cp) && same_iteration(st, cps_[idx].st)) {
        const auto loop = loop_edge(pc);
        fail(loop ? loop->edge : pc,
             fmt::format("infinite loop: the program can come back {} in a state it was already in, so the loop has "
                         "no provable bound; bound it with a counter the verifier can see, or use bpf_loop",
                         loop ? loop->to : std::string("here")),
             &st);
        return true;
      }
    }
    // A state no finished one covers goes on joined with the newest that
    // differs from it in scalar numbers (those its paths read): the scalars
    // widened to cover both. Paths that split on values no check depends
    // on (a null test of an arena pointer, an error code) then meet again
    // instead of multiplying, as Linux's imprecise scalars let them. Sound:
    // the joined state holds every value cur does, and it costs no more
    // paths than cur (it replaces it).
    bool joined = false;
    if (!reentry)
      for (size_t k = ps.done.size(); k-- > 0 && !joined;)
        if (auto j = join_scalars(st, cps_[ps.done[k]].st, read_regs(cps_[ps.done[k]], live))) {
          st = std::move(*j);
          ++res_.stats.joins;
          joined = true;
        }
    // A new checkpoint: always where the point has none or the pass
    // re-enters a bounded repetition (its convergence needs every pass)
    // or a join (it stands for the states it covers), otherwise only
    // after enough work on this path since the last one.
    const bool due = prune_points_seen_ - last_checkpoint_at_.first >= kPrunePointsPerCheckpoint ||
                     res_.stats.insns_processed - last_checkpoint_at_.second >= kInsnsPerCheckpoint;
    if (!reentry && !joined && !due && !(ps.open.empty() && ps.done.empty())) return false;
    if (ps.open.size() >= kOpenPerPoint) {
      forget(ps.open.front());
      ps.open.erase(ps.open.begin());
    }
    cps_.push_back(Checkpoint{stored_copy(st), cp, pc, 1});
    cps_.back().frames = static_cast<u32>(st.frames.size());
    cps_.back().written_since_parent = written_;
    written_ = {};
    cp = static_cast<s32>(cps_.size() - 1);
    ps.open.push_back(static_cast<u32>(cp));
    last_checkpoint_at_ = {prune_points_seen_, res_.stats.insns_processed};
    res_.stats.max_states_per_point =
        std::max<u64>(res_.stats.max_states_per_point, ps.open.size() + ps.done.size());
    return false;
  }

  static void widen_value(Value& cur, const Value& old) {
    if (cur.kind == Kind::scalar && old.kind == Kind::scalar && !cur.num.subset_of(old.num)) {
      cur.num = Scalar::top();
      cur.id = 0;
    } else if (cur.is_pointer() && cur.kind == old.kind && cur.target == old.target && !cur.num.subset_of(old.num)) {
      // A pointer that moves on each pass: any offset pointer arithmetic
      // allows (accesses through it then need a bound the program checks).
      cur.num = Scalar::srange(-kMaxPtrOff, kMaxPtrOff);
    }
  }
  static void widen(State& cur, const State& old) {
    if (cur.frames.size() != old.frames.size()) return;
    for (size_t f = 0; f < cur.frames.size(); ++f) {
      Frame& c = cur.frames[f];
      const Frame& o = old.frames[f];
      for (int r = 0; r < bpf::kNumRegs; ++r) widen_value(c.regs[r], o.regs[r]);
      for (size_t i = 0; i < c.slots.size() && i < o.slots.size(); ++i)
        if (c.slots[i].has_spill() && o.slots[i].has_spill()) widen_value(c.slots[i].spill, o.slots[i].spill);
    }
  }

  // The oracle's view of this path at pc (see claims.h).
  void claim(const State& st, u32 pc) {
    if (res_.claims.size() < cfg_.insns.size()) res_.claims.resize(cfg_.insns.size());
    InsnClaim& c = res_.claims[pc];
    c.reached = true;
    // The registers the instruction reads: a register live only on paths no
    // state reaching here explored may hold anything (pruning ignores what
    // no explored path read), and every value that matters is read.
    c.live |= pc < cfg_.uses.size() ? cfg_.uses[pc] : 0xffff;
    for (int r = 0; r < bpf::kNumRegs; ++r) c.add(r, st.reg(r));
  }

  void explore(State st, u32 pc, s32 cp) {
    for (;;) {
      if (++res_.stats.insns_processed > opts_.insn_budget) {
        const auto loop = busiest_loop();
        fail(loop ? loop->edge : pc,
             fmt::format("the program is too complex to verify: more than {} instructions processed; {} may not be "
                         "bounded",
                         opts_.insn_budget, loop ? "the loop back " + loop->to : std::string("a loop")),
             &st);
        return;
      }
      if (opts_.progress && res_.stats.insns_processed % opts_.progress_every == 0) {
        res_.stats.states = cps_.size();
        opts_.progress(info_.ctx.callback, res_.stats);
      }
      if (pc >= cfg_.insns.size() || !cfg_.insns[pc] || cfg_.function_of[pc] != st.top().subprog) {
        fail(pc, "execution runs past the end of its function", &st);
        return;
      }
      res_.stats.max_call_depth = std::max<u32>(res_.stats.max_call_depth, static_cast<u32>(st.frames.size()));
      if ((cfg_.prune_point[pc] || may_iterate_[pc]) && prune(st, pc, cp)) {
        if (!res_.error) finish(cp);
        return;
      }
      if (opts_.log && log_lines_ < opts_.log_limit) {
        res_.log += fmt::format("{}: {} ; {}\n", pc, bpf::disassemble_at(info_.insns, pc), tr_.describe_regs(st));
        ++log_lines_;
      }
      if (!info_.poisoned.empty())
        if (auto it = info_.poisoned.find(pc); it != info_.poisoned.end()) {
          fail(pc, it->second + "; this instruction is reachable", &st);
          return;
        }
      if (opts_.claims) claim(st, pc);
      const size_t top = st.frames.size() - 1;
      mark_read(top, cfg_.uses[pc], cp);
      StepOut o = tr_.step(st, pc);
      if (o.flow == StepOut::Flow::error) {
        fail(pc, std::move(o.error), &st);
        return;
      }
      // What the step wrote: its registers' definitions, and every
      // register of a frame it began (a call's callee).
      FrameRegs after = written_;
      after[top] |= cfg_.defs[pc];
      auto written_in = [&](const State& s) {
        FrameRegs w = after;
        for (size_t f = top + 1; f < s.frames.size() && f < w.size(); ++f) w[f] = 0xffff;
        return w;
      };
      for (auto& [fst, fpc] : o.forks) {
        const FrameRegs w = written_in(fst);
        if (!push_pending(pc, std::move(fst), fpc, cp, w)) return;
        if (cp >= 0) ++cps_[cp].branches;
      }
      for (auto& [rst, rpc] : o.roots)
        if (!push_pending(pc, std::move(rst), rpc, -1, FrameRegs{})) return;
      written_ = written_in(st);
      if (o.flow == StepOut::Flow::exit) {
        if (opts_.log && log_lines_ < opts_.log_limit) {
          res_.log += "-- path ends\n";
          ++log_lines_;
        }
        finish(cp);
        return;
      }
      if (o.flow == StepOut::Flow::next) note_jump(pc, o.pc);
      for (auto& [fst, fpc] : o.forks) note_jump(pc, fpc);
      pc = o.pc;
    }
  }

  // A jump from `from` to `to` at or before it closes a loop: remember the
  // edge, so that a loop the verifier cannot bound is pinned to its back
  // edge and source line (where the author decides whether it repeats),
  // not to where the analysis happened to be.
  void note_jump(u32 from, u32 to) {
    if (to > from || to >= back_edge_to_.size() || !cfg_.insns[from] || !std::holds_alternative<Jump>(*cfg_.insns[from]))
      return;
    back_edge_to_[to] = from + 1;
    jumps_back_to_[from] = to;
    ++back_edge_runs_[from];
  }

  // A loop the verifier cannot bound, as reported: at its back edge (the
  // jump that repeats it), saying "to instruction H (file.c:line)".
  struct LoopEdge {
    u32 edge = 0;
    std::string to;
  };

  LoopEdge loop(u32 edge, u32 head) const {
    LoopEdge e{edge, fmt::format("to instruction {}", head)};
    if (info_.source_line)
      if (std::string src = info_.source_line(head); !src.empty()) e.to += " (" + src + ")";
    return e;
  }

  // The loop with head `head`, if a jump back to it was taken: its last.
  std::optional<LoopEdge> loop_edge(u32 head) const {
    if (head >= back_edge_to_.size() || back_edge_to_[head] == 0) return std::nullopt;
    return loop(back_edge_to_[head] - 1, head);
  }

  // The loop whose back edge was taken most (the work ran out in it).
  std::optional<LoopEdge> busiest_loop() const {
    u32 best = 0;
    u64 runs = 0;
    for (u32 i = 0; i < back_edge_runs_.size(); ++i)
      if (back_edge_runs_[i] > runs) runs = back_edge_runs_[i], best = i;
    if (runs == 0) return std::nullopt;
    return loop(best, jumps_back_to_[best]);
  }

  const ProgramInfo& info_;
  const Cfg& cfg_;
  const VerifyOptions& opts_;
  VerifyResult& res_;
  Transformer tr_;
  std::vector<Checkpoint> cps_;
  std::vector<PointStates> at_;
  std::vector<State> spare_;  // buffers of forgotten states, reused
  u64 prune_points_seen_ = 0;
  std::pair<u64, u64> last_checkpoint_at_{0, 0};  // prune points seen, instructions processed
  std::vector<Pending> pending_;
  FrameRegs written_{};  // registers written on this path since its checkpoint
  std::vector<u16> read_buf_;
  std::vector<bool> may_iterate_ = std::vector<bool>(cfg_.insns.size(), false);
  std::vector<bool> may_goto_ = std::vector<bool>(cfg_.insns.size(), false);
  // By loop head: 1 + the instruction of the last jump back to it (0: none).
  std::vector<u32> back_edge_to_ = std::vector<u32>(cfg_.insns.size(), 0);
  std::vector<u64> back_edge_runs_ = std::vector<u64>(cfg_.insns.size(), 0);  // by jump instruction
  std::vector<u32> jumps_back_to_ = std::vector<u32>(cfg_.insns.size(), 0);   // by jump instruction: its head
  size_t log_lines_ = 0;
};

// The arguments a helper or kfunc call reads: those its prototype names
// (one with special effects or a format: all five), under either API set
// (a timer callback calls with the timer's).
u16 call_args(const ApiSet& api, const Call& c) {
  auto read = [&](const ApiSet* a) -> u16 {
    const Prototype* p = !a                          ? nullptr
                         : c.to == Call::To::helper ? a->helper(static_cast<u32>(c.id))
                                                    : a->kfunc(static_cast<u32>(c.id));
    if (!p || p->special != Special::none || p->format) return 0b111110;
    u16 r = 0;
    for (int i = 0; i < 5; ++i) {
      const ArgSpec& a = p->args[i];
      if (a.kind != ArgKind::none) r |= static_cast<u16>(1u << (i + 1));
      // memory without a fixed size: its size is the next register
      const bool sized_by_next = (a.kind == ArgKind::mem || a.kind == ArgKind::mem_uninit) && a.size == 0;
      if (sized_by_next && i + 2 <= 5) r |= static_cast<u16>(1u << (i + 2));
    }
    return r;
  };
  return static_cast<u16>(read(&api) | (api.timer_api() ? read(api.timer_api()) : 0));
}

}  // namespace

VerifyResult verify(const ProgramInfo& info, const ApiSet& api, const VerifyOptions& opts) {
  VerifyResult res;
  auto cfg = build_cfg(info, [&](const Call& c) { return call_args(api, c); });
  if (!cfg) {
    VerifyError e;
    e.callback = info.ctx.callback;
    e.insn = cfg.error().insn;
    if (e.insn < info.insns.size()) e.text = bpf::disassemble_at(info.insns, e.insn);
    if (info.source_line) e.source = info.source_line(e.insn);
    e.message = cfg.error().message;
    res.error = std::move(e);
    return res;
  }
  // A map of maps holds maps of its inner definition: give each such inner
  // map an index after the object's own, so lookups can return it.
  const bool has_inner = std::any_of(info.maps.begin(), info.maps.end(), [](const bpf::MapDef& m) { return m.inner != nullptr; });
  if (!has_inner) {
    Explorer(info, api, *cfg, info.maps.size(), opts, res).run();
    return res;
  }
  ProgramInfo with_inner = info;
  for (const auto& m : info.maps)
    if (m.inner) {
      with_inner.maps.push_back(*m.inner);
      if (with_inner.maps.back().name.empty()) with_inner.maps.back().name = m.name + ".inner";
    }
  Explorer(with_inner, api, *cfg, info.maps.size(), opts, res).run();
  return res;
}

}  // namespace ups::verifier
