// PrintkLine: one message a class printed (a BPF policy's bpf_printk), as
// the core tags it: when, on which CPU, by which class, about which task.
// The core only carries the text to the substrate (CoreHooks::on_printk),
// which puts it in its trace, on stderr and in the run's report.
#pragma once

#include <string>

#include "base/types.h"

namespace ups {

struct PrintkLine {
  TimeNs at = 0;
  CpuId cpu = 0;
  std::string class_name;
  // The task the callback was called for (enqueue's p, ...), else the task
  // running on that CPU; 0 for none (idle, or a class's init).
  TaskId task = 0;
  std::string comm;  // that task's name
  std::string text;  // without a trailing newline
};

}  // namespace ups
