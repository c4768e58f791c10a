#include "cli/work_option.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace ups::cli {

void add_work_options(CLI::App* app, WorkOptions& out) {
  const std::map<std::string, runtime::WorkKind> kinds{{"arith", runtime::WorkKind::arith},
                                                       {"image", runtime::WorkKind::image}};
  app->add_option("--work", out.kind,
                  "what compute phases do for real: arith (a register loop) or image (downscaling a generated "
                  "image, with its memory traffic)")
      ->transform(CLI::CheckedTransformer(kinds, CLI::ignore_case))
      ->default_str("arith");
  app->add_option("--work-rate", out.rate,
                  "units of --work per us, as an earlier calibration printed it, instead of calibrating now "
                  "(runs to compare then do the same work whatever the load when each starts)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            char* end = nullptr;
            const double r = std::strtod(v.c_str(), &end);
            return end != v.c_str() && *end == '\0' && r > 0 ? "" : "must be a positive number of units per us, not '" + v + "'";
          },
          "RATE"));
}

runtime::Calibration calibrate_and_say(const WorkOptions& w, bool quiet) {
  const runtime::Calibration cal =
      w.rate > 0 ? runtime::given_calibration(w.kind, w.rate) : runtime::calibrate_busy_work(w.kind);
  if (!quiet) {
    const char* how = w.rate > 0 ? "given" : "measured";
    if (w.kind == runtime::WorkKind::image)
      std::printf("calibration: compute is image work (2x2 downscaling of a generated 512x512 image, one "
                  "thumbnail row a unit), %.3f units/us (%s)\n",
                  cal.iters_per_us, how);
    else
      std::printf("calibration: compute is arith work (a register loop), %.1f iterations/us (%s)\n", cal.iters_per_us,
                  how);
  }
  return cal;
}

}  // namespace ups::cli
