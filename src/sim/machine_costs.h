// MachineCosts: what the simulated hardware charges for scheduling. A task
// switched in makes no progress for the context-switch cost, plus the
// migration cost and a cache refill when it last ran on another CPU (more
// across LLCs). Ticks fire at HZ on busy CPUs only (nohz idle). Defaults
// after scx_simulator's overhead model and Caladan's cache numbers
// (workloads-and-metrics.md §3.3, §3.5).
#pragma once

#include "base/types.h"

namespace ups::sim {

struct MachineCosts {
  TimeNs context_switch_ns = 1000;
  TimeNs migration_ns = 1000;
  TimeNs cache_cold_llc_ns = 2000;     // ran last on another CPU of the same LLC
  TimeNs cache_cold_remote_ns = 10000; // ran last in another LLC or node
  TimeNs ipi_ns = 1000;                // delay of a reschedule request to another CPU
  TimeNs yield_ns = 500;               // a yield that keeps the CPU (sched_yield syscall)
  u32 hz = 250;                        // timer ticks per second

  TimeNs tick_ns() const { return kNsPerSec / (hz ? hz : 1); }
};

}  // namespace ups::sim
