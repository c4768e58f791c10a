// Assertions for our own bugs (never for bad input or a misbehaving policy).
// UPS_ASSERT is always on; UPS_DASSERT runs in debug and simulator builds
// (UPS_DEBUG_CHECKS defined), where the invariant checker runs after every
// event.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace ups::detail {
[[noreturn]] inline void assert_fail(const char* expr, const char* file, int line,
                                     const char* func) {
  std::fprintf(stderr, "upsched: internal error: assertion `%s` failed at %s:%d (%s)\n",
               expr, file, line, func);
  std::abort();
}
}  // namespace ups::detail

#define UPS_ASSERT(cond)                                                          \
  do {                                                                            \
    if (__builtin_expect(!(cond), 0))                                             \
      ::ups::detail::assert_fail(#cond, __FILE__, __LINE__, __func__);            \
  } while (0)

#if defined(UPS_DEBUG_CHECKS)
#define UPS_DASSERT(cond) UPS_ASSERT(cond)
#define UPS_DEBUG_CHECKS_ON 1
#else
#define UPS_DASSERT(cond) ((void)0)
#define UPS_DEBUG_CHECKS_ON 0
#endif

#define UPS_UNREACHABLE() ::ups::detail::assert_fail("unreachable", __FILE__, __LINE__, __func__)
