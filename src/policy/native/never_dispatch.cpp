// never_dispatch: a deliberately broken policy, the twin of
// sdk/policies/bad_never_dispatch.bpf.c. enqueue() keeps every task in the
// policy's custody and there is no dispatch(), so its tasks never run; the
// watchdog must eject it after timeout_ms (1 s) and its tasks then finish
// under fair.
#include "core/scx_context.h"
#include "policy/native/native_policies.h"

namespace ups::native {

namespace {
class NeverDispatch final : public SchedOps {
public:
  NeverDispatch() {
    cfg_.name = "never_dispatch";
    cfg_.timeout_ms = 1000;
    cfg_.implemented = op_bit(Op::enqueue);
  }
  const OpsConfig& config() const override { return cfg_; }
  void enqueue(ScxContext&, Task&, u64) override { ++nr_swallowed_; }

private:
  OpsConfig cfg_;
  u64 nr_swallowed_ = 0;
};
}  // namespace

std::unique_ptr<SchedOps> make_never_dispatch() { return std::make_unique<NeverDispatch>(); }

}  // namespace ups::native
