// Cgroups: the hierarchy of task groups a policy may schedule by, as Linux's
// cgroup v2 tree with the cpu controller: a root ("/", id 1, level 0),
// children named by path ("/a/b"), each with a cpu.weight (1..10000,
// default 100), its level and its ancestors. Every task belongs to exactly
// one cgroup (the root unless placed elsewhere). The tree is plain data;
// the core (core.cpp) changes it and calls the ext classes' cgroup
// callbacks (sched_ops.h) around each change, as Linux's ext.c does.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace ups {

using CgroupId = u64;
inline constexpr CgroupId kRootCgroupId = 1;  // Linux: the root's kernfs id
inline constexpr u32 kCgroupWeightMin = 1;
inline constexpr u32 kCgroupWeightMax = 10000;
inline constexpr u32 kCgroupWeightDfl = 100;
// Deepest level a cgroup may sit at (the root is 0); Linux's limit is
// cgroup.max.depth, unlimited by default, but upsched sizes the
// ancestors[] a policy reads from it.
inline constexpr int kCgroupMaxLevel = 15;

struct Cgroup {
  CgroupId id = kRootCgroupId;
  std::string path;  // "/" for the root, else "/a/b"
  Cgroup* parent = nullptr;
  int level = 0;
  u32 weight = kCgroupWeightDfl;  // cpu.weight
  std::vector<Cgroup*> children;  // in creation order
  u32 nr_tasks = 0;               // live tasks in this cgroup (not below)
  // ancestors[i]: the ancestor at level i; ancestors[level] is this one.
  std::vector<const Cgroup*> ancestors;
  // The ancestor at `lvl`, or null past this cgroup's level.
  const Cgroup* ancestor(int lvl) const {
    return lvl >= 0 && lvl <= level ? ancestors[static_cast<size_t>(lvl)] : nullptr;
  }
};

// Whether `path` is a well-formed cgroup path: "/" or "/name(/name)*" with
// names of [A-Za-z0-9_.-], none "." or ".."; an error naming the fault.
Status check_cgroup_path(std::string_view path);
Status check_cgroup_weight(u32 weight);

class CgroupTree {
public:
  CgroupTree();
  Cgroup& root() const { return *all_.front(); }
  // null when there is no such cgroup (or it was removed)
  Cgroup* find(std::string_view path) const;
  Cgroup* find(CgroupId id) const;
  // A new cgroup under its existing parent; refused for a bad path or
  // weight, an existing path, a missing parent, or past kCgroupMaxLevel.
  Result<Cgroup*> create(std::string_view path, u32 weight);
  // Refused while it has children or tasks, and for the root.
  Status check_removable(const Cgroup& cg) const;
  void remove(Cgroup& cg);
  // Every live cgroup, parents before their children (creation order
  // within a parent): the order of cgroup_init; reversed, of cgroup_exit.
  std::vector<Cgroup*> parent_first() const;
  size_t size() const { return by_id_.size() - nr_removed_ - 1; }

private:
  std::vector<std::unique_ptr<Cgroup>> all_;  // stable addresses, never shrinks
  std::vector<Cgroup*> by_id_;               // index = id; null: removed (0 unused)
  size_t nr_removed_ = 0;
};

}  // namespace ups
