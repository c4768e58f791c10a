// ExitKind names and the one-line form of an ExitReport.
#include "core/exit_report.h"

#include <fmt/format.h>

namespace ups {

std::string_view exit_kind_name(ExitKind kind) {
  switch (kind) {
    case ExitKind::none: return "none";
    case ExitKind::done: return "done";
    case ExitKind::unreg: return "unreg";
    case ExitKind::unreg_bpf: return "unreg_bpf";
    case ExitKind::unreg_kern: return "unreg_kern";
    case ExitKind::error: return "error";
    case ExitKind::error_bpf: return "error_bpf";
    case ExitKind::error_stall: return "error_stall";
  }
  return "unknown";
}

// The kernel's scx_exit_reason() texts.
std::string_view exit_kind_reason(ExitKind kind) {
  switch (kind) {
    case ExitKind::none: return "";
    case ExitKind::done: return "done";
    case ExitKind::unreg: return "unregistered from user space";
    case ExitKind::unreg_bpf: return "unregistered from BPF";
    case ExitKind::unreg_kern: return "unregistered from the main kernel";
    case ExitKind::error: return "runtime error";
    case ExitKind::error_bpf: return "scx_bpf_error";
    case ExitKind::error_stall: return "runnable task stall";
  }
  return "unknown";
}

std::string ExitReport::to_string() const {
  std::string s = fmt::format("{}: {} ({})", class_name, exit_kind_name(kind), reason);
  if (!message.empty()) s += ": " + message;
  if (!callback.empty()) s += fmt::format(" [in {}]", callback);
  if (!location.empty()) s += fmt::format(" [at {}]", location);
  if (exit_code != 0) s += fmt::format(" [code {}]", exit_code);
  s += fmt::format(" [{} tasks moved to fair]", tasks_moved_to_fair);
  return s;
}

}  // namespace ups
