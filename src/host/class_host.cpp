#include "host/class_host.h"

#include <algorithm>

#include <fmt/format.h>

#include "workload/duration.h"

namespace ups::host {

ClassHost::ClassHost(Core& core, PolicyFactory factory, ClassHostHooks& hooks, std::string source, VirtPlace place)
    : core_(core), factory_(std::move(factory)), hooks_(hooks), source_(std::move(source)), place_(std::move(place)) {}

Status ClassHost::start(const std::vector<std::string>& policies, const Principal& principal,
                        const std::vector<workload::ClassDecl>& declared, TimeNs now) {
  for (auto& spec : policies) {
    if (is_fair_spec(spec)) continue;
    HostedClass c;
    c.decl.policy = spec;
    c.decl.name = spec;
    for (int n = 2; std::any_of(classes_.begin(), classes_.end(),
                                [&](auto& o) { return o.decl.name == c.decl.name; });
         ++n)
      c.decl.name = spec + "#" + std::to_string(n);
    c.decl.principal = principal;
    if (default_class_.empty()) default_class_ = c.decl.name;
    classes_.push_back(std::move(c));
  }
  for (auto& d : declared) classes_.push_back(HostedClass{d, kNoClass, false});
  for (auto& c : classes_) {
    for (const std::string* spec : {&c.decl.policy, &c.decl.replace_with}) {
      if (spec->empty() || is_fair_spec(*spec)) continue;
      auto inst = factory_(request(*spec, c, true, {}));
      if (!inst) return tl::unexpected(at_class(c, inst.error()));
    }
  }
  auto schedule = [&](u32 cls, Action action, TimeNs at) {
    steps_.push_back(Step{cls, action});
    hooks_.schedule_class_step(static_cast<u32>(steps_.size() - 1), at);
  };
  for (u32 i = 0; i < classes_.size(); ++i) {
    const workload::ClassDecl& d = classes_[i].decl;
    if (d.load_at == 0) {
      if (auto st = load(classes_[i], now); !st) return st;
    } else {
      schedule(i, Action::load, d.load_at);
    }
    if (d.replace_at) schedule(i, Action::replace, *d.replace_at);
    if (d.unload_at) schedule(i, Action::unload, *d.unload_at);
  }
  return {};
}

void ClassHost::apply_step(u32 step, TimeNs now) {
  UPS_ASSERT(step < steps_.size());
  HostedClass& c = classes_[steps_[step].cls];
  switch (steps_[step].action) {
    case Action::load:
      if (auto st = load(c, now); !st) refuse(st.error(), now);
      return;
    case Action::replace:
      if (in_chain(c)) replace(c, now);  // ejected before: nothing to replace
      return;
    case Action::unload:
      if (in_chain(c)) core_.unload_class(c.id, ExitKind::unreg, "unloaded by the scenario", now);
      c.loaded = false;
      return;
  }
}

PolicyRequest ClassHost::request(const std::string& spec, const HostedClass& c, bool check_only,
                                 const std::string& replaces) {
  PolicyRequest r{spec, c.decl.principal, c.decl.slot, c.decl.cpus, check_only, replaces, place_, nullptr};
  r.user_space = hooks_.user_space_host();
  return r;
}

bool ClassHost::in_chain(const HostedClass& c) const { return c.loaded && core_.class_loaded(c.id); }

Status ClassHost::load(HostedClass& c, TimeNs now) {
  auto inst = factory_(request(c.decl.policy, c, false, {}));
  if (!inst) return tl::unexpected(at_class(c, inst.error()));
  auto id = core_.load_class(std::move(inst->ops), inst->grant, inst->slot, now);
  if (!id) {
    Error e = id.error();
    e.message = "class '" + c.decl.name + "' failed to load: " + e.message;
    return tl::unexpected(e);
  }
  c.id = *id;
  c.loaded = true;
  hooks_.class_loaded(c.decl.name, c.id);
  return {};
}

void ClassHost::replace(HostedClass& c, TimeNs now) {
  auto inst = factory_(request(c.decl.replace_with, c, false, c.decl.policy));
  if (!inst) return refuse(at_class(c, inst.error()), now);
  auto id = core_.replace_class(c.id, std::move(inst->ops), now);
  if (!id) {
    Error e = id.error();
    e.message = "replacing class '" + c.decl.name + "' failed: " + e.message;
    return refuse(e, now);
  }
  c.id = *id;
  hooks_.class_replaced(c.decl.name, c.id, c.decl.name + "/" + c.decl.replace_with);
}

const std::string& ClassHost::class_name_for(const std::string& group_class) const {
  return group_class.empty() ? default_class_ : group_class;
}

ClassId ClassHost::class_for(const std::string& group_class) const {
  const std::string& name = class_name_for(group_class);
  if (!name.empty())
    for (auto& c : classes_)
      if (c.decl.name == name && in_chain(c)) return c.id;
  return core_.fair_class();
}

std::vector<ExitReport> ClassHost::still_loaded_reports(TimeNs now) const {
  std::vector<ExitReport> out;
  for (const HostedClass& c : classes_) {
    if (!in_chain(c)) continue;
    ExitReport e;
    e.class_name = std::string(core_.class_name(c.id));
    e.kind = ExitKind::unreg_kern;
    e.reason = std::string(exit_kind_reason(e.kind));
    e.message = "still loaded when the run ended";
    e.at = now;
    out.push_back(std::move(e));
  }
  return out;
}

Error ClassHost::at_class(const HostedClass& c, Error e) const {
  if (c.decl.line) e.where = SourceLoc{source_, c.decl.line, 0, "class '" + c.decl.name + "'"};
  return e;
}

void ClassHost::refuse(const Error& e, TimeNs now) {
  refused_.push_back(fmt::format("at {}: {}", workload::format_instant(now), e.to_string()));
}

}  // namespace ups::host
