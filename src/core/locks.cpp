// Lock holders (upsched_ lock-holder extension): which task holds each lock
// the substrate reports, and who waits for it in FIFO order. A user-space
// scheduler cannot see this; the core can, and tells policies holding
// sched.locks (ScxContext::task_lock_*), e.g. to run a holder that others
// wait for first. Each task's LockInfo keeps the counts a policy reads, so
// no query walks the lock table.
#include <fmt/format.h>

#include "core/core_impl.h"

namespace ups {

namespace {
tl::unexpected<Error> lock_error(const Task& p, std::string what) {
  return make_error(ErrorKind::invalid_argument,
                    fmt::format("task {} ({}) {}", p.id, std::string_view(p.comm.data()), what),
                    SourceLoc{{}, 0, 0, "lock"});
}
}  // namespace

Result<bool> Core::lock_acquire(Task& p, u64 lock, TimeNs now) {
  EntryScope es(*impl_, now);
  if (lock == 0) return lock_error(p, "takes lock 0 (lock ids are non-zero)");
  if (p.state != TaskState::running) return lock_error(p, "takes a lock while not running");
  LockState& st = impl_->locks[lock];
  if (st.holder == &p) return lock_error(p, fmt::format("takes lock {}, which it holds already", lock));
  if (!st.holder) {
    st.holder = &p;
    ++p.lock.held;
    return true;
  }
  st.waiters.push_back(&p);
  p.lock.waiting_for = lock;
  ++st.holder->lock.waiters;
  return false;
}

Result<Task*> Core::lock_release(Task& p, u64 lock, TimeNs now) {
  EntryScope es(*impl_, now);
  auto it = impl_->locks.find(lock);
  if (it == impl_->locks.end() || it->second.holder != &p)
    return lock_error(p, fmt::format("releases lock {}, which it does not hold", lock));
  LockState& st = it->second;
  --p.lock.held;
  p.lock.waiters -= static_cast<u32>(st.waiters.size());
  if (st.waiters.empty()) {
    impl_->locks.erase(it);
    return nullptr;
  }
  Task* next = st.waiters.front();
  st.waiters.pop_front();
  st.holder = next;
  next->lock.waiting_for = 0;
  ++next->lock.held;
  next->lock.waiters += static_cast<u32>(st.waiters.size());
  return next;
}

Task* Core::lock_holder_for(const Task& p) const {
  if (p.lock.waiting_for == 0) return nullptr;
  auto it = impl_->locks.find(p.lock.waiting_for);
  return it == impl_->locks.end() ? nullptr : it->second.holder;
}

}  // namespace ups
