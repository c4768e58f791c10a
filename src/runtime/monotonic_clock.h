// The runtime's one reading of real time: CLOCK_MONOTONIC in nanoseconds
// (the runtime's clock is this minus its epoch; calibration times with it).
#pragma once

#include <ctime>

#include "base/types.h"

namespace ups::runtime {

inline TimeNs monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * kNsPerSec + static_cast<TimeNs>(ts.tv_nsec);
}

}  // namespace ups::runtime
