// ClassHost: the classes of one run as its scenario declares them (the
// `--policy` classes in chain order, then the workload's classes), loaded,
// replaced and unloaded in a Core through a PolicyFactory. The simulator
// and the runtime drive this one implementation; only the clock is theirs:
// the host asks the substrate, through ClassHostHooks, to come back at a
// step's time, and tells it when a class arrives so that it attaches the
// tasks that belong to it. A refused load or replacement during the run is
// noted and the run goes on, as a refused load does not stop a real system.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "core/core.h"
#include "host/policy_factory.h"
#include "workload/workload.h"

namespace ups::host {

// What the substrate does for the host.
class ClassHostHooks {
public:
  virtual ~ClassHostHooks() = default;
  // Call ClassHost::apply_step(step, now) when the clock reaches `at`.
  virtual void schedule_class_step(u32 step, TimeNs at) = 0;
  // Class `name` was loaded as `id`: attach the tasks that belong to it
  // (ClassHost::class_name_for says which).
  virtual void class_loaded(const std::string& name, ClassId id) = 0;
  // Class `name` was replaced; its tasks moved to `id` in the core.
  // `label` ("name/new-spec") tells the replacement apart in reports.
  virtual void class_replaced(const std::string& name, ClassId id, const std::string& label) = 0;
  // Where a policy's user-space half runs (policy/user_space_half.h), if
  // this substrate runs them; null: such a policy is refused.
  virtual policy::UserSpaceHost* user_space_host() { return nullptr; }
};

class ClassHost {
public:
  // `source` is the workload's file (class errors name its line); `place`
  // where the core's chain is (a VM's guest, the host), told to the factory.
  ClassHost(Core& core, PolicyFactory factory, ClassHostHooks& hooks, std::string source, VirtPlace place = {});

  // The --policy specs (chain order, loaded by `principal`; the first is the
  // default class of tasks whose group names none), then the declared
  // classes. Every spec is checked now, so that a typo fails before the run;
  // the classes due at time 0 are loaded, the later steps scheduled.
  Status start(const std::vector<std::string>& policies, const Principal& principal,
               const std::vector<workload::ClassDecl>& declared, TimeNs now);
  // A scheduled step (ClassHostHooks::schedule_class_step). Never fails the
  // run: a refusal is noted in refused().
  void apply_step(u32 step, TimeNs now);

  // The class a task of a group naming `group_class` ("" = none) belongs
  // to: its name, and its id in the core (fair while it is not loaded).
  const std::string& class_name_for(const std::string& group_class) const;
  ClassId class_for(const std::string& group_class) const;

  // Loads and replacements refused during the run ("at 0.030000000s: ...").
  const std::vector<std::string>& refused() const { return refused_; }
  // The normal report of each class still loaded when the run ends, as the
  // host unloading it would make (its exit callback does not run: the
  // report describes the run, which is over).
  std::vector<ExitReport> still_loaded_reports(TimeNs now) const;

private:
  struct HostedClass {
    workload::ClassDecl decl;
    ClassId id = kNoClass;
    bool loaded = false;
  };
  enum class Action : u8 { load, replace, unload };
  struct Step {
    u32 cls;
    Action action;
  };

  Status load(HostedClass& c, TimeNs now);
  void replace(HostedClass& c, TimeNs now);
  bool in_chain(const HostedClass& c) const;
  PolicyRequest request(const std::string& spec, const HostedClass& c, bool check_only, const std::string& replaces);
  // A factory's refusal of c, placed at the class's line in the scenario.
  Error at_class(const HostedClass& c, Error e) const;
  void refuse(const Error& e, TimeNs now);

  Core& core_;
  PolicyFactory factory_;
  ClassHostHooks& hooks_;
  std::string source_;
  VirtPlace place_;
  std::vector<HostedClass> classes_;
  std::vector<Step> steps_;
  std::string default_class_;
  std::vector<std::string> refused_;
};

}  // namespace ups::host
