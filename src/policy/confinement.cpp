// The confined policy's memory and the argument checks of its calls (see
// confinement.h).
#include "policy/confinement.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helper_protos.h"
#include "bpf/helpers/helpers.h"
#include "bpf/maps/ringbuf_map.h"
#include "policy/bpf_policy.h"
#include "policy/kernel_abi/kernel_types.h"
#include "policy/kernel_abi/scx_api.h"
#include "policy/kfuncs.h"

namespace ups::policy {

u64 PolicyMemory::generation() const {
  // Maps are left out: their values never move and are freed only with the
  // policy, so their regions only grow (refresh_maps finds new ones).
  return host_.mirrors().generation() + host_.cpumasks_generation() + host_.objects().generation();
}

bool PolicyMemory::refresh_maps() const {
  u64 generation = 0;
  for (const auto& m : host_.maps()) generation += m->region_generation();
  if (generation == maps_generation_) return false;
  maps_.clear();
  for (const auto& m : host_.maps())
    m->for_each_region([&](void* p, std::size_t size, bool writable) {
      const u64 b = reinterpret_cast<u64>(p);
      maps_.push_back(Region{b, b + size, writable, true});
    });
  // Disjoint: sorted, a lookup is a binary search (a hash map has a region
  // per element).
  std::sort(maps_.begin(), maps_.end(), [](const Region& a, const Region& b) { return a.begin < b.begin; });
  maps_generation_ = generation;
  return true;
}

void PolicyMemory::set_sandbox(std::shared_ptr<Sandbox> sandbox) {
  owner_ = std::move(sandbox);
  sandbox_ = owner_ ? &owner_->span() : nullptr;
  if (!owner_) return;
  arg_slots_ = bpf::ValueBlock::make(kArgSlots * kSlotBytes, owner_, false);
  // Exhausted: taken from the heap, and then of no use as slots.
  if (!this->sandbox().holds(reinterpret_cast<u64>(arg_slots_.data()), arg_slots_.bytes, false)) sandbox_ = nullptr;
  sandbox_slots_ = sandbox_ ? kArgSlots : 0;
}

u8* PolicyMemory::stack_memory(std::size_t bytes) const { return sandbox_ ? owner_->stack(bytes) : nullptr; }

u64 PolicyMemory::enter_run_slow(const Args& args, std::span<const std::byte> arg_struct, const TaskMirrors& mirrors) {
  if (sandbox_ && run_depth_ < kArgSlots && arg_struct.size() <= kSlotBytes - kSlotStructOff) {
    u8* slot = arg_slots_.data() + run_depth_++ * kSlotBytes;
    u8* copy = slot + kSlotStructOff;
    std::memcpy(copy, arg_struct.data(), arg_struct.size());
    const u64 from = reinterpret_cast<u64>(arg_struct.data());
    for (std::size_t i = 0; i < args.size(); ++i) {
      // The argument that points to the struct points to its copy.
      const u64 a = args[i] == from ? reinterpret_cast<u64>(copy) : args[i];
      std::memcpy(slot + i * sizeof(u64), &a, sizeof a);
    }
    return reinterpret_cast<u64>(slot);
  }
  outer_runs_.push_back(OuterRun{run_depth_, args_, arg_struct_});
  outer_run_depth_ = run_depth_++;
  const u64 a = reinterpret_cast<u64>(args.data()), s = reinterpret_cast<u64>(arg_struct.data());
  args_ = Region{a, a + sizeof args, false};
  arg_struct_ = Region{s, s + arg_struct.size(), false};
  guesses_[0] = args_;
  const auto task = mirrors.last_handed_out();
  guesses_[1] = task ? Region{task->first, task->second, true} : Region{};
  return a;
}

void PolicyMemory::leave_run_slow() {
  args_ = outer_runs_.back().args;
  arg_struct_ = outer_runs_.back().arg_struct;
  outer_runs_.pop_back();
  outer_run_depth_ = outer_runs_.empty() ? ~std::size_t{0} : outer_runs_.back().depth;
  guesses_[0] = guesses_[1] = Region{};
}

vm::MemoryGuard::Span PolicyMemory::region_of(u64 addr, u64 size, bool write) const {
  if (const Region r = sandbox().region(addr, size, write); r.end != 0) return r;
  auto hit = [&](const Region& r) { return r.holds(addr, size, write); };
  // Most often first: the arguments, the stack (a helper's key or buffer:
  // the executor tests its own frames inline), the task mirrors handed out
  // (whose writable fields alone are copied back), the maps.
  if (hit(args_)) return args_;
  const auto stack = host_.running_stack();
  const u64 s = reinterpret_cast<u64>(stack.data());
  if (const Region st{s, s + stack.size(), true}; hit(st)) return st;
  if (auto m = host_.mirrors().handed_out(addr, size)) return Region{m->first, m->second, true};
  // The last map region starting at or below addr; the regions are listed
  // again only when that misses (map regions never go, so a hit is good).
  auto map_region = [&]() -> std::optional<Region> {
    auto it = std::upper_bound(maps_.begin(), maps_.end(), addr, [](u64 a, const Region& r) { return a < r.begin; });
    if (it != maps_.begin() && hit(*std::prev(it))) return *std::prev(it);
    return std::nullopt;
  };
  if (auto r = map_region()) return *r;
  if (refresh_maps(); auto r = map_region()) return *r;
  if (hit(arg_struct_)) return arg_struct_;
  if (auto c = host_.cpumask_at(addr, size, write)) return Region{c->first, c->second, write};
  if (auto o = host_.objects().region_at(addr, size)) return Region{o->first, o->second, true};
  if (auto c = host_.cgroups().region_of(addr, size); c && !write) return Region{c->first, c->second, false};
  return {};
}

std::string PolicyMemory::ArgFault::message() const {
  if (argno == 0) return "";
  if (not_a_map) return fmt::format("{} argument {}: 0x{:x} is not a map of the policy", callee, argno, addr);
  return fmt::format("{} argument {}: {} bytes at 0x{:x} are not memory of the policy{}", callee, argno, size, addr,
                     write ? " that it may write" : "");
}

namespace {

// The argument kinds check_helper_args and check_kfunc_args check: a call
// with none of them runs unwrapped (confined_externs).
bool checked(bpf::HelperArg kind) {
  using H = bpf::HelperArg;
  switch (kind) {
    case H::const_map_ptr:
    case H::map_key:
    case H::map_value:
    case H::map_value_uninit:
    case H::map_value_or_null:
    case H::mem_readonly:
    case H::mem_readonly_or_null:
    case H::mem_uninit_or_null:
    case H::const_str:
    case H::timer:
    case H::spin_lock:
    case H::ringbuf_sample: return true;
    default: return false;
  }
}

bool checked(kabi::KArg kind) {
  using K = kabi::KArg;
  return kind == K::dsq_iter || kind == K::num_iter || kind == K::out_bool || kind == K::fmt_str || kind == K::mem;
}

}  // namespace

bool helper_args_checked(u32 id) {
  if (id == 115) return true;  // bpf_probe_read_kernel_str: no prototype, dst checked
  for (const auto& hp : bpf::helper_protos())
    if (hp.id == id) return std::any_of(std::begin(hp.args), std::end(hp.args), [](auto k) { return checked(k); });
  return false;
}

bool kfunc_args_checked(u32 index) {
  const auto& ks = kfuncs();
  return index < ks.size() && std::any_of(ks[index].args.begin(), ks[index].args.end(), [](auto k) { return checked(k); });
}

std::vector<PolicyMemory::MapCall> PolicyMemory::map_call_shapes() {
  using H = bpf::HelperArg;
  std::vector<MapCall> shapes(bpf::kMaxHelperId + 1, MapCall::no);
  for (const auto& hp : bpf::helper_protos()) {
    if (hp.id >= shapes.size() || hp.args[0] != H::const_map_ptr || hp.args[1] != H::map_key) continue;
    // The rest must need no check: numbers (flags) or nothing.
    const bool value = hp.args[2] == H::map_value;
    bool rest_unchecked = true;
    for (int i = value ? 3 : 2; i < 5; ++i) rest_unchecked &= !checked(hp.args[i]);
    if (rest_unchecked) shapes[hp.id] = value ? MapCall::key_value : MapCall::key;
  }
  return shapes;
}

bool PolicyMemory::ringbuf_sample_of_policy(u64 sample) const {
  for (const auto& m : host_.maps())
    if (m->type() == bpf::MapType::ringbuf &&
        static_cast<const bpf::RingbufMap&>(*m).holds_reserved(reinterpret_cast<const void*>(sample)))
      return true;
  return false;
}

const bpf::Map* PolicyMemory::own_map(u64 addr) const {
  for (const auto& m : host_.maps())
    if (reinterpret_cast<u64>(m.get()) == addr) return m.get();
  return nullptr;
}

PolicyMemory::ArgFault PolicyMemory::helper_arg_fault(u32 id, const u64* a) const {
  using H = bpf::HelperArg;
  if (protos_.empty()) {
    protos_.assign(bpf::kMaxHelperId + 1, nullptr);
    for (const auto& hp : bpf::helper_protos())
      if (hp.id < protos_.size()) protos_[hp.id] = &hp;
  }
  const bpf::HelperProto* p = id < protos_.size() ? protos_[id] : nullptr;
  if (!p) {
    // bpf_probe_read_kernel_str(dst, size, src): the host bounds its read
    // of src itself; dst is written.
    if (id == 115 && !mem_ok(a[0], a[1], true)) return ArgFault{1, a[0], a[1], true, false, "bpf_probe_read_kernel_str"};
    return {};
  }
  const bpf::Map* map = nullptr;
  for (int i = 0; i < 5 && p->args[i] != H::none; ++i) {  // none: no more arguments
    const u64 v = a[i];
    const u64 next = i + 1 < 5 ? a[i + 1] : 0;
    // [v, v + size) must be the policy's (writable, for a write).
    u64 size = 0;
    bool write = false;
    switch (p->args[i]) {
      case H::const_map_ptr:
        map = own_map(v);
        if (!map) return ArgFault{i + 1, v, 0, false, true, p->name};
        continue;
      case H::map_key: size = map ? map->key_size() : 1; break;
      case H::map_value: size = map ? map->value_size() : 1; break;
      case H::map_value_uninit: size = map ? map->value_size() : 1, write = true; break;
      case H::map_value_or_null: size = !v ? 0 : map ? map->value_size() : 1; break;
      case H::mem_readonly:
      case H::mem_readonly_or_null: size = v || next ? next : 0; break;
      case H::mem_uninit_or_null: size = v || next ? next : 0, write = true; break;
      case H::const_str: size = 1; break;  // the host bounds the rest
      case H::timer: size = 16, write = true; break;
      case H::spin_lock: size = 4, write = true; break;
      case H::ringbuf_sample:
        // The helper trusts the sample's header: it must be a reserved
        // sample of one of the policy's rings.
        if (!ringbuf_sample_of_policy(v)) return ArgFault{i + 1, v, bpf::BPF_RINGBUF_HDR_SZ, true, false, p->name};
        continue;
      default: continue;  // numbers; task pointers and callbacks the helper resolves itself
    }
    // The callee's name is measured only for a fault.
    if (!mem_ok(v, size, write)) [[unlikely]]
      return ArgFault{i + 1, v, size, write, false, p->name};
  }
  return {};
}

PolicyMemory::ArgFault PolicyMemory::kfunc_arg_fault(u32 index, const u64* a) const {
  const auto& ks = kfuncs();
  if (index >= ks.size()) return {};
  const kabi::KfuncInfo& k = ks[index];
  const std::string_view name = k.name;
  auto mem = [&](int n, u64 addr, u64 size, bool write) {
    return mem_ok(addr, size, write) ? ArgFault{} : ArgFault{n, addr, size, write, false, name};
  };
  for (size_t i = 0; i < k.args.size() && i < 5; ++i) {
    const u64 v = a[i];
    const int n = static_cast<int>(i) + 1;
    ArgFault f;
    switch (k.args[i]) {
      case kabi::KArg::dsq_iter: f = mem(n, v, sizeof(kabi::BpfIterScxDsq), true); break;
      case kabi::KArg::num_iter: f = mem(n, v, sizeof(kabi::BpfIterNum), true); break;
      case kabi::KArg::out_bool: f = mem(n, v, 1, true); break;
      case kabi::KArg::fmt_str: f = mem(n, v, 1, false); break;
      case kabi::KArg::mem:
        if (i + 1 < 5) f = mem(n, v, a[i + 1], false);
        break;
      default: break;  // numbers; tasks and cpumasks the kfunc resolves itself
    }
    if (f.argno) return f;
  }
  return {};
}

namespace {

// Up to this many helper ids and kfunc indexes get a checking entry.
constexpr size_t kMaxConfinedExterns = 256;

template <bool kKfunc, size_t kIndex>
u64 confined_call(bpf::CallContext& c, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5) {
  BpfPolicy& h = *static_cast<BpfPolicy*>(c.host);
  const u64 a[5] = {a1, a2, a3, a4, a5};
  const PolicyMemory& mem = h.memory();
  if (kKfunc || !mem.map_call_in_sandbox(kIndex, a)) {
    const PolicyMemory::ArgFault f = kKfunc ? mem.kfunc_arg_fault(kIndex, a) : mem.helper_arg_fault(kIndex, a);
    if (f.argno) [[unlikely]] {
      h.env().fault(c, "confinement: " + f.message());
      return 0;
    }
  }
  const bpf::ExternTable& raw = h.externs();
  return (kKfunc ? raw.kfuncs[kIndex] : raw.helpers[kIndex])(c, a1, a2, a3, a4, a5);
}

template <bool kKfunc, size_t... kI>
constexpr std::array<bpf::ExternFn, sizeof...(kI)> thunks(std::index_sequence<kI...>) {
  return {&confined_call<kKfunc, kI>...};
}

const std::array<bpf::ExternFn, kMaxConfinedExterns> kHelperThunks =
    thunks<false>(std::make_index_sequence<kMaxConfinedExterns>());
const std::array<bpf::ExternFn, kMaxConfinedExterns> kKfuncThunks =
    thunks<true>(std::make_index_sequence<kMaxConfinedExterns>());

// A call with no pointer argument to check runs as it is: nothing for the
// thunk to do but cost a call.
std::vector<bpf::ExternFn> wrap(const std::vector<bpf::ExternFn>& raw,
                                const std::array<bpf::ExternFn, kMaxConfinedExterns>& thunk,
                                bool (*args_checked)(u32)) {
  std::vector<bpf::ExternFn> out(raw.size(), nullptr);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!raw[i]) continue;
    if (!args_checked(static_cast<u32>(i))) out[i] = raw[i];
    else if (i < thunk.size()) out[i] = thunk[i];  // beyond: not callable confined
  }
  return out;
}

}  // namespace

bpf::ExternTable confined_externs(const bpf::ExternTable& raw) {
  bpf::ExternTable t;
  t.helpers = wrap(raw.helpers, kHelperThunks, helper_args_checked);
  t.kfuncs = wrap(raw.kfuncs, kKfuncThunks, kfunc_args_checked);
  return t;
}

}  // namespace ups::policy
