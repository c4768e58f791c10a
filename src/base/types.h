// Small vocabulary types shared by every module: ids, time, principals.
#pragma once

#include <cstdint>
#include <limits>

namespace ups {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using s8 = std::int8_t;
using s16 = std::int16_t;
using s32 = std::int32_t;
using s64 = std::int64_t;

// Virtual or real time in nanoseconds since the substrate started. The core
// never reads a clock: every entry point is handed `now`.
using TimeNs = u64;
inline constexpr TimeNs kNsPerUs = 1000;
inline constexpr TimeNs kNsPerMs = 1000 * 1000;
inline constexpr TimeNs kNsPerSec = 1000 * 1000 * 1000;

using CpuId = s32;  // s32 like sched_ext's `s32 cpu`; -1 = none
inline constexpr CpuId kNoCpu = -1;
inline constexpr int kMaxCpus = 1024;

using TaskId = s32;  // the pid a policy sees (p->pid); 0 = none
inline constexpr TaskId kNoTask = 0;

using DsqId = u64;   // sched_ext encoding, see core/scx_constants.h

// Who asks: the uid and gid of a process (daemon) or of a scenario's named
// principal (simulator).
struct Principal {
  u32 uid = 0;
  u32 gid = 0;
  bool is_root() const { return uid == 0; }
  friend bool operator==(const Principal&, const Principal&) = default;
};

}  // namespace ups
