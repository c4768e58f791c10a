// HelperEnv: the helper-side state every environment carries.
#include "bpf/helpers/helper_env.h"

#include "bpf/helpers/timer_table.h"

namespace ups::bpf {

HelperEnv::HelperEnv() : timers_(std::make_unique<TimerTable>(*this)) {}

HelperEnv::~HelperEnv() = default;

bool HelperEnv::fire_timer(u64 timer_id) {
  clear_fault();
  return timers_->fire(timer_id);
}

void HelperEnv::fault(CallContext& ctx, std::string message) {
  ctx.abort = true;
  fault_ = std::move(message);
}

bool HelperEnv::release_held_lock() {
  if (!held_lock_) return false;
  *held_lock_ = 0;
  held_lock_ = nullptr;
  return true;
}

}  // namespace ups::bpf
