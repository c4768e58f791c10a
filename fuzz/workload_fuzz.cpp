// Fuzzes the workload-file parsers (JSON when the input starts with '{',
// TOML otherwise, so the repo's workload files seed it directly) and the
// duration syntax: any input gives a workload or a
// located error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "workload/duration.h"
#include "workload/workload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto first = text.find_first_not_of(" \t\r\n");
  bool json = first != std::string_view::npos && text[first] == '{';
  auto w = ups::workload::parse_workload(text, json ? "fuzz.json" : "fuzz.toml");
  if (w) {
    (void)ups::workload::validate_workload(*w);
  } else {
    (void)w.error().to_string();
  }
  (void)ups::workload::parse_duration(text.substr(0, 32));
  return 0;
}
