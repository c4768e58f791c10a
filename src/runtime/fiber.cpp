#include "runtime/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#if defined(__SANITIZE_ADDRESS__)
#define UPS_FIBER_ASAN 1
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#define UPS_FIBER_TSAN 1
#include <sanitizer/tsan_interface.h>
#endif

namespace ups::runtime {

// The sanitizers' fiber protocol: ASan must know which stack is live (for
// its fake stacks and stack-bounds checks), TSan which logical thread runs
// (happens-before follows the fiber, not the OS thread).
void Fiber::before_enter([[maybe_unused]] void** fake_stack) {
#ifdef UPS_FIBER_ASAN
  __sanitizer_start_switch_fiber(fake_stack, static_cast<char*>(stack_base_) + stack_len_ - usable_, usable_);
#endif
#ifdef UPS_FIBER_TSAN
  tsan_caller_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
}

void Fiber::after_enter([[maybe_unused]] void* fake_stack) {
#ifdef UPS_FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, &caller_stack_, &caller_stack_size_);
#endif
}

void Fiber::before_leave([[maybe_unused]] void** fake_stack, [[maybe_unused]] bool dying) {
#ifdef UPS_FIBER_ASAN
  __sanitizer_start_switch_fiber(dying ? nullptr : fake_stack, caller_stack_, caller_stack_size_);
#endif
#ifdef UPS_FIBER_TSAN
  __tsan_switch_to_fiber(tsan_caller_, 0);
#endif
}

void Fiber::after_leave_return([[maybe_unused]] void* fake_stack) {
#ifdef UPS_FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

Result<Fiber*> Fiber::create(Body body, size_t stack_bytes) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t usable = (std::max<size_t>(stack_bytes, 4 * page) + page - 1) / page * page;
  const size_t len = usable + page;
  void* mem = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED)
    return make_error(ErrorKind::io, fmt::format("fiber stack of {} bytes: {}", len, std::strerror(errno)));
  ::mprotect(mem, page, PROT_NONE);  // the guard page: the stack grows down onto it
  auto* f = new Fiber();
  f->body_ = std::move(body);
  f->stack_base_ = mem;
  f->stack_len_ = len;
  f->usable_ = usable;
#ifdef UPS_FIBER_TSAN
  f->tsan_fiber_ = __tsan_create_fiber(0);
#endif
  f->self_ = fctx::make_fcontext(static_cast<char*>(mem) + len, usable, &Fiber::entry);
  return f;
}

Fiber::~Fiber() {
#ifdef UPS_FIBER_TSAN
  if (tsan_fiber_) __tsan_destroy_fiber(tsan_fiber_);
#endif
  if (stack_base_) ::munmap(stack_base_, stack_len_);
}

void Fiber::entry(fctx::transfer_t t) {
  // The first resume passes the fiber itself.
  auto* f = static_cast<Fiber*>(t.data);
  f->after_enter(nullptr);
  f->caller_ = t.fctx;
  f->body_();
  f->finished_ = true;
  f->body_ = nullptr;  // captured state dies on the fiber, as a thread's would
  f->before_leave(nullptr, true);
  fctx::jump_fcontext(f->caller_, kFinished);
  __builtin_unreachable();  // a finished fiber is never resumed
}

void* Fiber::resume(void* msg) {
  void* pass = msg;
  if (!caller_ && !finished_) pass = this;  // not started: entry() receives the fiber
  void* fake = nullptr;
  before_enter(&fake);
  fctx::transfer_t t = fctx::jump_fcontext(self_, pass);
  after_leave_return(fake);
  if (t.data != kFinished) self_ = t.fctx;
  return t.data;
}

void* Fiber::suspend(void* msg) {
  void* fake = nullptr;
  before_leave(&fake, false);
  fctx::transfer_t t = fctx::jump_fcontext(caller_, msg);
  after_enter(fake);
  caller_ = t.fctx;
  return t.data;
}

}  // namespace ups::runtime
