#include "workload/duration.h"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace ups::workload {

Result<TimeNs> parse_duration(std::string_view text) {
  std::string s(text);
  auto bad = [&](std::string why) {
    return make_error(ErrorKind::invalid_argument,
                      "bad duration '" + s + "': " + why +
                          " (write a number and a unit: 10s, 500ms, 200us, 50ns)");
  };
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == '-' || s[i] == '+'))
    ++i;
  std::string num = s.substr(0, i), unit = s.substr(i);
  if (num.empty()) return bad("no number");
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(v)) return bad("not a number");
  if (v < 0) return bad("negative");
  double scale;
  if (unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else if (unit.empty()) return bad("no unit");
  else return bad("unknown unit '" + unit + "'");
  double ns = v * scale;
  if (ns > 1.8e19) return bad("too large");
  return static_cast<TimeNs>(std::llround(ns));
}

std::string format_duration(TimeNs ns) {
  if (ns == 0) return "0s";
  if (ns % kNsPerSec == 0) return std::to_string(ns / kNsPerSec) + "s";
  if (ns % kNsPerMs == 0) return std::to_string(ns / kNsPerMs) + "ms";
  if (ns % kNsPerUs == 0) return std::to_string(ns / kNsPerUs) + "us";
  return std::to_string(ns) + "ns";
}

std::string format_instant(TimeNs t) { return fmt::format("{}.{:09}s", t / kNsPerSec, t % kNsPerSec); }

}  // namespace ups::workload
