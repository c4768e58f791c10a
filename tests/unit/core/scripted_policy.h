// ScriptedPolicy: a SchedOps whose callbacks are std::functions set by the
// test, so that each test can make a policy behave (or misbehave) exactly
// as it needs. Unset callbacks keep the sched_ext defaults.
#pragma once

#include <functional>
#include <string>

#include "core/sched_ops.h"
#include "core/scx_constants.h"
#include "core/scx_context.h"

namespace ups::test {

class ScriptedPolicy final : public SchedOps {
public:
  explicit ScriptedPolicy(std::string name = "scripted") { cfg.name = std::move(name); }
  const OpsConfig& config() const override { return cfg; }

  std::function<s32(ScxContext&)> on_init;
  std::function<CpuId(ScxContext&, Task&, CpuId, u64)> on_select_cpu;
  std::function<void(ScxContext&, Task&, u64)> on_enqueue;
  std::function<void(ScxContext&, Task&, u64)> on_dequeue;
  std::function<void(ScxContext&, CpuId, Task*)> on_dispatch;
  std::function<void(ScxContext&, Task&)> on_tick;
  std::function<void(ScxContext&, Task&)> on_running;
  std::function<void(ScxContext&, Task&, bool)> on_stopping;
  std::function<s32(ScxContext&, Task&)> on_init_task;
  std::function<void(ScxContext&, u64)> on_timer;
  std::function<void(const ExitReport&)> on_exit;
  int exits = 0;

  s32 init(ScxContext& c) override { return on_init ? on_init(c) : 0; }
  void exit(ScxContext&, const ExitReport& r) override {
    ++exits;
    if (on_exit) on_exit(r);
  }
  CpuId select_cpu(ScxContext& c, Task& p, CpuId prev, u64 f) override {
    return on_select_cpu ? on_select_cpu(c, p, prev, f) : SchedOps::select_cpu(c, p, prev, f);
  }
  void enqueue(ScxContext& c, Task& p, u64 f) override {
    if (on_enqueue) on_enqueue(c, p, f);
    else SchedOps::enqueue(c, p, f);
  }
  void dequeue(ScxContext& c, Task& p, u64 f) override {
    if (on_dequeue) on_dequeue(c, p, f);
  }
  void dispatch(ScxContext& c, CpuId cpu, Task* prev) override {
    if (on_dispatch) on_dispatch(c, cpu, prev);
  }
  void tick(ScxContext& c, Task& p) override {
    if (on_tick) on_tick(c, p);
  }
  void running(ScxContext& c, Task& p) override {
    if (on_running) on_running(c, p);
  }
  void stopping(ScxContext& c, Task& p, bool r) override {
    if (on_stopping) on_stopping(c, p, r);
  }
  s32 init_task(ScxContext& c, Task& p, const InitTaskArgs&) override {
    return on_init_task ? on_init_task(c, p) : 0;
  }
  void timer_fired(ScxContext& c, u64 id) override {
    if (on_timer) on_timer(c, id);
  }

  OpsConfig cfg;
};

}  // namespace ups::test
