// The report directory of `sim --report` and `compare --report`.
#include "cli/report_dir.h"

#include <filesystem>
#include <fstream>

namespace ups::cli {

Status write_report_dir(const std::string& dir, const std::vector<report::RunView>& runs) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return tl::unexpected(Error{ErrorKind::io, "cannot create report directory " + dir + ": " + ec.message(), {}});
  const auto path = std::filesystem::path(dir) / "index.html";
  std::ofstream out(path);
  out << report::run_report_html(runs);
  if (!out) return tl::unexpected(Error{ErrorKind::io, "cannot write " + path.string(), {}});
  return {};
}

}  // namespace ups::cli
