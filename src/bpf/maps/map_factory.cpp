// create_map: attribute checks per type (Linux: array_map_alloc_check,
// htab_map_alloc_check, queue_stack_map_alloc_check, ringbuf_map_alloc,
// bpf_local_storage_map_alloc_check, bpf_map_meta_alloc) and construction.
#include "bpf/maps/map_factory.h"

#include <bit>

#include <fmt/format.h>

#include "bpf/maps/arena_map.h"
#include "bpf/maps/array_map.h"
#include "bpf/maps/hash_map.h"
#include "bpf/maps/lru_hash_map.h"
#include "bpf/maps/map_of_maps.h"
#include "bpf/maps/queue_stack_map.h"
#include "bpf/maps/ringbuf_map.h"
#include "bpf/maps/local_storage_map.h"

namespace ups::bpf {

namespace {

constexpr u32 kPcpuMaxValueSize = 32768;  // PCPU_MIN_UNIT_SIZE
constexpr u32 kPageSize = 4096;
constexpr u32 kNoCommonLru = 1u << 1;  // BPF_F_NO_COMMON_LRU
constexpr u32 kZeroSeed = 1u << 6;     // BPF_F_ZERO_SEED
// Flags any map may carry; type-specific ones are checked per type.
constexpr u32 kCommonFlags = BPF_F_RDONLY_PROG | (1u << 2) /*NUMA_NODE*/ | (1u << 3) /*RDONLY*/ |
                             (1u << 4) /*WRONLY*/ | (1u << 8) /*WRONLY_PROG*/ | BPF_F_INNER_MAP;

Status bad(const MapDef& def, std::string_view attr, std::string msg) {
  std::string name = def.name.empty() ? "<unnamed>" : def.name;
  SourceLoc where;
  where.what = fmt::format("map {}", name);
  return make_error(ErrorKind::rejected,
                    fmt::format("{} {} ({} map)", attr, msg, map_type_name(def.type)), where);
}

bool is_known_type(MapType t) {
  switch (t) {
    case MapType::hash: case MapType::array: case MapType::percpu_hash:
    case MapType::percpu_array: case MapType::lru_hash: case MapType::array_of_maps:
    case MapType::hash_of_maps: case MapType::queue: case MapType::stack:
    case MapType::ringbuf: case MapType::task_storage: case MapType::cgrp_storage: case MapType::arena:
      return true;
  }
  return false;
}

Status check_special_fields(const MapDef& def) {
  auto in_value = [&](s32 off, u32 size) {
    return off >= 0 && static_cast<u64>(off) + size <= def.value_size;
  };
  if (def.timer_off >= 0) {
    if (!in_value(def.timer_off, kBpfTimerSize) || def.timer_off % 8 != 0)
      return bad(def, "timer_off", fmt::format("{} does not place a 16-byte bpf_timer inside the {}-byte value",
                                               def.timer_off, def.value_size));
    if (def.type != MapType::array && def.type != MapType::hash && def.type != MapType::lru_hash)
      return bad(def, "timer_off", "bpf_timer is only allowed in array, hash and lru_hash values");
  }
  if (def.spin_lock_off >= 0) {
    if (!in_value(def.spin_lock_off, kBpfSpinLockSize) || def.spin_lock_off % 4 != 0)
      return bad(def, "spin_lock_off", fmt::format("{} does not place a 4-byte bpf_spin_lock inside the {}-byte value",
                                                   def.spin_lock_off, def.value_size));
    if (def.type != MapType::array && def.type != MapType::hash && def.type != MapType::task_storage &&
        def.type != MapType::cgrp_storage)
      return bad(def, "spin_lock_off",
                 "bpf_spin_lock is only allowed in array, hash, task_storage and cgrp_storage values");
  }
  if (def.timer_off >= 0 && def.spin_lock_off >= 0 &&
      def.spin_lock_off + static_cast<s32>(kBpfSpinLockSize) > def.timer_off &&
      def.timer_off + static_cast<s32>(kBpfTimerSize) > def.spin_lock_off)
    return bad(def, "spin_lock_off", "overlaps the bpf_timer");
  return {};
}

// Linux arena_map_alloc's checks.
Status check_arena(const MapDef& def) {
  if (def.key_size != 0) return bad(def, "key_size", fmt::format("is {}, must be 0", def.key_size));
  if (def.value_size != 0) return bad(def, "value_size", fmt::format("is {}, must be 0", def.value_size));
  if (def.max_entries == 0) return bad(def, "max_entries", "must not be 0 (it counts the arena's pages)");
  if (!(def.map_flags & BPF_F_MMAPABLE)) return bad(def, "map_flags", "must include BPF_F_MMAPABLE");
  if (def.map_flags & ~BPF_F_MMAPABLE)
    return bad(def, "map_flags", fmt::format("0x{:x} has bits an arena does not accept", def.map_flags));
  const u64 bytes = u64{def.max_entries} * kPageSize;
  if (bytes > (u64{1} << 32))
    return bad(def, "max_entries", fmt::format("{} pages are more than the 4 GiB an arena may span", def.max_entries));
  if (def.map_extra % kPageSize != 0)
    return bad(def, "map_extra", fmt::format("{:#x} is not page aligned", def.map_extra));
  if (def.map_extra && (def.map_extra >> 32) != ((def.map_extra + bytes - 1) >> 32))
    return bad(def, "map_extra", fmt::format("{:#x}: the arena's user addresses must not cross a 4 GiB boundary", def.map_extra));
  return {};
}

Status check_type(const MapDef& def, int nr_cpus) {
  const u32 flags = def.map_flags;
  switch (def.type) {
    case MapType::array:
    case MapType::percpu_array:
      if (def.key_size != 4) return bad(def, "key_size", fmt::format("is {}, must be 4", def.key_size));
      if (def.value_size == 0) return bad(def, "value_size", "must not be 0");
      if (def.max_entries == 0) return bad(def, "max_entries", "must not be 0");
      if (def.type == MapType::percpu_array && def.value_size > kPcpuMaxValueSize)
        return bad(def, "value_size", fmt::format("{} is over the per-CPU limit {}", def.value_size, kPcpuMaxValueSize));
      if (flags & ~(kCommonFlags | BPF_F_MMAPABLE))
        return bad(def, "map_flags", fmt::format("0x{:x} has bits an array does not accept", flags));
      if (def.initial.size() > def.value_size)
        return bad(def, "initial", fmt::format("{} bytes do not fit the {}-byte value", def.initial.size(), def.value_size));
      return {};
    case MapType::hash:
    case MapType::percpu_hash:
    case MapType::lru_hash:
      if (def.key_size == 0) return bad(def, "key_size", "must not be 0");
      if (def.key_size > kMaxMapKeySize)
        return bad(def, "key_size", fmt::format("{} is over the limit {}", def.key_size, kMaxMapKeySize));
      if (def.value_size == 0) return bad(def, "value_size", "must not be 0");
      if (def.max_entries == 0) return bad(def, "max_entries", "must not be 0");
      if (def.type == MapType::percpu_hash && def.value_size > kPcpuMaxValueSize)
        return bad(def, "value_size", fmt::format("{} is over the per-CPU limit {}", def.value_size, kPcpuMaxValueSize));
      if (def.type == MapType::lru_hash && (flags & BPF_F_NO_PREALLOC))
        return bad(def, "map_flags", "BPF_F_NO_PREALLOC is not supported by lru_hash");
      // BPF_F_ZERO_SEED changes nothing here (the hash is always fixed);
      // BPF_F_NO_COMMON_LRU neither (the LRU is exact per map).
      if (flags & ~(kCommonFlags | BPF_F_NO_PREALLOC | kZeroSeed |
                    (def.type == MapType::lru_hash ? kNoCommonLru : 0u)))
        return bad(def, "map_flags", fmt::format("0x{:x} has bits a {} does not accept", flags, map_type_name(def.type)));
      return {};
    case MapType::queue:
    case MapType::stack:
      if (def.key_size != 0) return bad(def, "key_size", fmt::format("is {}, must be 0", def.key_size));
      if (def.value_size == 0) return bad(def, "value_size", "must not be 0");
      if (def.max_entries == 0) return bad(def, "max_entries", "must not be 0");
      if (flags & ~kCommonFlags)
        return bad(def, "map_flags", fmt::format("0x{:x} has bits a {} does not accept", flags, map_type_name(def.type)));
      return {};
    case MapType::ringbuf:
      if (def.key_size != 0) return bad(def, "key_size", fmt::format("is {}, must be 0", def.key_size));
      if (def.value_size != 0) return bad(def, "value_size", fmt::format("is {}, must be 0", def.value_size));
      if (def.max_entries == 0 || !std::has_single_bit(def.max_entries) || def.max_entries % kPageSize != 0)
        return bad(def, "max_entries",
                   fmt::format("{} must be a power of two and a multiple of {}", def.max_entries, kPageSize));
      if (flags & ~(1u << 2))
        return bad(def, "map_flags", fmt::format("0x{:x} must be 0", flags));
      return {};
    case MapType::task_storage:
    case MapType::cgrp_storage:
      if (def.key_size != 4) return bad(def, "key_size", fmt::format("is {}, must be 4", def.key_size));
      if (def.value_size == 0) return bad(def, "value_size", "must not be 0");
      if (def.max_entries != 0) return bad(def, "max_entries", fmt::format("is {}, must be 0", def.max_entries));
      if (!(flags & BPF_F_NO_PREALLOC)) return bad(def, "map_flags", "must include BPF_F_NO_PREALLOC");
      if (flags & ~(kCommonFlags | BPF_F_NO_PREALLOC))
        return bad(def, "map_flags", fmt::format("0x{:x} has bits {} does not accept", flags, map_type_name(def.type)));
      return {};
    case MapType::arena: return check_arena(def);
    case MapType::array_of_maps:
    case MapType::hash_of_maps: {
      if (def.type == MapType::array_of_maps && def.key_size != 4)
        return bad(def, "key_size", fmt::format("is {}, must be 4", def.key_size));
      if (def.key_size == 0 || def.key_size > kMaxMapKeySize)
        return bad(def, "key_size", fmt::format("{} is out of range", def.key_size));
      if (def.value_size != 4) return bad(def, "value_size", fmt::format("is {}, must be 4 (a map fd)", def.value_size));
      if (def.max_entries == 0) return bad(def, "max_entries", "must not be 0");
      if (!def.inner) return bad(def, "inner", "is missing: a map of maps needs an inner map definition");
      if (def.inner->type == MapType::array_of_maps || def.inner->type == MapType::hash_of_maps)
        return bad(def, "inner", "may not itself be a map of maps");
      if (auto st = validate_map_def(*def.inner, nr_cpus); !st)
        return bad(def, "inner", "is invalid: " + st.error().message);
      return {};
    }
  }
  return bad(def, "type", "is not supported");
}

}  // namespace

u64 map_value_bytes(const MapDef& def, int nr_cpus) {
  u64 stride = (u64{def.value_size} + 7) & ~u64{7};
  u64 cpus = static_cast<u64>(nr_cpus);
  switch (def.type) {
    case MapType::array: return stride * def.max_entries;
    case MapType::percpu_array: return stride * def.max_entries * cpus;
    case MapType::hash:
    case MapType::lru_hash: return (stride + def.key_size + 16) * def.max_entries;
    case MapType::percpu_hash: return (stride * cpus + def.key_size + 16) * def.max_entries;
    case MapType::queue:
    case MapType::stack: return u64{def.value_size} * (u64{def.max_entries} + 1);
    case MapType::ringbuf: return 2 * u64{def.max_entries};
    case MapType::array_of_maps:
    case MapType::hash_of_maps: return 24 * u64{def.max_entries};
    case MapType::task_storage:
    case MapType::cgrp_storage: return 0;  // grows with the tasks or cgroups
    case MapType::arena: return 0;  // address space; pages come with bpf_arena_alloc_pages
  }
  return 0;
}

Status validate_map_def(const MapDef& def, int nr_cpus) {
  if (nr_cpus <= 0 || nr_cpus > kMaxCpus)
    return make_error(ErrorKind::invalid_argument,
                      fmt::format("map '{}': nr_cpus {} is out of range 1..{}", def.name, nr_cpus, kMaxCpus));
  if (!is_known_type(def.type))
    return bad(def, "type", fmt::format("{} is not a supported map type", static_cast<u32>(def.type)));
  // Bounds every size computation below (and round_up8) away from overflow.
  if (def.value_size > kMaxMapBytes)
    return bad(def, "value_size", fmt::format("{} is over the limit of {} bytes", def.value_size, kMaxMapBytes));
  if (auto st = check_type(def, nr_cpus); !st) return st;
  if (auto st = check_special_fields(def); !st) return st;
  u64 bytes = map_value_bytes(def, nr_cpus);
  if (bytes > kMaxMapBytes)
    return bad(def, "max_entries",
               fmt::format("{} needs {} bytes, over the limit of {} bytes per map", def.max_entries, bytes, kMaxMapBytes));
  return {};
}

Result<std::unique_ptr<Map>> create_map(const MapDef& def, int nr_cpus, const std::shared_ptr<ValueMemory>& memory) {
  if (auto st = validate_map_def(def, nr_cpus); !st) return tl::unexpected(st.error());
  std::unique_ptr<Map> m;
  switch (def.type) {
    case MapType::array:
    case MapType::percpu_array: m = std::make_unique<ArrayMap>(def, nr_cpus, memory); break;
    case MapType::hash:
    case MapType::percpu_hash: m = std::make_unique<HashMap>(def, nr_cpus, memory); break;
    case MapType::lru_hash: m = std::make_unique<LruHashMap>(def, nr_cpus, memory); break;
    case MapType::queue:
    case MapType::stack: m = std::make_unique<QueueStackMap>(def, nr_cpus); break;
    case MapType::ringbuf: m = std::make_unique<RingbufMap>(def, nr_cpus); break;
    case MapType::task_storage:
    case MapType::cgrp_storage: m = std::make_unique<LocalStorageMap>(def, nr_cpus, memory); break;
    case MapType::arena: m = std::make_unique<ArenaMap>(def, nr_cpus); break;
    case MapType::array_of_maps:
    case MapType::hash_of_maps: m = std::make_unique<MapOfMaps>(def, nr_cpus); break;
  }
  return m;
}

}  // namespace ups::bpf
