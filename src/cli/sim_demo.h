// `upsched demo`: a short built-in comparison of two policies. Kept apart
// from cmd_sim.cpp so that the FaaS study can replace it.
#pragma once

#include <CLI/CLI.hpp>

namespace ups::cli {

void register_demo_command(CLI::App& app);

}  // namespace ups::cli
