// Built-in workloads (`upsched sim --preset NAME`), sized for the CPU
// count, after workloads-and-metrics.md §1: hogs (weights 1:2:4), pipes
// (hackbench messaging), rpc-bimodal (Shinjuku/ghOSt open loop) and
// schbench (message and worker threads, wakeup latency).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "workload/workload.h"

namespace ups::workload {

struct PresetInfo {
  std::string name;
  std::string description;
};
const std::vector<PresetInfo>& preset_list();
Result<Workload> make_preset(std::string_view name, int nr_cpus);

}  // namespace ups::workload
