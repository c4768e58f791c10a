// The client verbs of upschedd (docs/daemon.md): `upsched [--socket PATH]
// load|unload|list|logs|submit|attach|stats|daemon status`. Each is one request; the daemon
// decides, from the kernel's word on who we are, and says which rule did.
// (`replace CLASS OBJ` too.)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "daemon/client.h"

namespace ups::cli {
namespace {

struct DaemonArgs {
  std::string socket = "/run/upsched/upsched.sock";
  bool json = false;
  std::string object, name, cpus, logs_name, unload_name, replace_name, replace_object;
  std::string below, above;
  double bandwidth = 0;
  std::string submit_file, submit_preset, submit_class, submit_duration, submit_policy, attach_class;
  bool submit_sim = false;
  u32 sim_cpus = 2;
  u64 attach_job = 0, attach_task = 0;
};

// Sends r; prints the refusal (with its rule) or hands the result to `show`.
void call(const DaemonArgs& a, const daemon::Request& r, void (*show)(const nlohmann::json&)) {
  auto client = daemon::Client::connect(a.socket);
  auto resp = client ? client->call(r) : Result<daemon::Response>(tl::unexpected(client.error()));
  if (!resp) {
    std::fprintf(stderr, "upsched: %s\n", resp.error().to_string().c_str());
    set_exit_code(1);
    return;
  }
  if (!resp->ok) {
    std::fprintf(stderr, "upsched: refused: %s\n  rule: %s\n", resp->error.c_str(), resp->rule.c_str());
    set_exit_code(1);
    return;
  }
  if (a.json) std::printf("%s\n", resp->result.dump(2).c_str());
  else show(resp->result);
}

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

void show_load(const nlohmann::json& r) {
  std::printf("loaded class %s (%s, CPUs %s)\n", str(r, "class").c_str(), str(r, "slot").c_str(),
              str(r, "cpus").c_str());
}
// The object file's bytes, sent in the request (the daemon opens no path
// of ours: we read it with our own rights).
daemon::LoadArgs object_args(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  daemon::LoadArgs a;
  a.object.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  a.object_name = path.substr(path.find_last_of('/') + 1);
  return a;
}

void show_submit(const nlohmann::json& r) {
  if (r.contains("summary")) {  // a simulator session
    std::fputs(str(r, "summary").c_str(), stdout);
    return;
  }
  std::printf("job %s: %s tasks of %s in class %s\n", str(r, "job").c_str(), str(r, "tasks").c_str(),
              str(r, "workload").c_str(), str(r, "class").c_str());
}
void show_attach(const nlohmann::json& r) {
  std::printf("moved %s task(s) to class %s\n", str(r, "moved").c_str(), str(r, "class").c_str());
}
void show_stats(const nlohmann::json& r) {
  std::printf("%-24s %-12s %6s %9s %11s\n", "CLASS", "OWNER", "TASKS", "CPU SHARE", "DISPATCHES");
  for (const auto& c : r.value("classes", nlohmann::json::array()))
    std::printf("%-24s %-12s %6s %8.1f%% %11s\n", str(c, "name").c_str(), str(c, "owner").c_str(),
                str(c, "tasks").c_str(), 100 * c.value("cpu_share", 0.0),
                c.contains("dispatches") ? str(c, "dispatches").c_str() : "-");
  const auto jobs = r.value("jobs", nlohmann::json::array());
  if (!jobs.empty()) std::printf("%-6s %-24s %-16s %6s %9s\n", "JOB", "WORKLOAD", "CLASS", "TASKS", "FINISHED");
  for (const auto& j : jobs)
    std::printf("%-6s %-24s %-16s %6s %9s\n", str(j, "job").c_str(), str(j, "workload").c_str(),
                str(j, "class").c_str(), str(j, "tasks").c_str(), str(j, "finished").c_str());
}

void show_replace(const nlohmann::json& r) { std::printf("replaced class %s\n", str(r, "class").c_str()); }
void show_unload(const nlohmann::json& r) {
  std::printf("unloaded class %s\n", str(r, "class").c_str());
  if (r.contains("report")) std::printf("  %s\n", str(r, "report").c_str());
}
void show_list(const nlohmann::json& r) {
  std::printf("%-24s %-12s %6s %-11s %-8s %6s\n", "CLASS", "OWNER", "UID", "SLOT", "CPUS", "TASKS");
  for (const auto& c : r.value("classes", nlohmann::json::array()))
    std::printf("%-24s %-12s %6s %-11s %-8s %6s\n", str(c, "name").c_str(), str(c, "owner").c_str(),
                str(c, "uid").c_str(), str(c, "slot").c_str(), str(c, "cpus").c_str(), str(c, "tasks").c_str());
}
void show_logs(const nlohmann::json& r) {
  const auto reports = r.value("reports", nlohmann::json::array());
  if (reports.empty()) std::printf("no exit reports\n");
  for (const auto& rep : reports) std::printf("%s (%s): %s\n", str(rep, "class").c_str(), str(rep, "owner").c_str(),
                                              str(rep, "line").c_str());
}
void show_status(const nlohmann::json& r) {
  for (const auto& [k, v] : r.items()) std::printf("%-15s %s\n", (k + ":").c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
}

}  // namespace

void register_daemon_commands(CLI::App& app) {
  auto a = std::make_shared<DaemonArgs>();
  app.add_option("--socket", a->socket, "upschedd's socket, for load, unload, list, logs, daemon status")
      ->capture_default_str();
  auto json_flag = [a](CLI::App* sub) { sub->add_flag("--json", a->json, "print the daemon's answer as JSON"); };

  auto* load = app.add_subcommand("load", "load a policy through upschedd, as yourself");
  load->add_option("OBJ", a->object, "the policy object (FILE.bpf.o)")->required()->check(CLI::ExistingFile);
  load->add_option("--name", a->name, "the class's name (default: the object's, with your uid)");
  load->add_option("--cpus", a->cpus, "the CPUs it may use (a list: 0-1)");
  auto* below = load->add_option("--below", a->below, "below fair, the default: --below fair")
                    ->check(CLI::IsMember({"fair"}));
  load->add_option("--above", a->above, "above fair (needs sched.chain.above_fair): --above fair")
      ->check(CLI::IsMember({"fair"}))
      ->excludes(below);
  load->add_option("--bandwidth", a->bandwidth,
                   "above fair: the CPU share it may take (default: the admission file's bandwidth; more is refused)")
      ->check(CLI::Range(0.0, 0.999));
  json_flag(load);
  load->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::load;
    r.load = object_args(a->object);
    r.load.name = a->name;
    r.load.cpus = a->cpus;
    r.load.slot = !a->above.empty() ? ChainSlot::above_fair : ChainSlot::below_fair;
    r.load.bandwidth = a->bandwidth;
    call(*a, r, show_load);
  });

  auto* submit = app.add_subcommand("submit", "run a workload's tasks on the daemon's runtime, as yours");
  auto* file = submit->add_option("WORKLOAD", a->submit_file, "a workload file (TOML/JSON, as upsched run takes)")
                   ->check(CLI::ExistingFile);
  submit->add_option("--preset", a->submit_preset, "a built-in workload instead (upsched policies)")->excludes(file);
  submit->add_option("--class", a->submit_class, "the class its tasks go to: one of yours (root: any); default fair");
  submit->add_option("--duration", a->submit_duration, "tasks still running then end (10s, 500ms)");
  auto* sim = submit->add_flag("--sim", a->submit_sim, "a simulator session instead (as upsched sim); prints its report");
  submit->add_option("--policy", a->submit_policy, "--sim: the policy object, loaded as you")
      ->check(CLI::ExistingFile)
      ->needs(sim);
  submit->add_option("--cpus", a->sim_cpus, "--sim: simulated CPUs")->check(CLI::Range(1, 64))->needs(sim);
  json_flag(submit);
  submit->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::submit;
    if (!a->submit_file.empty()) {
      const daemon::LoadArgs text = object_args(a->submit_file);  // its bytes, read with our rights
      r.submit.workload = text.object;
      r.submit.workload_name = text.object_name;
    }
    r.submit.preset = a->submit_preset;
    r.submit.cls = a->submit_class;
    r.submit.duration = a->submit_duration;
    r.submit.sim = a->submit_sim;
    r.submit.sim_cpus = a->sim_cpus;
    if (!a->submit_policy.empty()) r.submit.policy = object_args(a->submit_policy);
    call(*a, r, show_submit);
  });

  auto* attach = app.add_subcommand("attach", "move your tasks (root: any) to a class of yours or fair");
  attach->add_option("CLASS", a->attach_class, "the class (upsched list), or fair")->required();
  auto* job = attach->add_option("--job", a->attach_job, "every task of a job (upsched stats)");
  attach->add_option("--task", a->attach_task, "one task (upsched stats)")->excludes(job);
  json_flag(attach);
  attach->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::attach;
    r.attach.cls = a->attach_class;
    r.attach.job = a->attach_job;
    r.attach.task = a->attach_task;
    call(*a, r, show_attach);
  });

  auto* stats = app.add_subcommand("stats", "per class: owner, tasks, CPU share, dispatches; your jobs");
  json_flag(stats);
  stats->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::stats;
    call(*a, r, show_stats);
  });

  auto* replace = app.add_subcommand("replace", "replace a class you loaded (root: any) by another policy");
  replace->add_option("CLASS", a->replace_name, "the class (upsched list); it keeps its name, slot and CPUs")
      ->required();
  replace->add_option("OBJ", a->replace_object, "the new policy object (FILE.bpf.o)")
      ->required()
      ->check(CLI::ExistingFile);
  json_flag(replace);
  replace->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::replace;
    r.load = object_args(a->replace_object);
    r.load.name = a->replace_name;
    call(*a, r, show_replace);
  });

  auto* unload = app.add_subcommand("unload", "unload a class you loaded (root: any)");
  unload->add_option("CLASS", a->unload_name, "the class's name (upsched list)")->required();
  json_flag(unload);
  unload->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::unload;
    r.name = a->unload_name;
    call(*a, r, show_unload);
  });

  auto* list = app.add_subcommand("list", "the daemon's chain: classes, owners, task counts");
  json_flag(list);
  list->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::list;
    call(*a, r, show_list);
  });

  auto* logs = app.add_subcommand("logs", "exit reports of your own classes (root: all)");
  logs->add_option("CLASS", a->logs_name, "one class only");
  json_flag(logs);
  logs->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::logs;
    r.name = a->logs_name;
    call(*a, r, show_logs);
  });

  auto* d = app.add_subcommand("daemon", "upschedd itself");
  d->require_subcommand(1);
  auto* status = d->add_subcommand("status", "the daemon's state: its runtime, classes, clients");
  json_flag(status);
  status->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::status;
    call(*a, r, show_status);
  });
}

}  // namespace ups::cli
