// upschedd's server under abuse: malformed, truncated, oversized and
// slow-loris clients at once, while a well-behaved client is served; a
// client that goes mid-request leaves nothing behind; a broken admission
// file is refused on reload.
#include "daemon/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "daemon/client.h"

namespace ups::daemon {
namespace {

class ServerTest : public ::testing::Test {
protected:
  void start(ServerOptions o = {}) {
    dir_ = std::filesystem::temp_directory_path() / ("upschedd-server-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    o.socket_path = (dir_ / "s.sock").string();
    o.audit_path = (dir_ / "audit.log").string();
    auto s = Server::create(o);
    ASSERT_TRUE(s) << s.error().to_string();
    server_ = std::move(*s);
    loop_ = std::thread([this] { ASSERT_TRUE(server_->run()); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (loop_.joinable()) loop_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  Client connect() {
    auto c = Client::connect((dir_ / "s.sock").string(), 10 * kNsPerSec);
    EXPECT_TRUE(c) << c.error().message;
    return std::move(*c);
  }
  static void send_raw(const Client& c, const std::string& bytes) {
    ASSERT_EQ(::send(c.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // The next response on c, or an error (the daemon closed the connection).
  // Reads one frame exactly, so that the next stays for the next call.
  static Result<Response> receive(const Client& c) {
    std::string header(kFrameHeaderBytes, '\0');
    if (::recv(c.fd(), header.data(), header.size(), MSG_WAITALL) != static_cast<ssize_t>(header.size()))
      return make_error(ErrorKind::io, "closed");
    FrameReader reader;
    reader.feed(header);
    size_t n = 0;
    for (char ch : header) n = (n << 8) | static_cast<u8>(ch);
    std::string body(n, '\0');
    if (n > kMaxFrameBytes || ::recv(c.fd(), body.data(), n, MSG_WAITALL) != static_cast<ssize_t>(n))
      return make_error(ErrorKind::io, "closed mid-frame");
    return parse_response(body);
  }
  static bool closed_by_daemon(const Client& c) {
    char b;
    return ::recv(c.fd(), &b, 1, 0) == 0;
  }
  std::string audit() const {
    std::ifstream in(dir_ / "audit.log");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  Response status(Client& c) {
    Request r;
    r.verb = Verb::status;
    auto resp = c.call(r);
    EXPECT_TRUE(resp) << resp.error().message;
    return resp ? *resp : Response{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Server> server_;
  std::thread loop_;
};

TEST_F(ServerTest, BadClientsAtOnceDoNotStopTheOthers) {
  ServerOptions o;
  o.read_timeout_ns = 400 * kNsPerMs;
  start(o);
  const std::string list = frame("{\"v\":1,\"verb\":\"list\"}");
  std::vector<Client> malformed, truncated, oversized, loris;
  for (int i = 0; i < 4; ++i) {
    malformed.push_back(connect());
    send_raw(malformed.back(), frame("{\"v\":1,\"verb\":") + frame("[not json"));
    oversized.push_back(connect());
    send_raw(oversized.back(), std::string("\xff\xff\xff\xff{}", 6));
    truncated.push_back(connect());
    send_raw(truncated.back(), list.substr(0, list.size() / 2));
    loris.push_back(connect());
    send_raw(loris.back(), list.substr(0, 3));
  }
  truncated.clear();  // they go mid-request
  // One client drips a valid request a byte at a time, too slowly.
  Client drip = connect();
  std::thread dripper;
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{dripper};
  dripper = std::thread([&] {
    for (char ch : list) {
      if (::send(drip.fd(), &ch, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
  });
  // Meanwhile a well-behaved client is answered, request after request.
  Client good = connect();
  for (int i = 0; i < 20; ++i) {
    Request r;
    r.verb = i % 2 ? Verb::list : Verb::status;
    auto resp = good.call(r);
    ASSERT_TRUE(resp) << resp.error().message;
    EXPECT_TRUE(resp->ok) << resp->error;
  }
  for (auto& c : malformed) {
    for (int k = 0; k < 2; ++k) {  // both frames answered
      auto r = receive(c);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_FALSE(r->ok);
      EXPECT_EQ(r->rule, "protocol: schema");
      EXPECT_NE(r->error.find("protocol: the message is not valid JSON"), std::string::npos) << r->error;
    }
    // A well-framed bad request leaves the connection usable.
    send_raw(c, list);
    auto r = receive(c);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok);
  }
  for (auto& c : oversized) {
    auto r = receive(c);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_NE(r->error.find("over the limit of 1048576 bytes"), std::string::npos) << r->error;
    EXPECT_TRUE(closed_by_daemon(c));
  }
  for (auto& c : loris) {
    auto r = receive(c);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_NE(r->error.find("no complete request within 400 ms"), std::string::npos) << r->error;
    EXPECT_EQ(r->rule, "limit: read timeout");
    EXPECT_TRUE(closed_by_daemon(c));
  }
  join.t.join();
  auto dr = receive(drip);
  ASSERT_TRUE(dr) << dr.error().message;
  EXPECT_EQ(dr->rule, "limit: read timeout");
  // Still serving, and every refusal is in the audit log with its rule.
  Client after = connect();
  EXPECT_TRUE(status(after).ok);
  const std::string log = audit();
  EXPECT_NE(log.find("\"rule\":\"limit: read timeout\""), std::string::npos);
  EXPECT_NE(log.find("\"rule\":\"protocol: framing\""), std::string::npos);
  EXPECT_NE(log.find("\"rule\":\"protocol: schema\""), std::string::npos);
}

TEST_F(ServerTest, ClientGoingMidRequestLeavesNoState) {
  start();
  {
    Client c = connect();
    Request r;
    r.verb = Verb::load;
    r.load.object = std::string(5000, 'x');
    r.load.object_name = "half.bpf.o";
    const std::string f = frame(encode_request(r));
    send_raw(c, f.substr(0, f.size() / 2));
  }
  Client c = connect();
  Response s = status(c);
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.result["clients"], 1);
  EXPECT_EQ(s.result["classes_loaded"], 0);
  EXPECT_EQ(s.result["requests"], 1);  // the half request never became one
  Request l;
  l.verb = Verb::list;
  auto list = c.call(l);
  ASSERT_TRUE(list && list->ok);
  EXPECT_EQ(list->result["classes"].size(), 1u);  // fair alone
}

// 8 clients load and unload classes at once: every request is answered,
// and nothing is left behind (the chain is fair alone, no class counted).
TEST_F(ServerTest, ConcurrentLoadsAndUnloadsLeaveNoClassBehind) {
  start();
  std::ifstream in(std::string(UPS_POLICY_DIR) + "/simple.bpf.o", std::ios::binary);
  const std::string object{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(object.empty());
  constexpr int kClients = 8, kRounds = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t)
    threads.emplace_back([&, t] {
      auto c = Client::connect((dir_ / "s.sock").string(), 30 * kNsPerSec);
      if (!c) return void(++failures);
      for (int i = 0; i < kRounds; ++i) {
        Request load;
        load.verb = Verb::load;
        load.load.object = object;
        load.load.object_name = "simple.bpf.o";
        load.load.name = "c" + std::to_string(t) + "_" + std::to_string(i);
        Request unload;
        unload.verb = Verb::unload;
        unload.name = load.load.name;
        for (const Request* r : {&load, &unload}) {
          auto resp = c->call(*r);
          if (!resp || !resp->ok) ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  Client c = connect();
  Request l;
  l.verb = Verb::list;
  auto list = c.call(l);
  ASSERT_TRUE(list && list->ok);
  EXPECT_EQ(list->result["classes"].size(), 1u) << list->result.dump();
  Response s = status(c);
  EXPECT_EQ(s.result["classes_loaded"], 0);
  EXPECT_EQ(s.result["requests"], 2 * kClients * kRounds + 2);  // with this list and status
}

// A client that sends requests and never reads the answers: once the
// socket's buffers are full its answers wait in the daemon, and at its
// deadline it is dropped; its slot is free again.
TEST_F(ServerTest, ClientThatNeverReadsIsDropped) {
  ServerOptions o;
  o.read_timeout_ns = 200 * kNsPerMs;
  o.max_clients = 1;  // the deaf client's slot is the only one
  start(o);
  Client deaf = connect();
  int small = 4096;
  ::setsockopt(deaf.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string burst;
  for (int i = 0; i < 2000; ++i) burst += frame("{\"v\":1,\"verb\":\"list\"}");
  ::send(deaf.fd(), burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT);  // as much as goes
  // Others are turned away while it holds the slot, and served once it is
  // dropped (the daemon never waits for it to read).
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    Client next = connect();
    Request r;
    r.verb = Verb::status;
    auto resp = next.call(r);
    served = resp && resp->ok;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(served);
}

TEST_F(ServerTest, TooManyClientsAreToldSo) {
  ServerOptions o;
  o.max_clients = 2;
  start(o);
  Client a = connect();
  Client b = connect();
  EXPECT_TRUE(status(a).ok);
  Client c = connect();
  auto r = receive(c);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->error.find("at most 2 clients"), std::string::npos) << r->error;
  EXPECT_TRUE(status(b).ok);
}

TEST_F(ServerTest, BrokenAdmissionFileIsRefusedOnReload) {
  dir_ = std::filesystem::temp_directory_path() / ("upschedd-server-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir_);
  const auto file = dir_ / "admission.toml";
  std::ofstream(file) << "[users.alice]\nuid = 5001\ncaps = [\"sched.load\"]\n";
  ServerOptions o;
  o.admission_file = file.string();
  start(o);
  std::ofstream(file) << "[users.alice]\nuid = 5001\ncaps = [\"sched.flying\"]\n";
  auto st = server_->reload_admission();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("sched.flying"), std::string::npos) << st.error().message;
  EXPECT_NE(audit().find("\"decision\":\"refused\",\"event\":\"reload\""), std::string::npos) << audit();
  Client c = connect();
  Response s = status(c);
  EXPECT_EQ(s.result["admission"], file.string());
  std::ofstream(file) << "[users.alice]\nuid = 5001\ncaps = [\"sched.load\", \"sched.kick\"]\n";
  EXPECT_TRUE(server_->reload_admission());
}


// Requests at once, from 8 clients, with a workload running: how many in all
// (ctest: 1,000; UPS_DAEMON_CHURN_REQUESTS=N for more).
// (Under ASan, 200: a load there takes ~50 ms.)
int churn_requests() {
  const char* n = std::getenv("UPS_DAEMON_CHURN_REQUESTS");
#if defined(__SANITIZE_ADDRESS__)
  constexpr int kDefault = 200;
#else
  constexpr int kDefault = 1000;
#endif
  return n && std::atoi(n) > 0 ? std::atoi(n) : kDefault;
}

// The robustness item of issue 14: 8 clients load, replace and unload
// classes and attach a running job's tasks to them, 1,000 requests in all,
// while clients that go mid-request come and go, and a ninth client keeps
// submitting small jobs until the churn is over (so that work runs
// throughout, however fast the machine). Every submitted task completes
// (none lost as its class is replaced or unloaded under it), the chain is
// fair alone afterwards and nothing of the broken clients stays.
TEST_F(ServerTest, ChurnWithAWorkloadRunningLosesNoTaskAndLeavesNoClass) {
  ServerOptions o;
  o.read_timeout_ns = 600 * kNsPerSec;  // c0 waits out the churn between its requests
  start(o);
  std::ifstream in(std::string(UPS_POLICY_DIR) + "/simple.bpf.o", std::ios::binary);
  const std::string object{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(object.empty());
  Client c0 = connect();
  Request sub;
  sub.verb = Verb::submit;
  sub.submit.workload_name = "churn.toml";
  // At least 2.5 s, whatever the machine (sleeps of 1 ms).
  sub.submit.workload = R"(
name = "churn"
events = ["go"]
[[tasks]]
name = "worker"
count = 16
program = [ { repeat = 2500, body = [ { compute = "20us" }, { sleep = "1ms" } ] } ]
[[tasks]]
name = "pinger"
count = 2
program = [ { repeat = 2000, body = [ { signal = "go" }, { sleep = "1ms" } ] } ]
[[tasks]]
name = "ponger"
count = 2
program = [ { repeat = 2000, body = [ { wait = "go" }, { compute = "20us" } ] } ]
)";
  auto job = c0.call(sub);
  ASSERT_TRUE(job && job->ok) << (job ? job->error : job.error().message);
  const u64 job_id = job->result["job"];
  const u64 tasks = job->result["tasks"];
  EXPECT_EQ(tasks, 20u);

  constexpr int kClients = 8;
  const int per_client = churn_requests() / kClients;
  std::atomic<int> failures{0}, answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t)
    threads.emplace_back([&, t] {
      auto c = Client::connect((dir_ / "s.sock").string(), 60 * kNsPerSec);
      if (!c) return void(++failures);
      for (int i = 0; 4 * i < per_client; ++i) {
        const std::string name = "c" + std::to_string(t) + "_" + std::to_string(i);
        Request load;
        load.verb = Verb::load;
        load.load.object = object;
        load.load.object_name = "simple.bpf.o";
        load.load.name = name;
        Request attach;
        attach.verb = Verb::attach;
        attach.attach.cls = name;
        attach.attach.job = job_id;
        Request replace = load;
        replace.verb = Verb::replace;
        Request unload;
        unload.verb = Verb::unload;
        unload.name = name;
        for (const Request* r : {&load, &attach, &replace, &unload}) {
          auto resp = c->call(*r);
          if (!resp || !resp->ok) {
            ++failures;
            ADD_FAILURE() << verb_name(r->verb) << " " << name << ": "
                          << (resp ? resp->error : resp.error().message);
          }
          ++answered;
        }
        // Every few rounds, a client that goes mid-request.
        if (i % 8 == t % 8) {
          auto gone = Client::connect((dir_ / "s.sock").string());
          if (!gone) continue;
          const std::string f = frame(encode_request(load));
          send_raw(*gone, f.substr(0, f.size() / 3));
        }
      }
    });
  std::atomic<bool> churning{true};
  std::thread submitter([&] {
    auto c = Client::connect((dir_ / "s.sock").string(), 60 * kNsPerSec);
    if (!c) return void(++failures);
    Request small = sub;
    small.submit.workload = R"(
name = "small"
[[tasks]]
name = "s"
count = 4
program = [ { repeat = 20, body = [ { compute = "50us" }, { sleep = "1ms" } ] } ]
)";
    while (churning.load()) {
      auto resp = c->call(small);
      if (!resp || !resp->ok) ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  for (auto& th : threads) th.join();
  churning.store(false);
  submitter.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(answered.load(), churn_requests() - 3 * kClients);

  // Every job: every task completes.
  Request st;
  st.verb = Verb::stats;
  nlohmann::json jobs;
  for (int i = 0; i < 3000; ++i) {
    auto s = c0.call(st);
    ASSERT_TRUE(s && s->ok);
    jobs = s->result["jobs"];
    if (std::all_of(jobs.begin(), jobs.end(), [](const auto& j) { return j["done"].template get<bool>(); })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["tasks"], tasks);
  for (const auto& j : jobs) {
    EXPECT_TRUE(j["done"].get<bool>()) << j.dump();
    EXPECT_EQ(j["finished"], j["tasks"]) << j.dump();
  }
  // Nothing left: fair alone, no class counted, only this client.
  Request l;
  l.verb = Verb::list;
  auto list = c0.call(l);
  ASSERT_TRUE(list && list->ok);
  EXPECT_EQ(list->result["classes"].size(), 1u) << list->result.dump();
  Response s = status(c0);
  EXPECT_EQ(s.result["classes_loaded"], 0);
  EXPECT_EQ(s.result["clients"], 1);
}

// A simulator session on request: the workload and the policy object go
// to the daemon, the simulator runs them as `upsched sim` would, the report
// comes back; the same client's next request is answered after it, and
// other clients are served meanwhile.
TEST_F(ServerTest, SimulatorSessionReturnsItsReport) {
  start();
  std::ifstream in(std::string(UPS_POLICY_DIR) + "/simple.bpf.o", std::ios::binary);
  const std::string object{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  Client c = connect();
  Request sim;
  sim.verb = Verb::submit;
  sim.submit.sim = true;
  sim.submit.preset = "hogs";
  sim.submit.duration = "200ms";
  sim.submit.sim_cpus = 2;
  sim.submit.policy.object = object;
  sim.submit.policy.object_name = "simple.bpf.o";
  Request status_req;
  status_req.verb = Verb::status;
  send_raw(c, frame(encode_request(sim)) + frame(encode_request(status_req)));
  Client other = connect();
  EXPECT_TRUE(status(other).ok);
  auto r = receive(c);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->ok) << r->error;
  const auto& rep = r->result["report"];
  EXPECT_EQ(rep["policy"], "simple.bpf.o") << rep.dump();
  EXPECT_GT(rep["tasks_created"].get<u64>(), 0u);
  EXPECT_NE(r->result["summary"].get<std::string>().find("simple"), std::string::npos);
  auto after = receive(c);  // the request that waited behind it
  ASSERT_TRUE(after && after->ok);
  EXPECT_TRUE(after->result.contains("uptime_ns"));
  // The session's policy is not a class of the daemon.
  EXPECT_EQ(after->result["classes_loaded"], 0);
  EXPECT_NE(audit().find("\"event\":\"simulator session ended\""), std::string::npos);
}

TEST_F(ServerTest, SimulatorSessionRefusesAPathItWouldHaveToOpen) {
  start();
  Client c = connect();
  Request sim;
  sim.verb = Verb::submit;
  sim.submit.sim = true;
  sim.submit.workload_name = "w.toml";
  sim.submit.workload = "[[tasks]]\nname = \"t\"\nclass = \"x\"\nprogram = [ { compute = \"1ms\" } ]\n"
                        "[[classes]]\nname = \"x\"\npolicy = \"/etc/secret.bpf.o\"\n";
  auto r = c.call(sim);
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->ok);
  EXPECT_NE(r->error.find("opens no file a client names"), std::string::npos) << r->error;
}

// A client that goes while its simulator session runs: the session ends,
// its answer goes nowhere, nothing stays (no client, no class).
TEST_F(ServerTest, ClientGoneDuringASimulatorSessionLeavesNoState) {
  start();
  {
    Client gone = connect();
    Request sim;
    sim.verb = Verb::submit;
    sim.submit.sim = true;
    sim.submit.preset = "hogs";
    sim.submit.duration = "500ms";
    send_raw(gone, frame(encode_request(sim)));
  }
  for (int i = 0; i < 1000 && audit().find("simulator session ended") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_NE(audit().find("\"event\":\"simulator session ended\""), std::string::npos) << audit();
  Client c = connect();
  Response s = status(c);
  EXPECT_EQ(s.result["clients"], 1);
  EXPECT_EQ(s.result["classes_loaded"], 0);
}

}  // namespace
}  // namespace ups::daemon
