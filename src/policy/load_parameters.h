// load_parameters.h: what a sched_ext scheduler's own user-space half does
// to its object before load, done by upsched's loader and by `upsched
// verify` alike: `const volatile` globals set (libbpf's
// `skel->rodata->NAME = V`; `?NAME=V`, `--set NAME=V`), RESIZABLE_ARRAY
// globals resized (`RESIZE_ARRAY`; `?NAME[]=N`). And the one thing upsched
// cannot do in its place: run a user-space scheduler that the BPF half
// hands its tasks to. Such an object is named, with the reason, rather than
// run to a misleading failure.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "bpf/object/object.h"

namespace ups::policy {

struct LoadParameters {
  std::vector<std::pair<std::string, u64>> params;   // `const volatile` globals
  std::vector<std::pair<std::string, u32>> resizes;  // RESIZABLE_ARRAY globals, elements
};

// Resizes first (the admission counts the maps' bytes after them), then
// sets the globals (each value truncated to its global's size, little
// endian). The error names the parameter.
Status apply_resizes(bpf::Object& obj, const LoadParameters& p);
Status apply_params(bpf::Object& obj, const LoadParameters& p);

// Why `obj` cannot run without the user-space half that upsched does not
// run, or nullopt. Known by the read-only global its loader sets to its
// own pid (scx_userland's `usersched_pid`), while that is still 0.
std::optional<std::string> missing_user_space_half(const bpf::Object& obj);

}  // namespace ups::policy
