// load_parameters.h: what a sched_ext scheduler's own user-space half does
// to its object before load, done by upsched's loader and by `upsched
// verify` alike: `const volatile` globals set (libbpf's
// `skel->rodata->NAME = V`; `?NAME=V`, `--set NAME=V`), RESIZABLE_ARRAY
// globals resized (`RESIZE_ARRAY`; `?NAME[]=N`), elements of a `const
// volatile` array set (`skel->rodata->NAME[i] = V`; `?NAME[i]=V`, or
// `?NAME=V0,V1,...` for the first elements in order). And a user-space
// scheduler that the BPF half hands its tasks to: upsched runs its own
// version of it where the substrate offers a task for it (the simulator),
// and elsewhere names the object, with the reason, rather than run it to a
// misleading failure.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "bpf/maps/map_set.h"
#include "bpf/object/object.h"
#include "policy/user_space_half.h"

namespace ups::policy {

struct LoadParameters {
  // `const volatile` globals, or one element of an array: "NAME[i]"
  std::vector<std::pair<std::string, u64>> params;
  // RESIZABLE_ARRAY globals, elements; "MAP.max_entries" (bpf_map__set_max_entries)
  // and "MAP.inner_maps" (that many fresh inner maps in slots 0.. of a map
  // of maps, as scx_pair.c fills cgrp_q_arr after load)
  std::vector<std::pair<std::string, u32>> resizes;
};

// Resizes first (the admission counts the maps' bytes after them), then
// sets the globals (each value truncated to its global's size, little
// endian). The error names the parameter.
Status apply_resizes(bpf::Object& obj, const LoadParameters& p);
Status apply_params(bpf::Object& obj, const LoadParameters& p);
// After the maps are made: the "MAP.inner_maps" of p.
Status fill_inner_maps(const bpf::Object& obj, bpf::MapSet& maps, const LoadParameters& p, int nr_cpus);
// Whether a NAME[]=N / NAME.max_entries=N / NAME.inner_maps=N name is one
// of p.resizes' kinds (not a value).
bool is_resize_name(const std::string& name);
// Adds NAME=VALUE to p, where VALUE is a number or a comma list of numbers
// (NAME[0], NAME[1], ... of an array); the error names NAME and the value.
Status add_param(LoadParameters& p, const std::string& name, const std::string& value);

// Why `obj` cannot run without the user-space half that upsched does not
// run, or nullopt. Known by the read-only global its loader sets to its
// own pid (scx_userland's `usersched_pid`), while that is still 0.
std::optional<std::string> missing_user_space_half(const bpf::Object& obj);
// For such an object, with a substrate that runs user-space halves: a task
// reserved for the half (its pid, or 0 when obj needs none), written into
// the global as its loader writes its own pid, with the CPU count global
// (scx_userland's num_possible_cpus) unless `given` sets it.
Result<s32> reserve_user_space_half(bpf::Object& obj, const LoadParameters& given, int nr_cpus,
                                    UserSpaceHost& host, const char* comm);
// The half itself, over the loaded object's maps (index for index).
Result<std::unique_ptr<UserSpaceHalf>> make_user_space_half(const bpf::Object& obj,
                                                            const std::vector<std::shared_ptr<bpf::Map>>& maps);

}  // namespace ups::policy
