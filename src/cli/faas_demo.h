// `upsched demo`: the serverless comparison (docs/faas.md) of fair against
// faas_event on micro-VM and container runtimes, with a progress bar, a
// table, a self-contained HTML report and Perfetto timelines. Its sweep is
// `upsched faas`'s (cli/faas_sweep.h).
#pragma once

#include <CLI/CLI.hpp>

namespace ups::cli {

void register_faas_demo_command(CLI::App& app);

}  // namespace ups::cli
