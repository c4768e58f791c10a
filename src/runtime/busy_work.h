// The CPU work that stands for a workload's `compute` phases when they run
// for real: calibrated on this machine, so that `compute = "2ms"` is about
// 2 ms of one CPU, and measured in work, not time (a preempted fiber
// finishes it later). Two kinds:
//   arith  a multiply-add chain in registers (no memory traffic);
//   image  what an image function does: 2x2 box-filter downscaling of a
//          generated 512x512 RGB image (768 KiB, more than a core's L2,
//          shared and read-only), band by band into a thumbnail band,
//          hashing each band it writes.
#pragma once

#include <optional>
#include <string_view>

#include "base/types.h"

namespace ups::runtime {

enum class WorkKind : u8 { arith, image };

// "arith" / "image"; nullopt for another name.
std::optional<WorkKind> parse_work_kind(std::string_view name);
const char* work_kind_name(WorkKind k);

// How fast this machine does one kind of work: units per microsecond
// (arith: loop iterations; image: thumbnail rows, each from two source rows).
struct Calibration {
  double iters_per_us = 0;
  WorkKind kind = WorkKind::arith;
};
// Times the work (best of several tries, so a loaded machine reads fast
// rather than slow).
Calibration calibrate_busy_work(WorkKind kind = WorkKind::arith);
// A calibration measured earlier (units_per_us as calibrate printed it),
// so that runs compared with each other do the same work per `compute`
// whatever the load when each started; readies the work as calibrate does.
Calibration given_calibration(WorkKind kind, double units_per_us);
// Burns about `ns` of one CPU at the calibrated speed. Image work needs a
// calibrate_busy_work(WorkKind::image) first (it generates the image).
void busy_work(const Calibration& cal, TimeNs ns);

}  // namespace ups::runtime
