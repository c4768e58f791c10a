// Map: the abstract BPF map every map type implements, with the semantics of
// the Linux map of the same type for everything a policy can observe.
//
// Two audiences use it:
//  - BPF programs, through the helpers (bpf/helpers): lookup, update, remove,
//    push/pop/peek. A map pointer in a program's register is the address of
//    the Map object; a value pointer is a real address into the map's
//    storage. Values live in stable memory: storage is never reallocated or
//    freed while the map exists, so a pointer a program holds stays valid
//    (after a delete it may alias a later element, as with Linux prealloc).
//  - the host (the policy host, the CLI, tests), like Linux's bpf() syscall:
//    host_lookup/host_update (all CPUs' values of per-CPU maps at once),
//    get_next_key, lookup(key, cpu) of any CPU's value.
//
// Return values are Linux's: 0 or -errno (E2BIG when full, ENOENT, EEXIST,
// EINVAL for bad flags, ENOTSUPP for operations the type lacks).
#pragma once

#include <cerrno>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "base/types.h"
#include "bpf/map_def.h"
#include "bpf/maps/value_memory.h"

namespace ups::bpf {

// Linux's kernel-internal ENOTSUPP (not in <errno.h>), which the bpf()
// syscall returns for map operations a type does not implement.
inline constexpr int kENOTSUPP = 524;

// Linux's struct bpf_timer and struct bpf_spin_lock sizes.
inline constexpr u32 kBpfTimerSize = 16;
inline constexpr u32 kBpfSpinLockSize = 4;

class Map;

// Frees what the bpf_timer in a value holds when the map frees, replaces or
// overwrites that value (Linux bpf_obj_free_fields). Implemented by the
// helpers' timer table (bpf/helpers/timer_table.h), which registers itself on
// the first bpf_timer_init in a map.
class TimerReleaser {
public:
  virtual void release_timer(Map& map, void* timer) = 0;
  // The map is being destroyed; forget it.
  virtual void forget_map(Map& map) = 0;

protected:
  ~TimerReleaser() = default;
};

// A region of memory that BPF code may access (a checked interpreter
// collects them with for_each_region).
using RegionFn = std::function<void(void* ptr, std::size_t size, bool writable)>;

class Map {
public:
  // memory: where values a program points into live (null: the heap).
  Map(const MapDef& def, int nr_cpus, std::shared_ptr<ValueMemory> memory = nullptr);
  virtual ~Map();
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  const MapDef& def() const { return def_; }
  const std::string& name() const { return def_.name; }
  MapType type() const { return def_.type; }
  u32 key_size() const { return def_.key_size; }
  u32 value_size() const { return def_.value_size; }
  u32 max_entries() const { return def_.max_entries; }
  int nr_cpus() const { return nr_cpus_; }
  bool is_percpu() const {
    return def_.type == MapType::percpu_array || def_.type == MapType::percpu_hash;
  }

  // --- program side (also usable by the host) ---

  // The value for key as CPU `cpu` sees it (per-CPU maps: that CPU's copy),
  // or null. Map-in-map: the inner Map*. Queue, stack, ringbuf: null.
  virtual void* lookup(const void* key, int cpu) = 0;
  // Sets one value (per-CPU maps: only `cpu`'s copy; a new per-CPU element
  // has the other CPUs' copies zeroed).
  virtual int update(const void* key, const void* value, u64 flags, int cpu);
  virtual int remove(const void* key);
  // Queue and stack (bpf_map_push_elem/pop_elem/peek_elem).
  virtual int push(const void* value, u64 flags);
  virtual int pop(void* value);
  virtual int peek(void* value);

  // --- host side (the bpf() syscall's view) ---

  // Bytes of a value as the host reads and writes it: value_size, or for
  // per-CPU maps nr_cpus copies of round_up(value_size, 8).
  u32 host_value_size() const;
  // Copies the value out (per-CPU: every CPU's copy). 0 or -ENOENT.
  virtual int host_lookup(const void* key, void* value_out);
  // Updates from the host (per-CPU: sets every CPU's copy).
  virtual int host_update(const void* key, const void* value, u64 flags);
  // Linux BPF_MAP_GET_NEXT_KEY: key null or absent gives the first key;
  // -ENOENT after the last. Order is deterministic.
  virtual int get_next_key(const void* key, void* next_key);

  // Every region BPF code may touch, with whether a program may write it.
  virtual void for_each_region(const RegionFn& fn) const = 0;
  // Bumped whenever the set of regions changes (maps that allocate lazily).
  u64 region_generation() const { return region_generation_; }
  // Bytes of storage, for the per-class map-memory limit.
  virtual std::size_t memory_bytes() const = 0;

  // --- special fields in values (bpf_timer, bpf_spin_lock) ---

  bool has_timer() const { return def_.timer_off >= 0; }
  bool has_spin_lock() const { return def_.spin_lock_off >= 0; }
  TimerReleaser* timer_releaser() const { return timer_releaser_; }
  // Low level: hosts tie a map to a policy's timers with TimerTable::attach,
  // which also unties them when either side is destroyed.
  void set_timer_releaser(TimerReleaser* r) { timer_releaser_ = r; }
  // Frees the object a __kptr field still holds when its value is freed or
  // overwritten (the policy host's allocator); the host unsets it before it
  // goes. Without one the object stays with its allocator.
  using KptrReleaser = std::function<void(u64 object)>;
  void set_kptr_releaser(KptrReleaser r) { kptr_releaser_ = std::move(r); }
  // The key of the element whose value contains `inner` (a pointer into a
  // value of this map), copied into key_out; false if none (timer
  // callbacks get (map, key, value)).
  virtual bool key_of_value(const void* inner, void* key_out, void** value_out) const;

protected:
  // Linux copy_map_value: copies value_size bytes, leaving the bpf_timer,
  // bpf_spin_lock, __kptr and bpf_rb_root fields of dst untouched.
  void copy_value(void* dst, const void* src) const;
  // Zeroes the special fields of a new element (check_and_init_map_value).
  void init_special_fields(void* value) const;
  // Cancels and frees the timer, and frees the __kptr objects, held by a
  // value being freed or overwritten.
  void release_fields(void* value);
  void bump_regions() { ++region_generation_; }
  // Common checks of program-side update flags: -EINVAL for unknown flags or
  // BPF_F_LOCK without a spin lock in the value.
  int check_update_flags(u64 flags, bool lock_allowed) const;

  MapDef def_;
  int nr_cpus_;
  std::shared_ptr<ValueMemory> memory_;  // of the values; null: the heap
  u32 value_stride_;  // round_up(value_size, 8)

private:
  TimerReleaser* timer_releaser_ = nullptr;
  KptrReleaser kptr_releaser_;
  struct Hole {
    u32 off, size;
  };
  static std::vector<Hole> special_fields(const MapDef& def);
  std::vector<Hole> special_;  // the special fields of a value, in address order
  u64 region_generation_ = 0;
};

inline u32 round_up8(u32 n) { return (n + 7u) & ~7u; }

}  // namespace ups::bpf
