// ExitKind and ExitReport: why and where a class left the chain. Every
// unload produces one; the loader (CLI, daemon, scenario) receives it.
#pragma once

#include <string>

#include "base/types.h"

namespace ups {

// Values of the kernel's enum scx_exit_kind (sched_ext-abi.md §10).
enum class ExitKind : u32 {
  none = 0,
  done = 1,
  unreg = 64,        // unloaded by its owner or replaced
  unreg_bpf = 65,    // scx_bpf_exit()
  unreg_kern = 66,   // the host unloaded it (end of run)
  error = 1024,      // run-time check failed (bad kfunc argument, ...)
  error_bpf = 1025,  // scx_bpf_error()
  error_stall = 1026 // watchdog
};

std::string_view exit_kind_name(ExitKind kind);  // "error_stall", ...
// The kernel's `reason` text for a kind, e.g. "runnable task stall".
std::string_view exit_kind_reason(ExitKind kind);

struct ExitReport {
  std::string class_name;
  ExitKind kind = ExitKind::none;
  s64 exit_code = 0;
  std::string reason;    // exit_kind_reason(kind)
  std::string message;   // formatted by the policy or the core
  std::string callback;  // the op running when it happened ("dispatch"), if any
  std::string location;  // policy-supplied place: "insn 12 (simple.bpf.c:40)"
  TimeNs at = 0;
  u32 tasks_moved_to_fair = 0;

  bool is_error() const { return static_cast<u32>(kind) >= 1024; }
  std::string to_string() const;  // one line, for logs and the CLI
};

}  // namespace ups
