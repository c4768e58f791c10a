// `upsched verify FILE.o[?NAME=V&ARR[]=N] [--set NAME=V]... [--caps LIST |
// --as USER --admission FILE] [--virt-side host|guest] [--log]`: verifies
// every sched_ext callback of a policy object for a loader holding LIST
// (default: all capabilities, as root), or the capabilities the admission
// file grants USER, with its read-only globals set and arrays resized as
// `--policy` and its own loader would (the verifier knows read-only data: a
// check on a `const volatile` value may decide what it explores). Exit 0
// with one line per callback, 1
// with the first error (the callback, instruction, disassembly, source
// line and what the verifier expected), 2 for bad arguments or an object
// that does not load. It is the loader's verification pipeline
// (policy::verify_sched_ext_object, with the options the grant gives), so
// what passes here loads there, and a refusal reads the same. --virt-side
// verifies it for the host's chain or a VM's guest chain (the guest/host
// hint kfuncs of the other side are refused); without it both sides pass.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "host/policy_spec.h"
#include "policy/load_parameters.h"
#include "policy/api_sets.h"
#include "security/admission.h"
#include "verifier/verifier.h"

namespace ups::cli {
namespace {

struct VerifyArgs {
  std::string file;
  std::vector<std::string> sets;  // NAME=VALUE
  std::string caps;
  std::string as_user;
  std::string admission;
  std::string virt_side;
  bool log = false;
  bool verbose = false;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "upsched verify: %s\n", msg.c_str());
  return 2;
}

// The grant to verify for (capabilities and limits), or an exit code.
tl::expected<security::Grant, int> grant_of(const VerifyArgs& a) {
  security::Grant g;
  if (!a.caps.empty() && !a.as_user.empty())
    return tl::unexpected(usage_error("--caps and --as are exclusive (--as takes its capabilities from --admission)"));
  if (!a.caps.empty()) {
    auto parsed = security::parse_capability_list(a.caps);
    if (!parsed) return tl::unexpected(usage_error("--caps: " + parsed.error().to_string()));
    g.caps = *parsed;
    return g;
  }
  if (a.as_user.empty()) {
    if (!a.admission.empty()) return tl::unexpected(usage_error("--admission needs --as USER"));
    g.caps = security::CapabilitySet::all();
    return g;
  }
  if (a.admission.empty()) return tl::unexpected(usage_error("--as needs --admission FILE"));
  auto adm = security::AdmissionConfig::load_file(a.admission);
  if (!adm) return tl::unexpected(usage_error("--admission: " + adm.error().to_string()));
  auto who = adm->find_principal(a.as_user);
  if (!who) return tl::unexpected(usage_error("--as: " + who.error().to_string()));
  const security::Grant grant = adm->grant_for(who->principal);
  if (!grant.caps.has(security::Capability::load)) {
    std::fprintf(stderr, "%s: %s may not load policies: needs capability %s\n", a.file.c_str(),
                 adm->describe(who->principal).c_str(), std::string(security::capability_name(security::Capability::load)).c_str());
    return tl::unexpected(1);
  }
  return grant;
}

// The error, then the C source line it comes from when the object kept it.
void print_rejection(const std::string& file, const verifier::VerifyError& e, const bpf::Object& obj, size_t prog) {
  std::fprintf(stderr, "%s: %s\n", file.c_str(), e.to_string().c_str());
  const std::string src = obj.source_line(prog, e.insn);
  if (auto colon = src.find(": "); colon != std::string::npos)
    std::fprintf(stderr, "  %s | %s\n", src.substr(0, colon).c_str(), src.substr(colon + 2).c_str());
}

// What the verifier did: its cost, bounded by the budget (docs/robustness.md).
std::string work_done(const policy::CallbackVerdict& v) {
  const auto& st = v.result.stats;
  return fmt::format("{} processed instructions, {} states (at most {} at one instruction), {} pruned, at most {} "
                     "branches pending, {:.3f} ms",
                     st.insns_processed, st.states, st.max_states_per_point, st.pruned, st.max_pending, v.ms);
}

// Progress on stderr while a verification runs: with -v at every report
// (each 100,000 processed instructions), otherwise only once it has run
// for kQuietFor, then every kQuietFor, so that a long one is seen to be alive.
constexpr std::chrono::seconds kQuietFor{2};

std::function<void(const std::string&, const verifier::VerifyStats&)> progress_printer(bool verbose) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  return [verbose, start, last = start](const std::string& callback, const verifier::VerifyStats& st) mutable {
    const auto now = Clock::now();
    if (!verbose && (now - start < kQuietFor || now - last < kQuietFor)) return;
    last = now;
    std::fprintf(stderr, "upsched verify: %s: %llu instructions processed, %llu states, %llu pruned, %.1f s so far\n",
                 callback.c_str(), static_cast<unsigned long long>(st.insns_processed),
                 static_cast<unsigned long long>(st.states), static_cast<unsigned long long>(st.pruned),
                 std::chrono::duration<double>(now - start).count());
  };
}

// The object with its parameters applied (`?...` and --set), or an exit code.
tl::expected<bpf::Object, int> load_with_parameters(const VerifyArgs& a) {
  std::string spec = a.file;
  for (const auto& s : a.sets) spec += (spec.find('?') == std::string::npos ? "?" : "&") + s;
  auto parsed = host::parse_bpf_spec(spec);
  if (!parsed) return tl::unexpected(usage_error(parsed.error().to_string()));
  const std::string path = *parsed ? (*parsed)->path : a.file;
  if (!*parsed && !a.sets.empty()) return tl::unexpected(usage_error("--set: " + a.file + " is no BPF object"));
  auto obj = bpf::load_object_file(path, policy::host_load_options(path));
  if (!obj) return tl::unexpected(usage_error(obj.error().to_string()));
  if (*parsed) {
    const policy::LoadParameters lp{(*parsed)->params, (*parsed)->resizes};
    auto st = policy::apply_resizes(*obj, lp);
    if (st) st = policy::apply_params(*obj, lp);
    if (!st) return tl::unexpected(usage_error(path + ": " + st.error().to_string()));
  }
  // Verifiable, but not runnable here: say so, as the loader will refuse it.
  if (auto why = policy::missing_user_space_half(*obj))
    std::fprintf(stderr, "%s: warning: upsched will not load it: %s\n", path.c_str(), why->c_str());
  return std::move(*obj);
}

int run_verify(const VerifyArgs& a) {
  auto grant = grant_of(a);
  if (!grant) return grant.error();
  auto obj = load_with_parameters(a);
  if (!obj) return obj.error();
  verifier::VerifyOptions opts = policy::verify_options(*grant);
  opts.log = a.log;
  opts.progress = progress_printer(a.verbose);
  opts.progress_every = 100'000;
  VirtPlace place;
  if (a.virt_side == "host") place = VirtPlace::host_chain();
  else if (a.virt_side == "guest") place = VirtPlace::guest_of("");
  else if (!a.virt_side.empty()) return usage_error("--virt-side must be host or guest, not '" + a.virt_side + "'");
  auto verdicts = policy::verify_sched_ext_object(*obj, grant->caps, opts, policy::Callbacks::all, place);
  if (!verdicts) {
    std::fprintf(stderr, "%s: %s\n", a.file.c_str(), verdicts.error().message.c_str());
    return 1;
  }
  for (const auto& v : *verdicts) {
    if (a.log) std::fputs(v.result.log.c_str(), stdout);
    if (!v.result.ok()) {
      std::fflush(stdout);  // the summaries so far, then the error
      print_rejection(a.file, *v.result.error, *obj, v.program);
      if (a.verbose) std::fprintf(stderr, "%s: rejected after %s\n", v.callback.c_str(), work_done(v).c_str());
      return 1;
    }
    if (a.verbose) {
      std::printf("%s: %zu instructions, %s%s\n", v.callback.c_str(), obj->programs()[v.program].code.size(),
                  work_done(v).c_str(), v.hosted ? "" : " (upsched never calls it)");
      continue;
    }
    std::printf("%s: %zu instructions, %llu processed, %llu states, %.3f ms%s\n", v.callback.c_str(),
                obj->programs()[v.program].code.size(), static_cast<unsigned long long>(v.result.stats.insns_processed),
                static_cast<unsigned long long>(v.result.stats.states), v.ms,
                v.hosted ? "" : " (upsched never calls it)");
  }
  return 0;
}

}  // namespace

void register_verify_commands(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "prove a policy object safe for a capability set");
  cmd->add_option("file", args->file, "policy object (clang -target bpf), FILE[?NAME=VALUE&ARRAY[]=N] as for --policy")
      ->required();
  cmd->add_option("--set", args->sets,
                  "NAME=VALUE: set the const volatile global NAME before verifying, as the scheduler's loader does "
                  "(repeatable; NAME[]=N resizes a RESIZABLE_ARRAY)");
  cmd->add_option("--caps", args->caps, "comma-separated capabilities (default: all, as root)");
  cmd->add_option("--as", args->as_user, "verify with the capabilities the admission file grants this user");
  cmd->add_option("--admission", args->admission, "admission file (TOML) for --as");
  cmd->add_option("--virt-side", args->virt_side,
                  "host or guest: refuse the guest/host hint kfuncs of the other side");
  cmd->add_flag("--log", args->log, "print the path trace");
  cmd->add_flag("-v,--verbose", args->verbose,
                "print the verifier's work per callback (processed instructions, states, time), also on rejection, "
                "and its progress every 100,000 instructions (without -v: when it runs longer than 2 s)");
  cmd->callback([args] { set_exit_code(run_verify(*args)); });
}

}  // namespace ups::cli
