#include "cli/policy_spec.h"

#include <map>
#include "policy/policy_loader.h"

namespace ups::cli {

bool split_bpf_spec(const std::string& spec, std::string& path, std::string& user) {
  const std::string ext = ".bpf.o";
  const size_t at = spec.rfind(ext);
  if (at == std::string::npos) return false;
  const size_t end = at + ext.size();
  if (end == spec.size()) {
    path = spec;
    user.clear();
    return true;
  }
  if (spec[end] != ':') return false;
  path = spec.substr(0, end);
  user = spec.substr(end + 1);
  return true;
}

Result<sim::PolicyFactory> policy_spec_factory(const std::string& admission_file, u64 seed, int nr_cpus) {
  auto adm = std::make_shared<security::AdmissionConfig>();
  if (!admission_file.empty()) {
    auto loaded = security::AdmissionConfig::load_file(admission_file);
    if (!loaded) return tl::unexpected(loaded.error());
    *adm = std::move(*loaded);
  }
  // Classes loaded so far per principal, for the max_classes limit.
  auto loaded_by = std::make_shared<std::map<u64, u32>>();
  sim::PolicyFactory native = sim::native_policy_factory();
  return sim::PolicyFactory([adm, loaded_by, native, seed, nr_cpus](
                                const sim::PolicyRequest& req) -> Result<sim::PolicyInstance> {
    std::string path, user;
    if (!split_bpf_spec(req.spec, path, user)) return native(req);
    policy::LoadPolicyOptions o;
    o.principal = req.principal;
    if (!user.empty()) {
      auto who = adm->find_principal(user);
      if (!who) return tl::unexpected(who.error());
      o.principal = who->principal;
    }
    o.admission = adm.get();
    o.slot = req.slot;
    o.cpus = req.cpus;
    o.seed = seed;
    o.nr_cpus = nr_cpus;
    const u64 key = (u64{o.principal.uid} << 32) | o.principal.gid;
    o.classes_loaded = (*loaded_by)[key];
    auto lp = policy::load_bpf_policy(path, o);
    if (!lp) return tl::unexpected(lp.error());
    ++(*loaded_by)[key];
    sim::PolicyInstance inst;
    inst.ops = std::move(lp->ops);
    inst.grant = lp->grant;
    inst.slot = lp->slot;
    return inst;
  });
}

}  // namespace ups::cli
