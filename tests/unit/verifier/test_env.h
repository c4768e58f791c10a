// The world verifier tests run in: a sched_ext-like set of callbacks,
// structs with field-access tables, helpers and kfuncs with the callbacks
// and capabilities they need. This is test data in the shape the policy
// host hands the verifier; it is not the policy host's real table.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "asm_text.h"
#include "base/result.h"
#include "verifier/api_set.h"
#include "verifier/program_info.h"

namespace ups::verifier::test {

using Caps = std::set<std::string>;
// The ordinary capabilities; the administrator's sched.all_tasks (which
// lets a loader see pointer values) only where a test names it.
Caps all_caps();

// Struct indexes in test_structs().
inline constexpr s32 kTask = 0, kCpumask = 1, kExitInfo = 2, kInitTaskArgs = 3, kIterNum = 4, kInt = 5,
                     kIterDsq = 6, kBpfCpumask = 7;

std::vector<StructDesc> test_structs(const Caps& caps);
// The context of a sched_ext-like callback ("enqueue", "dispatch", ...), or
// "prog": one scalar argument, any return.
Result<ContextDesc> callback_ctx(const std::string& name);
ApiSet test_api(const std::string& callback, const Caps& caps);
Symbols test_symbols(const std::vector<bpf::MapDef>* maps);
// "counts hash key=4 value=8 entries=16 [rodata] [lock=0 | res_lock=0] [timer=8] [init=01 02]
// [inner_key=4 inner_value=8 inner_entries=4]" (the last for array_of_maps)"
Result<bpf::MapDef> parse_map_line(const std::string& line);

// A program ready for verify(): parsed from a data file's sections.
struct TestProgram {
  ProgramInfo info;
  ApiSet api;
};
// ctx: callback name; maps: map lines; caps: space-separated (empty string:
// none; nullptr: all); asm: the program.
Result<TestProgram> make_program(const std::string& callback, const std::string& maps, const std::string* caps,
                                 const std::string& asm_text, const std::string& file_name = "test.s");

}  // namespace ups::verifier::test
