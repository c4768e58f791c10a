// Fiber: a user-level thread's stack and saved context, switched with
// Boost.Context's fcontext (three registers' worth of assembly per switch,
// no signal-mask syscall as ucontext makes). A fiber runs `body` once; the
// worker that resumes it gets control back when the fiber suspends or its
// body returns. The stack is mmap'd with a guard page below it, so an
// overflow faults instead of corrupting a neighbour.
#pragma once

#include <cstddef>
#include <functional>

#include <boost/context/detail/fcontext.hpp>

#include "base/result.h"

namespace ups::runtime {

namespace fctx = boost::context::detail;

class Fiber {
public:
  using Body = std::function<void()>;
  // A fiber with a `stack_bytes` stack (rounded up to pages) that will run
  // `body`; it starts at its first resume().
  static Result<Fiber*> create(Body body, size_t stack_bytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // From a worker's scheduler context: run the fiber until it suspends.
  // `msg` is handed to the fiber (what suspend() returns); the result is
  // what the fiber passed to suspend(), or kFinished once the body returned.
  void* resume(void* msg);
  // From inside the fiber: back to the worker that resumed it.
  void* suspend(void* msg);
  bool finished() const { return finished_; }

  static inline void* const kFinished = reinterpret_cast<void*>(~uintptr_t{0});

private:
  Fiber() = default;
  static void entry(fctx::transfer_t t);

  // Sanitizers are told of each stack switch (fiber.cpp: no-ops otherwise).
  void before_enter(void** fake_stack);
  void after_enter(void* fake_stack);
  void before_leave(void** fake_stack, bool dying);
  void after_leave_return(void* fake_stack);

  Body body_;
  void* stack_base_ = nullptr;  // the mapping, guard page included
  size_t usable_ = 0;           // the stack below the top, for ASan
  const void* caller_stack_ = nullptr;  // the scheduler's stack (ASan)
  size_t caller_stack_size_ = 0;
  void* tsan_fiber_ = nullptr;   // TSan's fiber, and the scheduler's while it runs
  void* tsan_caller_ = nullptr;
  size_t stack_len_ = 0;
  fctx::fcontext_t self_ = nullptr;    // the fiber's saved context
  fctx::fcontext_t caller_ = nullptr;  // the scheduler's, while the fiber runs
  bool finished_ = false;
};

}  // namespace ups::runtime
