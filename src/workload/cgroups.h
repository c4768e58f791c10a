// The workload's cgroups in a core: what every substrate does with
// [[cgroups]] and [[cgroup_moves]] (the simulator's World and the
// runtime's WorkloadTasks), so that both place and move tasks alike.
#pragma once

#include <span>

#include "base/result.h"
#include "core/core.h"
#include "workload/workload.h"

namespace ups::workload {

// Creates w's [[cgroups]] in order (parents before children). Before the
// policies load, a class's cgroup_init sees them all; a refusal names the
// cgroup's line in w's file.
Status create_cgroups(Core& core, const Workload& w, TimeNs now);

// Moves `live` (the group's live tasks, as the substrate knows them) to
// m.to, together (cgroup.procs). False when a class refused the move
// (cgroup_prep_move): none moved, and the group's later tasks start where
// its tasks are.
bool move_group(Core& core, std::span<Task* const> live, const CgroupMove& m, TimeNs now);

}  // namespace ups::workload
