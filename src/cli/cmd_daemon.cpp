// The client verbs of upschedd (docs/daemon.md): `upsched [--socket PATH]
// load|unload|list|logs|daemon status`. Each is one request; the daemon
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
  json_flag(load);
  load->callback([a] {
    daemon::Request r;
    r.verb = daemon::Verb::load;
    r.load = object_args(a->object);
    r.load.name = a->name;
    r.load.cpus = a->cpus;
    r.load.slot = !a->above.empty() ? ChainSlot::above_fair : ChainSlot::below_fair;
    call(*a, r, show_load);
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
