// The bpf_conformance contract (Alan-Jowett/bpf_conformance): run a test
// file's bytecode with its `-- mem` bytes as memory (r1 = pointer, r2 =
// length) and compare r0 with `-- result`; a file with `-- error` passes
// when the program is rejected or traps. The helpers the suite calls are
// ubpf's test helpers (0 gather_bytes, 1 memfrob, 2 no_op, 3 sqrti,
// 4 strcmp_ext, 5 unwind: a zero argument ends the program with r0 = 0).
// Used by `upsched bpf conformance`, the conformance ctest and the plugin.
// The engine under test is a Backend (executor.h): the interpreter by
// default, the JIT when it comes; both run the same files.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "bpf/call_context.h"
#include "bpf/insn.h"
#include "vm/executor.h"
#include "vm/threaded_program.h"

namespace ups::vm {

// checked: every memory access is checked against the file's memory and
// the executor's stack (Executor::confine).
enum class ExecMode : u8 { fast, checked };

// The suite's helper table.
const bpf::ExternTable& conformance_helpers();

// Links `code`, makes `backend`'s executor for it and runs it over `memory`
// (modified in place). An error if the code does not load or the run traps.
Result<u64> run_conformance_program(bpf::Code code, std::span<u8> memory, ExecMode mode = ExecMode::fast,
                                    Backend backend = interpreter_backend);

struct ConformanceOutcome {
  std::string name;     // file name
  bool passed = false;
  std::string message;  // why it failed (empty when passed)
};

// Runs one file in `mode`.
ConformanceOutcome run_conformance_file(const std::string& path, ExecMode mode = ExecMode::fast,
                                        Backend backend = interpreter_backend);

// Every *.data file of `dir`, sorted by name. Error if `dir` is unreadable.
Result<std::vector<ConformanceOutcome>> run_conformance_dir(const std::string& dir, ExecMode mode = ExecMode::fast,
                                                            Backend backend = interpreter_backend);

}  // namespace ups::vm
