// A simulator session on request (`upsched submit --sim`): the workload a
// client sent, run by the simulator exactly as `upsched sim` runs it
// (sim::World), under the caller's grant: its tasks are the caller's, and
// the policy object it sent is loaded for it through the daemon's one load
// path (Session::load_object, not counted as a class of the daemon's
// runtime). The server runs each session on a thread of its own so that
// other clients are served meanwhile; the answer is the run's report.
#pragma once

#include <memory>
#include <string>

#include "daemon/peer.h"
#include "daemon/protocol.h"
#include "security/admission.h"

namespace ups::daemon {

class Session;

// Simulated time a session may ask for, at most; and sessions at once.
inline constexpr TimeNs kMaxSimDuration = 10 * kNsPerSec;
inline constexpr size_t kMaxSimSessions = 2;

// Whether peer may run one: it needs sched.load (root: always). The
// refusal names the rule.
Response admit_sim_session(const Peer& peer, const security::AdmissionConfig& cfg, const std::string& rule);

// Runs one to its end (thread-safe against the session's loop: it touches
// only the load path's thread-safe part). `admission`: the config when the
// request came.
Response run_sim_session(Session& session, const Peer& peer, const SubmitArgs& a,
                         std::shared_ptr<const security::AdmissionConfig> admission, const std::string& rule);

}  // namespace ups::daemon
