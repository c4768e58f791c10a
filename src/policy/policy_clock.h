// The clock a BPF policy reads (see below): one definition for the
// kfuncs, the helpers' environment and the task mirrors.
#pragma once

#include "base/types.h"

namespace ups::policy {

// The time a BPF policy reads (scx_bpf_now, bpf_ktime_get_ns, absolute
// bpf_timer starts, p->scx.runnable_at) counts from a boot this long before
// the substrate's time 0, as Linux's counts from boot: a policy that tests
// `now - started_at >= period` with started_at still 0 (scx_pair's first
// dispatch) sees the period long over, as it would in Linux, not a clock
// just started.
inline constexpr TimeNs kPolicyClockBootNs = 10 * kNsPerSec;
inline u64 policy_clock(TimeNs substrate_now) { return static_cast<u64>(substrate_now + kPolicyClockBootNs); }

}  // namespace ups::policy
