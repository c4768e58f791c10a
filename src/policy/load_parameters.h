// load_parameters.h: what a sched_ext scheduler's own user-space half does
// to its object before load, done by upsched's loader and by `upsched
// verify` alike: `const volatile` globals set (libbpf's
// `skel->rodata->NAME = V`; `?NAME=V`, `--set NAME=V`), RESIZABLE_ARRAY
// globals resized (`RESIZE_ARRAY`; `?NAME[]=N`), elements of a `const
// volatile` array set (`skel->rodata->NAME[i] = V`; `?NAME[i]=V`, or
// `?NAME=V0,V1,...` for the first elements in order). And the one thing upsched
// cannot do in its place: run a user-space scheduler that the BPF half
// hands its tasks to. Such an object is named, with the reason, rather than
// run to a misleading failure.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "bpf/maps/map_set.h"
#include "bpf/object/object.h"

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

}  // namespace ups::policy
