// The user-space half of Linux's tools/sched_ext/scx_userland (what
// scx_userland.c does, rewritten, not copied): each round drains the
// `enqueued` queue into a list ordered by vruntime (weighted run time since
// the task was last seen, never below the last dispatched task's), hands the
// first `batch` tasks back through the `dispatched` queue, and writes the
// BPF side's `nr_queued` and `nr_scheduled`. Made by the loader when the
// object is scx_userland's (user_space_halves in load_parameters.cpp).
#pragma once

#include <memory>
#include <vector>

#include "bpf/maps/map.h"
#include "bpf/object/object.h"
#include "policy/user_space_half.h"

namespace ups::policy {

// Whether obj declares what the process uses (the queue maps and the
// counters, as Linux 7.3's scx_userland.bpf.c); the error names them.
Status check_userland_object(const bpf::Object& obj);
// `maps` are the loaded object's, index for index (obj passed the check).
Result<std::unique_ptr<UserSpaceHalf>> make_userland_half(const bpf::Object& obj,
                                                          const std::vector<std::shared_ptr<bpf::Map>>& maps,
                                                          u32 batch);

}  // namespace ups::policy
