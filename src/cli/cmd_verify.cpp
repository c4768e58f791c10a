// `upsched verify FILE.o [--caps LIST] [--log]`: verifies every sched_ext
// callback of a policy object for a loader holding LIST (default: all
// capabilities, as root). Exit 0 with one line per callback, or 1 with the
// first error; 2 for bad arguments or an object that does not load.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/verify_api.h"
#include "verifier/verifier.h"

namespace ups::cli {
namespace {

struct VerifyArgs {
  std::string file;
  std::string caps;
  bool log = false;
};

int run_verify(const VerifyArgs& a) {
  security::CapabilitySet caps = security::CapabilitySet::all();
  if (!a.caps.empty()) {
    auto parsed = security::parse_capability_list(a.caps);
    if (!parsed) {
      std::fprintf(stderr, "upsched verify: --caps: %s\n", parsed.error().to_string().c_str());
      return 2;
    }
    caps = *parsed;
  }
  auto obj = bpf::load_object_file(a.file, verify_load_options(a.file));
  if (!obj) {
    std::fprintf(stderr, "upsched verify: %s\n", obj.error().to_string().c_str());
    return 2;
  }
  int checked = 0;
  for (const auto& ops : obj->struct_ops()) {
    for (const auto& [callback, index] : ops.callbacks) {
      const bpf::Program& prog = obj->programs()[index];
      auto in = verify_inputs(*obj, prog, callback, caps);
      if (!in) {
        std::fprintf(stderr, "upsched verify: %s: %s\n", a.file.c_str(), in.error().to_string().c_str());
        return 1;
      }
      verifier::VerifyOptions opts;
      opts.log = a.log;
      const auto t0 = std::chrono::steady_clock::now();
      verifier::VerifyResult r = verifier::verify(in->info, in->api, opts);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (a.log) std::fputs(r.log.c_str(), stdout);
      ++checked;
      if (!r.ok()) {
        std::fflush(stdout);  // the summaries so far, then the error
        std::fprintf(stderr, "%s: %s\n", a.file.c_str(), r.error->to_string().c_str());
        return 1;
      }
      std::printf("%s: %zu instructions, %llu processed, %llu states, %.3f ms\n", callback.c_str(),
                  prog.code.size(), static_cast<unsigned long long>(r.stats.insns_processed),
                  static_cast<unsigned long long>(r.stats.states), ms);
    }
  }
  if (checked == 0) {
    std::fprintf(stderr, "upsched verify: %s has no struct_ops callbacks to verify\n", a.file.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void register_verify_commands(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "prove a policy object safe for a capability set");
  cmd->add_option("file", args->file, "policy object (clang -target bpf)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--caps", args->caps, "comma-separated capabilities (default: all, as root)");
  cmd->add_flag("--log", args->log, "print the path trace");
  cmd->callback([args] { set_exit_code(run_verify(*args)); });
}

}  // namespace ups::cli
