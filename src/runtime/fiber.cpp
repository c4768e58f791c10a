#include "runtime/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ups::runtime {

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
  f->self_ = fctx::make_fcontext(static_cast<char*>(mem) + len, usable, &Fiber::entry);
  return f;
}

Fiber::~Fiber() {
  if (stack_base_) ::munmap(stack_base_, stack_len_);
}

void Fiber::entry(fctx::transfer_t t) {
  // The first resume passes the fiber itself; its message waits in first_msg_.
  auto* f = static_cast<Fiber*>(t.data);
  f->caller_ = t.fctx;
  f->body_();
  f->finished_ = true;
  f->body_ = nullptr;  // captured state dies on the fiber, as a thread's would
  fctx::jump_fcontext(f->caller_, kFinished);
  __builtin_unreachable();  // a finished fiber is never resumed
}

void* Fiber::resume(void* msg) {
  void* pass = msg;
  if (!caller_ && !finished_) {  // not started: entry() receives the fiber
    first_msg_ = msg;
    pass = this;
  }
  fctx::transfer_t t = fctx::jump_fcontext(self_, pass);
  if (t.data != kFinished) self_ = t.fctx;
  return t.data;
}

void* Fiber::suspend(void* msg) {
  fctx::transfer_t t = fctx::jump_fcontext(caller_, msg);
  caller_ = t.fctx;
  return t.data;
}

}  // namespace ups::runtime
