// `upsched sim`, `upsched policies` and `upsched demo` (faas_demo.cpp): the
// simulator's commands. Bad arguments or input files print a message and
// exit 2; a failed run prints the reproduce line and exits 1; a run in which
// a class was ejected or a loaded class ran no task prints a warning per
// class and exits 3 (kSimExitCodes, shown by --help).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/faas_demo.h"
#include "workload/duration.h"
#include "host/policy_factory.h"
#include "host/policy_spec.h"
#include "cli/report_dir.h"
#include "workload/presets.h"
#include "sim/world.h"

namespace ups::cli {
namespace {

struct SimArgs {
  std::string preset, workload, duration = "10s", json, ftrace, chrome;
  std::string admission;  // --admission FILE (policy host)
  std::string report_dir;  // --report DIR: the HTML report
  std::vector<std::string> policies;
  int cpus = 2, smt = 1, cores_per_llc = 8, llcs_per_node = 1;
  u32 hz = 250;
  u64 seed = 1;
  bool check = false;  // O(tasks) per event: opt-in on the command line, always on in tests
  bool quiet = false;
  bool per_task = false;
  bool no_jit = false;  // BPF policies on the interpreter
  bool printk = false, dump_maps = false, allow_eject = false;
};

constexpr const char* kSimExitCodes =
    "Exit status:\n"
    "  0  the run finished; every loaded class ran tasks and none was ejected\n"
    "  1  the run failed (invariant broken, task lost): the reproduce line follows\n"
    "  2  bad arguments or input files\n"
    "  3  the run finished, but a class was ejected (unless --allow-eject) or a\n"
    "     loaded class ran no task: one 'warning:' line per class on stderr,\n"
    "     naming it and the reason (also \"warnings\" in --json)";

}  // namespace

// The --policy syntax, shown by `sim --help` and `compare --help`.
const char* const kPolicyOptionHelp =
    "policy for the tasks (repeatable: chain order as given; default fair). NAME: a built-in "
    "(`upsched policies`); FILE.bpf.o[?NAME=VALUE[&NAME=VALUE...]][:USER]: a BPF object, its "
    "`const volatile` globals set to the values (e.g. prio.bpf.o?kick=1; NAME[]=N resizes a "
    "RESIZABLE_ARRAY to N elements), loaded for USER of "
    "--admission (default root): it runs the tasks whose uid is USER's";

namespace {

int bad_input(const std::string& msg) {
  std::fprintf(stderr, "upsched sim: %s\n", msg.c_str());
  return 2;
}

// The --json document with the --dump-maps dump under "maps".
std::string with_maps(const std::string& report_json, const nlohmann::ordered_json& maps) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(report_json);
  j["maps"] = maps;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

int run_sim(const SimArgs& a) {
  if (a.preset.empty() == a.workload.empty())
    return bad_input("give exactly one of --preset NAME or --workload FILE");
  auto dur = workload::parse_duration(a.duration);
  if (!dur) return bad_input("--duration: " + dur.error().message);
  if (*dur == 0) return bad_input("--duration must be above 0");
  if (a.cpus < 1 || a.cpus > kMaxCpus)
    return bad_input(fmt::format("--cpus must be in 1..{}, not {}", kMaxCpus, a.cpus));

  auto w = a.preset.empty() ? workload::load_workload_file(a.workload) : workload::make_preset(a.preset, a.cpus);
  if (!w) return bad_input(w.error().to_string());

  sim::SimConfig cfg;
  cfg.nr_cpus = a.cpus;
  cfg.smt = a.smt;
  cfg.cores_per_llc = a.cores_per_llc;
  cfg.llcs_per_node = a.llcs_per_node;
  cfg.seed = a.seed;
  cfg.duration = *dur;
  cfg.costs.hz = a.hz;
  cfg.policies = a.policies;
  cfg.check_invariants = a.check;
  std::ofstream ftrace, chrome;
  if (!a.ftrace.empty()) {
    ftrace.open(a.ftrace);
    if (!ftrace) return bad_input("cannot write --trace file " + a.ftrace);
    cfg.ftrace = &ftrace;
  }
  if (!a.chrome.empty()) {
    chrome.open(a.chrome);
    if (!chrome) return bad_input("cannot write --chrome file " + a.chrome);
    cfg.chrome = &chrome;
  }
  report::RunSamples samples;  // recorded only with --report
  if (!a.report_dir.empty()) cfg.samples = &samples;
  std::string wl_arg = a.preset.empty() ? "--workload " + a.workload : "--preset " + a.preset;
  std::string repro = sim::reproduce_command(wl_arg, cfg);

  if (a.printk) cfg.printk = &std::cerr;
  auto loaded = std::make_shared<std::vector<policy::ClassMaps>>();
  auto factory = host::policy_spec_factory(a.admission, a.seed, a.cpus, a.no_jit, loaded);
  if (!factory) return bad_input("--admission: " + factory.error().to_string());
  auto world = sim::World::create(std::move(*w), cfg, std::move(*factory));
  if (!world) return bad_input(world.error().to_string());
  auto st = (*world)->run();
  report::RunReport r = (*world)->report(a.per_task || !a.report_dir.empty());
  if (!st) r.error = st.error().message;
  if (!a.quiet) std::fputs(r.summary().c_str(), stdout);
  nlohmann::ordered_json maps = nlohmann::ordered_json::array();
  if (a.dump_maps) {
    for (const policy::ClassMaps& c : *loaded) maps.push_back(policy::dump_class_maps(c));
    // Asked for by name: printed even with --quiet.
    for (const auto& m : maps) std::fputs(((a.quiet ? "" : "\n") + policy::dump_class_maps_text(m)).c_str(), stdout);
  }
  if (!a.json.empty()) {
    std::ofstream out(a.json);
    if (!out) return bad_input("cannot write --json file " + a.json);
    report::RunReport doc = r;
    if (!a.per_task) doc.tasks.clear();  // --report asked for them, not --json
    out << (a.dump_maps ? with_maps(doc.to_json(), maps) : doc.to_json());
  }
  if (!a.report_dir.empty()) {
    if (auto st = write_report_dir(a.report_dir, {{&r, &samples}}); !st) return bad_input("--report: " + st.error().message);
    if (!a.quiet) std::printf("report: %s/index.html\n", a.report_dir.c_str());
  }
  if (!r.error.empty() || r.lost_tasks > 0) {
    std::fprintf(stderr, "upsched sim: run failed: %s\nreproduce: %s\n",
                 r.error.empty() ? "tasks lost" : r.error.c_str(), repro.c_str());
    return 1;
  }
  for (const std::string& w : r.warnings) std::fprintf(stderr, "upsched sim: warning: %s\n", w.c_str());
  // Each ejection has one warning; --allow-eject lets only those pass.
  const size_t ejections = static_cast<size_t>(
      std::count_if(r.exit_reports.begin(), r.exit_reports.end(), [](const ExitReport& e) { return e.is_error(); }));
  return r.warnings.size() > (a.allow_eject ? ejections : 0) ? 3 : 0;
}

int list_policies() {
  std::puts("policies (--policy NAME, repeatable: chain order as given):");
  for (auto& [name, desc] : host::native_policy_list())
    std::printf("  %-16s %s\n", name.c_str(), desc.c_str());
  std::puts("presets (--preset NAME):");
  for (auto& p : workload::preset_list()) std::printf("  %-16s %s\n", p.name.c_str(), p.description.c_str());
  return 0;
}

}  // namespace

void register_sim_commands(CLI::App& app) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* sim = app.add_subcommand("sim", "run one deterministic simulation and print its metrics");
  sim->add_option("--preset", args->preset, "built-in workload: hogs, pipes, rpc-bimodal, schbench");
  sim->add_option("--workload", args->workload, "workload file (TOML or JSON, see docs/workloads.md)");
  sim->add_option("--policy", args->policies, kPolicyOptionHelp);
  sim->add_option("--admission", args->admission, "admission file (TOML) for FILE.bpf.o[:USER] policies; default: only root");
  sim->add_flag("--no-jit", args->no_jit, "run FILE.bpf.o policies on the interpreter instead of JITed code");
  sim->add_option("--cpus", args->cpus, "number of simulated CPUs (1..1024)")->capture_default_str();
  sim->add_option("--seed", args->seed, "seed of the run's random numbers")->capture_default_str();
  sim->add_option("--duration", args->duration, "simulated time: 10s, 500ms, 200us")->capture_default_str();
  sim->add_option("--json", args->json, "write the metrics as JSON to this file");
  sim->add_option("--report", args->report_dir,
                  "write an HTML report to this directory (DIR/index.html: CPU share, latency CDFs, timeline, exits)");
  sim->add_option("--trace", args->ftrace, "write an ftrace sched_switch timeline (Perfetto opens it)");
  sim->add_option("--chrome", args->chrome, "write a Chrome JSON timeline (Perfetto opens it)");
  sim->add_option("--hz", args->hz, "timer ticks per second")->capture_default_str();
  sim->add_option("--smt", args->smt, "hardware threads per core")->capture_default_str();
  sim->add_option("--cores-per-llc", args->cores_per_llc, "cores sharing a last-level cache")->capture_default_str();
  sim->add_option("--llcs-per-node", args->llcs_per_node, "LLCs per NUMA node")->capture_default_str();
  sim->add_flag("--check,!--no-check", args->check, "check the core's invariants after every event");
  sim->add_flag("--quiet", args->quiet, "print nothing but errors");
  sim->add_flag("--per-task", args->per_task, "add every task's run time and wakeup latency to --json");
  sim->add_flag("--printk", args->printk,
                "print the policies' bpf_printk lines on stderr as they come: time, CPU, class, task, text");
  sim->add_flag("--dump-maps", args->dump_maps,
                "at the end, print every map and global of each BPF class, typed from BTF (also \"maps\" in --json)");
  sim->add_flag("--allow-eject", args->allow_eject, "a class ejected during the run is a warning only (exit 0)");
  sim->footer(kSimExitCodes);
  sim->callback([args] { set_exit_code(run_sim(*args)); });

  app.add_subcommand("policies", "list the policies and presets the simulator knows")
      ->callback([] { set_exit_code(list_policies()); });

  register_faas_demo_command(app);  // the FaaS study (faas_demo.cpp) is the demo
}

}  // namespace ups::cli
