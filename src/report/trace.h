// Schedule trace: the hash of every context switch (`trace_sha256`) and,
// optionally, timelines that Perfetto opens: ftrace `sched_switch` text
// and Chrome JSON (workloads-and-metrics.md §4.1, §4.2). The hash covers
// (time, cpu, prev pid, prev state, next pid) of each switch, so two runs
// with the same schedule hash the same whatever the policy's class name.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/types.h"
#include "core/printk_line.h"
#include "report/sha256.h"

namespace ups::report {

// prev_state as ftrace writes it.
enum class SwitchState : u8 { preempted = 'R', sleeping = 'S', exited = 'X', idle = 'I' };

struct TraceTask {
  s32 pid = 0;           // 0 = idle
  const char* comm = "";  // no spaces
};

// "0.012345678 cpu 1 simple pid 3 (hog): text", the form `upsched sim
// --printk` writes on stderr.
std::string format_printk(const PrintkLine& line);

class ScheduleTrace {
public:
  ScheduleTrace() = default;
  void set_ftrace(std::ostream* os);
  void set_chrome(std::ostream* os);
  void begin(int nr_cpus);
  void on_switch(TimeNs now, CpuId cpu, TraceTask prev, SwitchState prev_state, TraceTask next);
  void on_wakeup(TimeNs now, TraceTask p, CpuId target_cpu);
  // A policy's bpf_printk: an ftrace `bpf_trace_printk` line and a Chrome
  // instant event on its CPU (not in the hash, which covers switches).
  void on_printk(const PrintkLine& line);
  // Closes the timelines (open Chrome slices end at `now`) and the hash.
  std::string finish(TimeNs now);

private:
  Sha256 hash_;
  u8 buf_[4096];
  size_t buf_len_ = 0;
  std::ostream* ftrace_ = nullptr;
  std::ostream* chrome_ = nullptr;
  bool chrome_first_ = true;
  struct Open { TimeNs since = 0; s32 pid = 0; std::string comm; };
  std::vector<Open> open_;  // per CPU, the Chrome slice in progress
  void chrome_event(const std::string& json);
  void close_slice(CpuId cpu, TimeNs now);
};

}  // namespace ups::report
