// The native policy registry (see registry.h).
#include "policy/native/registry.h"

#include "policy/native/native_policies.h"

namespace ups {

const std::vector<NativePolicyInfo>& native_policies() {
  static const std::vector<NativePolicyInfo> list = {
      {"fifo", "global FIFO: every task into SCX_DSQ_GLOBAL with the default slice"},
      {"simple", "weighted vtime over one shared DSQ (scx_simple)"},
      {"simple_fifo", "scx_simple in FIFO mode: one shared FIFO DSQ"},
      {"central", "CPU 0 decides for all CPUs, infinite slices, 1 ms preemption timer (scx_central)"},
      {"qmap", "five FIFO levels by weight served round robin (scx_qmap)"},
      {"qmap_fifo", "scx_qmap in FIFO mode: one level, a global FIFO kept by the policy"},
      {"faas_event", "FaaS: park idle-polling runtimes, EDF by chain position (faas_event.bpf.c twin)"},
      {"never_dispatch", "broken on purpose: never dispatches; the watchdog ejects it after 1 s"},
  };
  return list;
}

std::unique_ptr<SchedOps> make_native_policy(std::string_view name) {
  if (name == "fifo") return native::make_fifo();
  if (name == "simple") return native::make_simple(false);
  if (name == "simple_fifo") return native::make_simple(true);
  if (name == "central") return native::make_central(0);
  if (name == "qmap") return native::make_qmap(false);
  if (name == "qmap_fifo") return native::make_qmap(true);
  if (name == "faas_event") return native::make_faas_event();
  if (name == "never_dispatch") return native::make_never_dispatch();
  return nullptr;
}

}  // namespace ups
