#include "host/policy_factory.h"

#include "policy/native/registry.h"

namespace ups::host {

bool is_fair_spec(const std::string& spec) { return spec == "fair"; }

PolicyFactory native_policy_factory() {
  return [](const PolicyRequest& req) -> Result<PolicyInstance> {
    PolicyInstance inst;
    inst.ops = make_native_policy(req.spec);
    if (!inst.ops) {
      std::string names = "fair";
      for (auto& [n, d] : native_policy_list())
        if (n != "fair") names += ", " + n;
      return make_error(ErrorKind::not_found,
                        "unknown policy '" + req.spec + "' (policies: " + names + ")");
    }
    inst.grant.owner = req.principal;
    inst.grant.cpus = req.cpus;
    inst.grant.all_tasks = req.principal.is_root();
    inst.slot = req.slot;
    return inst;
  };
}

std::vector<std::pair<std::string, std::string>> native_policy_list() {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("fair", "the built-in weighted fair class (no class loaded)");
  for (auto& p : native_policies()) out.emplace_back(p.name, p.description);
  return out;
}

}  // namespace ups::host
