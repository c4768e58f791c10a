// TimerTable: the state behind struct bpf_timer (16 opaque bytes inside a
// map value). bpf_timer_init stores a timer id in the first 8 bytes and ties
// the timer to its map; set_callback records the callback (an instruction
// index) with the invoker of the program that set it; start arms it on the
// substrate's clock through the HelperEnv; the substrate calls
// HelperEnv::fire_timer, which runs callback(map, key, value). When the map
// frees, replaces or overwrites the value (or is destroyed), the timer is
// cancelled and freed, as Linux's bpf_timer_cancel_and_free does.
//
// Return values follow Linux: -EBUSY for init of an initialised timer,
// -EINVAL for an uninitialised one or bad flags, -EDEADLK for cancel from the
// timer's own callback; cancel returns 1 when it stopped an armed timer.
#pragma once

#include <vector>

#include "base/types.h"
#include "bpf/call_context.h"
#include "bpf/maps/map.h"

namespace ups::bpf {

class HelperEnv;

// bpf_timer_start flags.
inline constexpr u64 BPF_F_TIMER_ABS = 1, BPF_F_TIMER_CPU_PIN = 2;
// Clock ids bpf_timer_init accepts.
inline constexpr u64 kClockRealtime = 0, kClockMonotonic = 1, kClockBoottime = 7;

class TimerTable final : public TimerReleaser {
public:
  explicit TimerTable(HelperEnv& env) : env_(env) {}
  ~TimerTable();

  // Makes this table the map's TimerReleaser (bpf_timer_init does it on
  // first use); the table forgets the map when either is destroyed, in
  // any order.
  int attach(Map& map);
  int init(void* timer, Map* map, u64 flags);
  int set_callback(void* timer, u64 callback, const CallContext& ctx);
  int start(void* timer, u64 nsecs, u64 flags);
  int cancel(void* timer);
  bool fire(u64 timer_id);

  // Introspection for the host and tests.
  std::size_t live() const;
  bool armed(u64 timer_id) const;
  // The id stored in a bpf_timer field (0 = uninitialised).
  static u64 id_of(const void* timer);
  // What will run the callback of timer `timer_id` (the invoker of the
  // program that set it), or null.
  const SubprogInvoker* invoker_of(u64 timer_id);

  void release_timer(Map& map, void* timer) override;
  // Frees the map's timers and detaches from it (also called by ~Map).
  void forget_map(Map& map) override;

private:
  struct Record {
    u64 id = 0;  // 0 = free slot
    Map* map = nullptr;
    u8* field = nullptr;
    u64 callback = 0;
    bool has_callback = false;
    bool armed = false;
    bool running = false;
    SubprogInvoker* invoker = nullptr;
    void* host = nullptr;
  };
  Record* find(const void* timer);
  Record* find_id(u64 id);
  void free_record(Record& r, bool cancel);

  HelperEnv& env_;
  std::vector<Record> records_;
  std::vector<u32> free_;
  std::vector<u32> generation_;
  std::vector<Map*> maps_;  // maps whose releaser we are
};

}  // namespace ups::bpf
