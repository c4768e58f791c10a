// default_backend(): the backend a policy gets unless it asks otherwise:
// the JIT on an x86-64 host (decided at compile time), the interpreter
// elsewhere. `--no-jit` (CLI) and LoadPolicyOptions::backend pick the
// interpreter instead.
#pragma once

#include "jit/jit_program.h"
#include "vm/threaded_program.h"

namespace ups::jit {

// True when this build can JIT (an x86-64 host).
constexpr bool kHostSupported =
#if defined(__x86_64__)
    true;
#else
    false;
#endif

constexpr vm::Backend default_backend() { return kHostSupported ? backend : vm::interpreter_backend; }

// The backend for a `--no-jit` flag.
constexpr vm::Backend backend_for(bool no_jit) { return no_jit ? vm::interpreter_backend : default_backend(); }

}  // namespace ups::jit
