#include "host/policy_spec.h"

#include <limits>

#include <cstdlib>

#include "bpf/object/object.h"
#include "jit/default_backend.h"
#include "policy/bpf_policy.h"
#include "policy/load_parameters.h"
#include "policy/policy_loader.h"
#include "security/class_count.h"

namespace ups::host {

namespace {

tl::unexpected<Error> bad_spec(const std::string& spec, const std::string& why) {
  return make_error(ErrorKind::invalid_argument, "--policy " + spec + ": " + why);
}

}  // namespace

Result<std::optional<BpfSpec>> parse_bpf_spec(const std::string& spec) {
  // The object is recognised by its ELF header: its path ends at the first
  // '?', ':' or the end that leaves a file starting with \x7fELF. A spec
  // naming no such file is an object only by its suffix (`.bpf.o`, so that
  // a missing one is reported as a file), else a native policy's name.
  size_t pos = std::string::npos;
  for (size_t end = 1; end <= spec.size() && pos == std::string::npos; ++end)
    if ((end == spec.size() || spec[end] == '?' || spec[end] == ':') && bpf::is_elf_file(spec.substr(0, end)))
      pos = end;
  if (pos == std::string::npos) {
    const std::string ext = ".bpf.o";
    const size_t at = spec.rfind(ext);
    if (at == std::string::npos) return std::optional<BpfSpec>{};
    pos = at + ext.size();
    if (pos != spec.size() && spec[pos] != '?' && spec[pos] != ':') return std::optional<BpfSpec>{};
  }
  BpfSpec out;
  out.path = spec.substr(0, pos);
  if (pos < spec.size() && spec[pos] == '?') {
    const size_t end = spec.find(':', pos);
    const std::string query = spec.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    size_t i = 0;
    while (i <= query.size()) {
      const size_t amp = std::min(query.find('&', i), query.size());
      const std::string item = query.substr(i, amp - i);
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        return bad_spec(spec, "parameter '" + item + "' is not NAME=VALUE");
      const std::string value = item.substr(eq + 1);
      const std::string name = item.substr(0, eq);
      // NAME[]=N resizes a RESIZABLE_ARRAY to N elements; MAP.max_entries=N,
      // MAP.inner_maps=N size and fill maps (policy/load_parameters.h).
      if (policy::is_resize_name(name)) {
        char* stop = nullptr;
        const unsigned long long v = std::strtoull(value.c_str(), &stop, 0);
        if (value.empty() || *stop != '\0')
          return bad_spec(spec, "parameter '" + name + "': '" + value + "' is not a number");
        if (v == 0 || v > std::numeric_limits<u32>::max())
          return bad_spec(spec, "parameter '" + name + "': " + value + " elements is not a size");
        out.resizes.emplace_back(name.ends_with("[]") ? name.substr(0, name.size() - 2) : name, static_cast<u32>(v));
      } else {
        // NAME=V, NAME[i]=V, NAME=V0,V1,... (policy/load_parameters.h)
        policy::LoadParameters lp;
        if (auto st = policy::add_param(lp, name, value); !st) return bad_spec(spec, st.error().message);
        out.params.insert(out.params.end(), lp.params.begin(), lp.params.end());
      }
      i = amp + 1;
    }
    pos = end == std::string::npos ? spec.size() : end;
  }
  if (pos < spec.size()) {
    out.user = spec.substr(pos + 1);
    if (out.user.empty()) return bad_spec(spec, "no user after ':'");
  }
  return std::optional<BpfSpec>{std::move(out)};
}

namespace {

// Who a spec's class is loaded as: its :USER, else the requester.
Result<Principal> loader_of(const BpfSpec& s, const Principal& requester, const security::AdmissionConfig& adm) {
  if (s.user.empty()) return requester;
  auto who = adm.find_principal(s.user);
  if (!who) return tl::unexpected(who.error());
  return who->principal;
}

// Whether req replaces a class that `who` loaded (a native class counts
// against no limit).
bool replaces_own_class(const PolicyRequest& req, const Principal& who, const security::AdmissionConfig& adm) {
  if (req.replaces.empty()) return false;
  auto old = parse_bpf_spec(req.replaces);
  if (!old || !*old) return false;
  auto loader = loader_of(**old, req.principal, adm);
  return loader && *loader == who;
}

class ThrowawayHalves final : public policy::UserSpaceHost {
public:
  Result<s32> reserve_task(const char*) override { return 1; }
  void run_half(s32, std::unique_ptr<policy::UserSpaceHalf>) override {}
};

}  // namespace

Result<PolicyFactory> policy_spec_factory(const std::string& admission_file, u64 seed, int nr_cpus, bool no_jit,
                                          std::shared_ptr<std::vector<policy::ClassMaps>> loaded) {
  auto adm = std::make_shared<security::AdmissionConfig>();
  if (!admission_file.empty()) {
    auto loaded = security::AdmissionConfig::load_file(admission_file);
    if (!loaded) return tl::unexpected(loaded.error());
    *adm = std::move(*loaded);
  }
  // The checks before a run load nothing and count nothing.
  security::ClassCount classes;
  PolicyFactory native = native_policy_factory();
  return PolicyFactory([adm, classes, native, seed, nr_cpus, no_jit, loaded](
                                const PolicyRequest& req) mutable -> Result<PolicyInstance> {
    auto spec = parse_bpf_spec(req.spec);
    if (!spec) return tl::unexpected(spec.error());
    if (!*spec) return native(req);
    const BpfSpec& s = **spec;
    policy::LoadPolicyOptions o;
    auto who = loader_of(s, req.principal, *adm);
    if (!who) return tl::unexpected(who.error());
    o.principal = *who;
    if (!s.user.empty()) {
      o.name_suffix = "." + s.user;
    } else if (o.principal.uid != 0) {
      // Two users' copies of one object are two classes with two names.
      o.name_suffix = "." + std::to_string(o.principal.uid);
    }
    o.admission = adm.get();
    o.slot = req.slot;
    o.cpus = req.cpus;
    o.params = s.params;
    o.resizes = s.resizes;
    o.virt_place = req.place;
    o.seed = seed;
    o.nr_cpus = nr_cpus;
    o.backend = jit::backend_for(no_jit);
    // A check loads a throwaway instance: its user-space half gets a
    // stand-in pid and never runs.
    static ThrowawayHalves throwaway;
    o.user_space = req.check_only && req.user_space ? &throwaway : req.user_space;
    if (!req.check_only) {
      o.classes_loaded = classes.before_load(o.principal, replaces_own_class(req, o.principal, *adm));
      o.held_while_loaded = classes.hold(o.principal);
    }
    auto lp = policy::load_bpf_policy(s.path, o);
    if (lp && loaded && !req.check_only)
      if (const auto* bp = dynamic_cast<const policy::BpfPolicy*>(lp->ops.get()))
        loaded->push_back({bp->config().name, bp->object(), bp->maps()});
    return lp;
  });
}

}  // namespace ups::host
