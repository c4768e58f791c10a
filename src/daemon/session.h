// Session: the scheduler upschedd owns and serves. A real M:N runtime
// (runtime/) runs for the daemon's lifetime, kept alive by one fair task of
// its own; clients' classes are loaded into and unloaded from its Core while
// it runs, under the runtime's core lock (Runtime::with_core), each one
// verified for the peer's grant by the one load path (policy::load_bpf_policy).
// The session remembers who loaded each class, so that only its owner (or
// root) may unload it or read its exit reports.
//
// Not thread-safe: the server's one loop thread calls it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "core/exit_report.h"
#include "daemon/peer.h"
#include "daemon/protocol.h"
#include "policy/policy_loader.h"
#include "runtime/runtime.h"
#include "runtime/workload_tasks.h"
#include "security/admission.h"
#include "security/class_count.h"
#include "workload/workload.h"

namespace ups::daemon {

struct SessionOptions {
  std::vector<int> cpus = {0, 1};  // the runtime's workers (OS CPU ids)
  u64 seed = 1;                    // the policies' bpf_get_prandom_u32
  std::string state_dir;           // a private folder for objects being loaded
};

class Session {
public:
  static Result<std::unique_ptr<Session>> create(SessionOptions opts);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The admission config that every later load is checked against (loaded
  // classes stay), and its file's name for the rules in responses.
  void set_admission(std::shared_ptr<const security::AdmissionConfig> cfg, std::string file);

  // load, replace, unload, list, logs, submit (not --sim: the server runs
  // those, sim_session.h), attach, stats. `rule` in the response names what decided.
  Response handle(const Peer& peer, const Request& req);
  // Loads the object a client sent, for peer, through the one load path
  // (its file in the state folder only while it loads). Errors name the
  // client's file name. Thread-safe for count_class = false (a simulator
  // session's policy: it is not a class of this daemon).
  Result<policy::LoadedPolicy> load_object(const Peer& peer, const LoadArgs& a, policy::LoadPolicyOptions o,
                                           bool replaces_own, bool count_class = true);
  // The admission entries behind peer's grant, as a rule text.
  std::string grant_rule(const Peer& peer) const;
  // The admission config now (a simulator session keeps the one it began with).
  std::shared_ptr<const security::AdmissionConfig> admission() const { return admission_; }
  // The scheduler's part of `status`.
  nlohmann::json status();

private:
  struct Hosted {
    std::string name;
    Principal owner;
    std::string owner_name;
    std::string object_name;
    ChainSlot slot = ChainSlot::below_fair;
    std::string cpus;
    bool loaded = true;
    std::vector<ExitReport> reports;
  };

  // A client's submitted workload, running on the runtime as its tasks.
  struct Job {
    u64 id = 0;
    Principal owner;
    std::string owner_name;
    std::string workload_name;
    std::string cls;  // where its tasks went
    workload::Workload w;
    std::unique_ptr<runtime::WorkloadTasks> tasks;
    std::atomic<bool> timer_done{true};  // its --duration timer fiber has returned
  };

  explicit Session(SessionOptions opts);
  Response load(const Peer& peer, const LoadArgs& a);
  Response unload(const Peer& peer, const std::string& name);
  Response replace(const Peer& peer, const LoadArgs& a);  // a.name: the class
  Response list();
  Response submit(const Peer& peer, const SubmitArgs& a);
  Response attach(const Peer& peer, const AttachArgs& a);
  Response stats(const Peer& peer);
  // Jobs whose every fiber has returned go once past kMaxRemembered.
  void forget_old_jobs();
  Response logs(const Peer& peer, const std::string& name);
  // The class `name` as the session knows it (loaded first, else the latest).
  Hosted* find(const std::string& name);
  // The loaded class `name` if the peer owns it (root: any), else the
  // refusal naming `action` ("unload class") and the deciding `rule`.
  tl::expected<Hosted*, Response> owned_class(const Peer& peer, const std::string& name, std::string_view action,
                                              std::string_view rule);
  // Files the core's new exit reports under their classes (an ejection
  // happens between requests); the caller holds the core lock.
  void collect_reports(const Core& core);
  void forget_old_classes();

  SessionOptions opts_;
  std::unique_ptr<runtime::Runtime> rt_;
  std::thread runner_;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<const security::AdmissionConfig> admission_ = std::make_shared<security::AdmissionConfig>();
  std::string admission_file_ = "(default: only root may load)";
  security::ClassCount counts_;
  std::vector<Hosted> classes_;  // in load order
  size_t reports_seen_ = 0;
  std::atomic<u64> objects_seen_{0};
  runtime::Calibration cal_;
  std::vector<std::shared_ptr<Job>> jobs_;  // in submit order
  u64 next_job_ = 0;
  TimeNs started_ = 0;
};

}  // namespace ups::daemon
