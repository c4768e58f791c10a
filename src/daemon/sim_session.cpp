#include "daemon/sim_session.h"

#include <fmt/format.h>

#include "daemon/session.h"
#include "host/policy_factory.h"
#include "sim/world.h"
#include "workload/duration.h"
#include "workload/presets.h"

namespace ups::daemon {

Response admit_sim_session(const Peer& peer, const security::AdmissionConfig& cfg, const std::string& rule) {
  if (peer.principal.is_root() || cfg.grant_for(peer.principal, peer.groups).caps.has(security::Capability::load))
    return Response{true, {}, {}, rule};
  return refused(fmt::format("{} lacks sched.load: a simulator session runs under the caller's grant", peer.describe()),
                rule);
}

Response run_sim_session(Session& session, const Peer& peer, const SubmitArgs& a,
                         std::shared_ptr<const security::AdmissionConfig> admission, const std::string& rule) {
  const int cpus = static_cast<int>(a.sim_cpus);
  auto w = a.preset.empty() ? workload::parse_workload(a.workload, a.workload_name)
                            : workload::make_preset(a.preset, cpus);
  if (!w) return refused(w.error().to_string(), "workload: the file must parse");
  TimeNs duration = kNsPerSec;
  if (!a.duration.empty()) {
    auto d = workload::parse_duration(a.duration);
    if (!d || *d == 0 || *d > kMaxSimDuration)
      return refused(fmt::format("--duration {}: {}", a.duration,
                                d ? fmt::format("must be above 0 and at most {} s", kMaxSimDuration / kNsPerSec)
                                  : d.error().message),
                    "limit: simulator sessions");
    duration = *d;
  }
  // Every task and every class of the session is the caller's.
  for (auto& g : w->groups) g.owner = peer.principal;
  for (auto& c : w->classes) c.principal = peer.principal;

  sim::SimConfig cfg;
  cfg.nr_cpus = cpus;
  cfg.duration = duration;
  cfg.seed = 1;
  cfg.check_invariants = false;
  cfg.policy_principal = peer.principal;
  const std::string object = a.policy.object.empty() ? "" : a.policy.object_name;
  if (!object.empty()) cfg.policies = {object};
  // The object the client sent is the one BPF policy of the session; the
  // daemon opens no path a client names. Native policies are the caller's too.
  host::PolicyFactory natives = host::native_policy_factory();
  host::PolicyFactory factory = [&](const host::PolicyRequest& req) -> Result<host::PolicyInstance> {
    host::PolicyRequest mine = req;
    mine.principal = peer.principal;
    if (object.empty() || req.spec != object) {
      if (req.spec.find(".bpf.o") != std::string::npos)
        return make_error(ErrorKind::rejected,
                          fmt::format("{}: the daemon opens no file a client names; send it with --policy", req.spec));
      return natives(mine);
    }
    policy::LoadPolicyOptions o;
    o.slot = req.slot;
    o.cpus = req.cpus;
    o.nr_cpus = cpus;
    o.admission = admission.get();
    auto lp = session.load_object(peer, a.policy, std::move(o), false, /*count_class=*/false);
    if (!lp) return tl::unexpected(lp.error());
    return host::PolicyInstance{std::move(lp->ops), lp->grant, lp->slot};
  };
  auto world = sim::World::create(std::move(*w), cfg, factory);
  if (!world) return refused(world.error().to_string(), rule);
  auto st = (*world)->run();
  report::RunReport rep = (*world)->report(false);
  if (!st) rep.error = st.error().message;
  Response r;
  r.ok = true;
  r.rule = rule;
  r.result = {{"report", nlohmann::json::parse(rep.to_json(), nullptr, false)}, {"summary", rep.summary()}};
  return r;
}

}  // namespace ups::daemon
