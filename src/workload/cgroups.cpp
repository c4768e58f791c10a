#include "workload/cgroups.h"

namespace ups::workload {

Status create_cgroups(Core& core, const Workload& w, TimeNs now) {
  for (const CgroupDecl& d : w.cgroups)
    if (auto id = core.create_cgroup(d.path, d.weight, now); !id) {
      Error e = id.error();
      e.where = SourceLoc{w.source, d.line, 0, "cgroup '" + d.path + "'"};
      return tl::unexpected(e);
    }
  return {};
}

bool move_group(Core& core, std::span<Task* const> live, const CgroupMove& m, TimeNs now) {
  const Cgroup* to = core.find_cgroup(m.to);
  return to && core.move_tasks_cgroup(live, to->id, now).has_value();
}

}  // namespace ups::workload
