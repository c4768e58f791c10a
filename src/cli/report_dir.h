// Writes a report directory (`--report DIR` of `upsched sim` and `upsched
// compare`): DIR/index.html, self-contained (report/run_report_html.h).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "report/run_report_html.h"

namespace ups::cli {

// Creates DIR if needed; the error names DIR and why.
Status write_report_dir(const std::string& dir, const std::vector<report::RunView>& runs);

}  // namespace ups::cli
