#include "policy/userland_half.h"

#include <map>
#include <unordered_map>

#include <fmt/format.h>

namespace ups::policy {
namespace {

// scx_userland.h's struct scx_userland_enqueued_task.
struct EnqueuedTask {
  s32 pid;
  u64 sum_exec_runtime;
  u64 weight;
};
static_assert(sizeof(EnqueuedTask) == 24);

// A round's CPU time: the loop and its sched_yield, plus one bpf(2) call
// per task taken or handed back (about a microsecond each on Linux).
constexpr TimeNs kRoundNs = 2 * kNsPerUs;
constexpr TimeNs kPerTaskNs = 1 * kNsPerUs;

class UserlandHalf final : public UserSpaceHalf {
public:
  UserlandHalf(std::shared_ptr<bpf::Map> enqueued, std::shared_ptr<bpf::Map> dispatched, u64* nr_queued,
               u64* nr_scheduled, u32 batch)
      : enqueued_(std::move(enqueued)), dispatched_(std::move(dispatched)), nr_queued_(nr_queued),
        nr_scheduled_(nr_scheduled), batch_(batch) {}

  const char* comm() const override { return "scx_userland"; }

  TimeNs round() override {
    u64 moved = 0;
    EnqueuedTask t{};
    while (enqueued_->pop(&t) == 0) {
      enqueue(t);
      ++moved;
    }
    *nr_queued_ = 0;
    *nr_scheduled_ = queue_.size();
    for (u32 i = 0; i < batch_ && !queue_.empty(); ++i) {
      auto first = queue_.begin();
      min_vruntime_ = first->first;
      s32 pid = first->second;
      if (dispatched_->push(&pid, 0) != 0) break;  // full: it stays first, tried next round
      queue_.erase(first);
      ++moved;
    }
    *nr_scheduled_ = queue_.size();
    return kRoundNs + moved * kPerTaskNs;
  }

private:
  struct Seen {
    double vruntime = 0;
    u64 sum_exec_runtime = 0;
  };

  void enqueue(const EnqueuedTask& t) {
    Seen& s = seen_[t.pid];
    const double weight = t.weight ? static_cast<double>(t.weight) / 100.0 : 1.0;
    s.vruntime += static_cast<double>(t.sum_exec_runtime - s.sum_exec_runtime) / weight;
    if (s.vruntime < min_vruntime_) s.vruntime = min_vruntime_;
    s.sum_exec_runtime = t.sum_exec_runtime;
    // Before the first task of equal or larger vruntime, as the process's list.
    queue_.emplace_hint(queue_.lower_bound(s.vruntime), s.vruntime, t.pid);
  }

  std::shared_ptr<bpf::Map> enqueued_, dispatched_;
  u64* nr_queued_;
  u64* nr_scheduled_;
  u32 batch_;
  std::unordered_map<s32, Seen> seen_;
  std::multimap<double, s32> queue_;
  double min_vruntime_ = 0;
};

// Its maps' and counters' places in obj; -1 / null where missing.
struct Places {
  int enqueued = -1, dispatched = -1;
  const bpf::GlobalVar* nr_queued = nullptr;
  const bpf::GlobalVar* nr_scheduled = nullptr;
};

Places places_of(const bpf::Object& obj) {
  Places p;
  for (size_t i = 0; i < obj.maps().size(); ++i) {
    const bpf::MapDef& m = obj.maps()[i];
    if (m.name == "enqueued" && m.type == bpf::MapType::queue && m.value_size == sizeof(EnqueuedTask))
      p.enqueued = static_cast<int>(i);
    if (m.name == "dispatched" && m.type == bpf::MapType::queue && m.value_size == sizeof(s32))
      p.dispatched = static_cast<int>(i);
  }
  auto counter = [&](const char* name) -> const bpf::GlobalVar* {
    const bpf::GlobalVar* g = obj.find_global(name);
    return g && !g->is_const && g->size == sizeof(u64) ? g : nullptr;
  };
  p.nr_queued = counter("nr_queued");
  p.nr_scheduled = counter("nr_scheduled");
  return p;
}

}  // namespace

Status check_userland_object(const bpf::Object& obj) {
  const Places p = places_of(obj);
  if (p.enqueued < 0 || p.dispatched < 0 || !p.nr_queued || !p.nr_scheduled)
    return make_error(ErrorKind::unsupported,
                      "scx_userland's user-space half needs the queue maps `enqueued` (of struct "
                      "scx_userland_enqueued_task) and `dispatched` (of s32) and the u64 globals nr_queued and "
                      "nr_scheduled, as Linux 7.3's scx_userland.bpf.c declares them");
  return {};
}

Result<std::unique_ptr<UserSpaceHalf>> make_userland_half(const bpf::Object& obj,
                                                          const std::vector<std::shared_ptr<bpf::Map>>& maps,
                                                          u32 batch) {
  if (auto st = check_userland_object(obj); !st) return tl::unexpected(st.error());
  const Places p = places_of(obj);
  auto counter = [&](const bpf::GlobalVar* g) {
    const u32 zero = 0;
    return reinterpret_cast<u64*>(static_cast<u8*>(maps[g->map_index]->lookup(&zero, 0)) + g->offset);
  };
  return std::unique_ptr<UserSpaceHalf>(std::make_unique<UserlandHalf>(
      maps[static_cast<size_t>(p.enqueued)], maps[static_cast<size_t>(p.dispatched)], counter(p.nr_queued),
      counter(p.nr_scheduled), batch));
}

}  // namespace ups::policy
