// upschedd's server under abuse: malformed, truncated, oversized and
// slow-loris clients at once, while a well-behaved client is served; a
// client that goes mid-request leaves nothing behind; a broken admission
// file is refused on reload.
#include "daemon/server.h"

#include <atomic>
#include <chrono>
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

}  // namespace
}  // namespace ups::daemon
