// Constructors of the native policies (one file each); registry.cpp maps
// names to them.
#pragma once

#include <memory>

#include "core/sched_ops.h"

namespace ups::native {

// Global FIFO: every task into SCX_DSQ_GLOBAL with the default slice.
std::unique_ptr<SchedOps> make_fifo();
// scx_simple: weighted vtime over the shared user DSQ 0 (or FIFO).
std::unique_ptr<SchedOps> make_simple(bool fifo_sched);
// scx_central: CPU `central_cpu` dispatches for every CPU.
std::unique_ptr<SchedOps> make_central(CpuId central_cpu = 0);
// Misbehaving: keeps every task and never dispatches (the watchdog's prey).
std::unique_ptr<SchedOps> make_never_dispatch();
// scx_qmap without its extras: five FIFO levels by weight.
std::unique_ptr<SchedOps> make_qmap(bool fifo_mode);
// faas_event: parks idle-polling runtimes (twin of faas_event.bpf.c).
std::unique_ptr<SchedOps> make_faas_event();

}  // namespace ups::native
