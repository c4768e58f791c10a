#include "report/trace.h"

#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ups::report {

void ScheduleTrace::set_ftrace(std::ostream* os) { ftrace_ = os; }
void ScheduleTrace::set_chrome(std::ostream* os) { chrome_ = os; }

void ScheduleTrace::begin(int nr_cpus) {
  hash_.reset();
  buf_len_ = 0;
  open_.assign(nr_cpus, Open{});
  if (ftrace_) *ftrace_ << "# tracer: nop\n#\n";
  if (chrome_) {
    *chrome_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
    chrome_first_ = true;
    chrome_event(R"({"ph":"M","pid":1,"name":"process_name","args":{"name":"CPUs"}})");
    for (int c = 0; c < nr_cpus; ++c) {
      chrome_event(fmt::format(
          R"({{"ph":"M","pid":1,"tid":{},"name":"thread_name","args":{{"name":"CPU {}"}}}})",
          c + 1, c));
      chrome_event(fmt::format(
          R"({{"ph":"M","pid":1,"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
          c + 1, c));
    }
  }
}

void ScheduleTrace::chrome_event(const std::string& json) {
  *chrome_ << (chrome_first_ ? "" : ",\n") << json;
  chrome_first_ = false;
}

void ScheduleTrace::close_slice(CpuId cpu, TimeNs now) {
  Open& o = open_[cpu];
  if (o.pid == 0) return;
  // Chrome timestamps are microseconds; three decimals keep nanoseconds.
  chrome_event(fmt::format(
      R"({{"ph":"X","pid":1,"tid":{},"ts":{:.3f},"dur":{:.3f},"name":"{}","cat":"run","args":{{"pid":{}}}}})",
      cpu + 1, o.since / 1e3, (now - o.since) / 1e3, o.comm, o.pid));
  o.pid = 0;
}

std::string format_printk(const PrintkLine& l) {
  std::string who = l.task ? fmt::format("pid {} ({})", l.task, l.comm) : std::string("no task");
  return fmt::format("{}.{:09} cpu {} {} {}: {}", l.at / kNsPerSec, l.at % kNsPerSec, l.cpu, l.class_name, who,
                     l.text);
}

void ScheduleTrace::on_printk(const PrintkLine& l) {
  if (ftrace_) {
    const std::string comm = l.task ? l.comm : fmt::format("swapper/{}", l.cpu);
    *ftrace_ << fmt::format("{:>16}-{:<7} [{:03}] d..3 {}.{:09}: bpf_trace_printk: [{}] {}\n", comm, l.task, l.cpu,
                            l.at / kNsPerSec, l.at % kNsPerSec, l.class_name, l.text);
  }
  if (chrome_) {
    nlohmann::json e = {{"ph", "i"}, {"s", "t"}, {"pid", 1}, {"tid", l.cpu + 1}, {"name", l.text},
                        {"cat", "printk"}, {"args", {{"class", l.class_name}, {"pid", l.task}}}};
    // Chrome timestamps are microseconds; three decimals keep nanoseconds.
    chrome_event(fmt::format(R"({{"ts":{:.3f},{})", l.at / 1e3, e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(1)));
  }
}

void ScheduleTrace::on_switch(TimeNs now, CpuId cpu, TraceTask prev, SwitchState prev_state,
                              TraceTask next) {
  // Fixed little-endian record: time, cpu, prev, state, next (19 bytes).
  u8 rec[19];
  for (int i = 0; i < 8; ++i) rec[i] = static_cast<u8>(now >> (8 * i));
  rec[8] = static_cast<u8>(cpu);
  rec[9] = static_cast<u8>(cpu >> 8);
  for (int i = 0; i < 4; ++i) rec[10 + i] = static_cast<u8>(static_cast<u32>(prev.pid) >> (8 * i));
  rec[14] = static_cast<u8>(prev_state);
  for (int i = 0; i < 4; ++i) rec[15 + i] = static_cast<u8>(static_cast<u32>(next.pid) >> (8 * i));
  if (buf_len_ + sizeof(rec) > sizeof(buf_)) {
    hash_.update(buf_, buf_len_);
    buf_len_ = 0;
  }
  std::memcpy(buf_ + buf_len_, rec, sizeof(rec));
  buf_len_ += sizeof(rec);

  if (ftrace_) {
    auto comm = [&](TraceTask t) {
      return t.pid == 0 ? fmt::format("swapper/{}", cpu) : std::string(t.comm);
    };
    std::string pc = comm(prev), nc = comm(next);
    *ftrace_ << fmt::format(
        "{:>16}-{:<7} [{:03}] d..3 {}.{:09}: sched_switch: prev_comm={} prev_pid={} "
        "prev_prio=120 prev_state={} ==> next_comm={} next_pid={} next_prio=120\n",
        prev.pid == 0 ? "<idle>" : pc, prev.pid, cpu, now / kNsPerSec, now % kNsPerSec, pc,
        prev.pid, prev.pid == 0 ? 'R' : static_cast<char>(prev_state), nc, next.pid);
  }
  if (chrome_) {
    close_slice(cpu, now);
    if (next.pid != 0) open_[cpu] = Open{now, next.pid, next.comm};
  }
}

void ScheduleTrace::on_wakeup(TimeNs now, TraceTask p, CpuId target_cpu) {
  if (!ftrace_) return;
  *ftrace_ << fmt::format(
      "{:>16}-{:<7} [{:03}] d..4 {}.{:09}: sched_waking: comm={} pid={} prio=120 target_cpu={:03}\n",
      p.comm, p.pid, target_cpu < 0 ? 0 : target_cpu, now / kNsPerSec, now % kNsPerSec, p.comm,
      p.pid, target_cpu < 0 ? 0 : target_cpu);
}

std::string ScheduleTrace::finish(TimeNs now) {
  if (chrome_) {
    for (CpuId c = 0; c < static_cast<CpuId>(open_.size()); ++c) close_slice(c, now);
    *chrome_ << "\n]}\n";
    chrome_ = nullptr;
  }
  hash_.update(buf_, buf_len_);
  buf_len_ = 0;
  return hash_.finish_hex();
}

}  // namespace ups::report
