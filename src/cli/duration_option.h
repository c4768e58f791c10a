// The one duration syntax of every command-line option that takes a
// duration: "10s", "250ms", "1.5s", "100us", "50ns" (workload::parse_duration,
// the syntax of workload files too). A bare number is refused, with the
// option's name, as a workload file refuses it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "base/types.h"

namespace ups::cli {

// Adds option `name` to `app`; `out` receives the duration in nanoseconds.
CLI::Option* add_duration_option(CLI::App* app, const std::string& name, TimeNs& out, const std::string& description);

}  // namespace ups::cli
