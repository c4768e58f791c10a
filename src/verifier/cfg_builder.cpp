// Control-flow structure and register liveness of a program.
#include "verifier/cfg_builder.h"

#include <algorithm>
#include <deque>
#include <set>

#include <fmt/format.h>

namespace ups::verifier {
namespace op = bpf::op;
namespace {

constexpr u16 kArgRegs = 0b111110;     // r1..r5
constexpr u16 kCallClobber = 0b111111; // r0..r5
constexpr u16 kFp = 1u << 10;

struct UseDef {
  u16 use = 0, def = 0;
};

u16 bit(u8 r) { return static_cast<u16>(1u << r); }

struct UseDefOf {
  UseDef operator()(const Alu& a) const {
    UseDef u;
    u.def = bit(a.dst);
    if (a.op != op::MOV) u.use |= bit(a.dst);
    if (a.src.is_reg && a.op != op::NEG && a.op != op::END) u.use |= bit(a.src.reg);
    return u;
  }
  UseDef operator()(const Jump& j) const {
    UseDef u;
    if (j.op != op::JA) {
      u.use |= bit(j.dst);
      if (j.src.is_reg) u.use |= bit(j.src.reg);
    }
    return u;
  }
  UseDef operator()(const LoadImm64& l) const { return {0, bit(l.dst)}; }
  UseDef operator()(const Mem& m) const {
    if (m.is_load) return {bit(m.base), bit(m.value.reg)};
    return {static_cast<u16>(bit(m.base) | (m.value.is_reg ? bit(m.value.reg) : 0)), 0};
  }
  UseDef operator()(const Atomic& a) const {
    UseDef u{static_cast<u16>(bit(a.base) | bit(a.src)), 0};
    if (a.op == op::ATOMIC_CMPXCHG) {
      u.use |= 1;
      u.def |= 1;
    } else if (a.op & op::ATOMIC_FETCH) {
      u.def |= bit(a.src);
    }
    return u;
  }
  UseDef operator()(const Call&) const { return {kArgRegs, kCallClobber}; }
  UseDef operator()(const Exit&) const { return {1, 0}; }
};

}  // namespace

u32 Cfg::function_end(u32 entry) const {
  auto it = std::upper_bound(functions.begin(), functions.end(), entry);
  return it == functions.end() ? static_cast<u32>(insns.size()) : *it;
}

tl::expected<Cfg, CfgError> build_cfg(const ProgramInfo& info, const CallArgs& call_args) {
  const u32 n = static_cast<u32>(info.insns.size());
  bpf::Code code(info.insns);
  auto fail = [](u32 pc, std::string msg) { return tl::unexpected<CfgError>(CfgError{pc, std::move(msg)}); };
  if (info.entry >= n) return fail(info.entry, "the program is empty");

  Cfg cfg;
  cfg.insns.resize(n);
  cfg.slots.assign(n, 1);
  cfg.prune_point.assign(n, false);
  cfg.function_of.assign(n, 0);
  cfg.live_in.assign(n, 0);

  // Discover functions first (entries can only be known by decoding).
  std::set<u32> funcs{info.entry};
  std::deque<u32> work{info.entry};
  std::vector<bool> seen(n, false);
  std::vector<std::vector<u32>> succ(n);
  while (!work.empty()) {
    u32 pc = work.front();
    work.pop_front();
    if (pc >= n) continue;
    if (seen[pc]) continue;
    seen[pc] = true;
    u32 slots = 1;
    auto ins = decode(code, pc, &slots);
    if (!ins) return fail(pc, ins.error().message);
    cfg.insns[pc] = *ins;
    cfg.slots[pc] = static_cast<u8>(slots);
    auto add = [&](u32 t) {
      succ[pc].push_back(t);
      work.push_back(t);
    };
    if (auto* j = std::get_if<Jump>(&*ins)) {
      add(j->target);
      cfg.prune_point[j->target] = true;
      if (j->op != op::JA) {
        if (pc + 1 < n) cfg.prune_point[pc + 1] = true;
        add(pc + 1);
      }
    } else if (std::holds_alternative<Exit>(*ins)) {
      // no successor
    } else {
      if (auto* c = std::get_if<Call>(&*ins); c && c->to == Call::To::local) {
        funcs.insert(c->target);
        work.push_back(c->target);
        cfg.prune_point[c->target] = true;
        if (pc + 1 < n) cfg.prune_point[pc + 1] = true;
      }
      if (auto* l = std::get_if<LoadImm64>(&*ins); l && l->what == LoadImm64::What::func) {
        funcs.insert(l->index);
        work.push_back(l->index);
        cfg.prune_point[l->index] = true;
      }
      if (pc + slots >= n) return fail(pc, "the last instruction falls off the end of the program");
      add(pc + slots);
    }
  }
  cfg.functions.assign(funcs.begin(), funcs.end());

  // Every reachable instruction belongs to the function it sits in; jumps
  // and fall-through must not cross into another function.
  for (u32 pc = 0; pc < n; ++pc) {
    if (!cfg.insns[pc]) continue;
    auto it = std::upper_bound(cfg.functions.begin(), cfg.functions.end(), pc);
    if (it == cfg.functions.begin()) return fail(pc, "instruction before the program entry");
    u32 f = *std::prev(it);
    cfg.function_of[pc] = f;
    u32 end = cfg.function_end(f);
    if (cfg.slots[pc] == 2 && pc + 1 < n && cfg.insns[pc + 1])
      return fail(pc + 1, "jump into the middle of an lddw instruction");
    for (u32 t : succ[pc]) {
      if (t < f || t >= end)
        return fail(pc, fmt::format("jump from function at {} to instruction {} in another function", f, t));
    }
  }

  // Backward liveness, to a fixpoint.
  cfg.uses.assign(n, 0);
  cfg.defs.assign(n, 0);
  std::vector<u16> live_out(n, 0);
  bool changed = true;
  while (changed) {
    changed = false;
    for (u32 i = n; i-- > 0;) {
      if (!cfg.insns[i]) continue;
      u16 out = 0;
      for (u32 t : succ[i]) out |= cfg.live_in[t];
      UseDef ud = std::visit(UseDefOf{}, *cfg.insns[i]);
      // A call of a local function passes only the arguments its body
      // reads before writing them (the rest are clobbered by the call).
      if (auto* c = std::get_if<Call>(&*cfg.insns[i]); c && c->to == Call::To::local && c->target < n)
        ud.use = static_cast<u16>(cfg.live_in[c->target] & kArgRegs);
      else if (c && call_args)
        ud.use = static_cast<u16>(call_args(*c) & kArgRegs);
      cfg.uses[i] = ud.use;
      cfg.defs[i] = ud.def;
      u16 in = static_cast<u16>(ud.use | (out & ~ud.def) | kFp);
      if (in != cfg.live_in[i] || out != live_out[i]) {
        cfg.live_in[i] = in;
        live_out[i] = out;
        changed = true;
      }
    }
  }
  return cfg;
}

}  // namespace ups::verifier
