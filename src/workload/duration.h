// Durations as users write them: "10s", "500ms", "200us", "50ns", "1.5ms".
// Used by the command line and workload files alike.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace ups::workload {

// Parses "<number><unit>" with unit s, ms, us or ns. A bare number is an
// error (a unit avoids a factor-1000 surprise); negative values are errors.
Result<TimeNs> parse_duration(std::string_view text);
// The shortest exact form: 1500000 -> "1500us", 2000000000 -> "2s".
std::string format_duration(TimeNs ns);
// A point in a run's time, as messages give it: 30000000 -> "0.030000000s".
std::string format_instant(TimeNs t);

}  // namespace ups::workload
