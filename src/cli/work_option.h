// --work, the kind of CPU work that stands for `compute` phases in real
// runs (`upsched run`, `upsched faas --real`): arith (a register-only
// loop, the default) or image (downscaling a generated image, with its
// memory traffic; runtime/busy_work.h). Calibrated once per command.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "runtime/busy_work.h"

namespace ups::cli {

struct WorkOptions {
  runtime::WorkKind kind = runtime::WorkKind::arith;
  double rate = 0;  // --work-rate: units per us given; 0: calibrate
};

// Adds --work and --work-rate to `app` (CLI11 refuses another kind, and a
// rate that is not a positive number).
void add_work_options(CLI::App* app, WorkOptions& out);
// Calibrates (or takes --work-rate) and says so on stdout unless quiet:
// "calibration: compute is image work (...), 0.452 units/us".
runtime::Calibration calibrate_and_say(const WorkOptions& w, bool quiet);

}  // namespace ups::cli
