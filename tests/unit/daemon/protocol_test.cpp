// The daemon's wire protocol: requests and responses round-trip; malformed,
// truncated and oversized input is a clear error, never a crash.
#include "daemon/protocol.h"

#include <gtest/gtest.h>

namespace ups::daemon {
namespace {

std::string error_of(std::string_view body) {
  auto r = parse_request(body);
  EXPECT_FALSE(r) << body;
  return r ? "" : r.error().message;
}

TEST(DaemonProtocol, LoadRequestRoundTripsWithBinaryObject) {
  Request r;
  r.verb = Verb::load;
  r.load.object = std::string("\x7f" "ELF\0\1\2\xff", 8);
  r.load.object_name = "simple.bpf.o";
  r.load.name = "mine";
  r.load.cpus = "0-1";
  r.load.slot = ChainSlot::above_fair;
  auto back = parse_request(encode_request(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->verb, Verb::load);
  EXPECT_EQ(back->load.object, r.load.object);
  EXPECT_EQ(back->load.object_name, "simple.bpf.o");
  EXPECT_EQ(back->load.name, "mine");
  EXPECT_EQ(back->load.cpus, "0-1");
  EXPECT_EQ(back->load.slot, ChainSlot::above_fair);
}

TEST(DaemonProtocol, SubmitAndAttachRequestsRoundTrip) {
  Request r;
  r.verb = Verb::submit;
  r.submit.workload = "[[tasks]]\nname = \"t\"\n";
  r.submit.workload_name = "t.toml";
  r.submit.cls = "mine";
  r.submit.duration = "2s";
  r.submit.sim = true;
  r.submit.sim_cpus = 4;
  r.submit.policy.object = std::string("\x7f" "ELF", 4);
  r.submit.policy.object_name = "simple.bpf.o";
  auto back = parse_request(encode_request(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->verb, Verb::submit);
  EXPECT_EQ(back->submit.workload, r.submit.workload);
  EXPECT_EQ(back->submit.workload_name, "t.toml");
  EXPECT_EQ(back->submit.cls, "mine");
  EXPECT_EQ(back->submit.duration, "2s");
  EXPECT_TRUE(back->submit.sim);
  EXPECT_EQ(back->submit.sim_cpus, 4u);
  EXPECT_EQ(back->submit.policy.object, r.submit.policy.object);
  Request a;
  a.verb = Verb::attach;
  a.attach.cls = "mine";
  a.attach.task = 17;
  auto aback = parse_request(encode_request(a));
  ASSERT_TRUE(aback) << aback.error().message;
  EXPECT_EQ(aback->attach.cls, "mine");
  EXPECT_EQ(aback->attach.task, 17u);
  EXPECT_EQ(aback->attach.job, 0u);
  Request l;
  l.verb = Verb::load;
  l.load.object = "x";
  l.load.slot = ChainSlot::above_fair;
  l.load.bandwidth = 0.25;
  auto lback = parse_request(encode_request(l));
  ASSERT_TRUE(lback) << lback.error().message;
  EXPECT_DOUBLE_EQ(lback->load.bandwidth, 0.25);
}

TEST(DaemonProtocol, ResponseRoundTrips) {
  Response r;
  r.ok = false;
  r.error = "user bob (uid 1001) lacks sched.load";
  r.rule = "admission: sched.load";
  auto back = parse_response(encode_response(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->ok);
  EXPECT_EQ(back->error, r.error);
  EXPECT_EQ(back->rule, r.rule);
}

TEST(DaemonProtocol, MalformedRequestsNameTheProblem) {
  struct Case {
    std::string body, expect;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{\"v\":1,\"verb\":", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {"{\"verb\":\"list\"}", "no protocol version"},
      {"{\"v\":2,\"verb\":\"list\"}", "protocol version 2 is not supported"},
      {"{\"v\":-1,\"verb\":\"list\"}", "no protocol version"},
      {"{\"v\":1}", "request.verb: missing"},
      {"{\"v\":1,\"verb\":7}", "request.verb: must be a string"},
      {"{\"v\":1,\"verb\":\"reboot\"}", "unknown verb 'reboot'"},
      {"{\"v\":1,\"verb\":\"list\",\"args\":3}", "request.args: must be an object"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{}}", "load.object: missing"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"abc\"}}", "not a multiple of 4"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"ab!=\"}}", "bad character"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"\"}}", "load.object: empty"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"QUJD\",\"slot\":\"top\"}}", "load.slot: 'top'"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"QUJD\",\"cpus\":[0]}}", "load.cpus: must be a string"},
      {"{\"v\":1,\"verb\":\"unload\",\"args\":{}}", "unload.name: missing"},
      {"{\"v\":1,\"verb\":\"replace\",\"args\":{\"object\":\"QUJD\"}}", "replace.name: missing"},
      {"{\"v\":1,\"verb\":\"unload\",\"args\":{\"name\":\"\"}}", "unload.name: empty"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"QUJD\",\"bandwidth\":1.5}}", "load.bandwidth: 1.5 is not in [0, 1)"},
      {"{\"v\":1,\"verb\":\"load\",\"args\":{\"object\":\"QUJD\",\"bandwidth\":\"half\"}}", "load.bandwidth: must be a number"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{}}", "exactly one of workload and preset"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"workload\":\"x\"}}", "exactly one of workload and preset"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"sim\":1}}", "submit.sim: must be a boolean"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"sim_cpus\":0}}", "submit.sim_cpus: 0 is not in 1..64"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"sim\":true,\"policy\":{}}}", "load.object: missing"},
      // Found by daemon_protocol_fuzz: a policy without a simulator session
      // was kept by the parser and dropped by the encoder.
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"policy\":{\"object\":\"QUJD\"}}}",
       "submit.policy: only for a simulator session (sim: true)"},
      {"{\"v\":1,\"verb\":\"submit\",\"args\":{\"preset\":\"hogs\",\"sim_cpus\":4}}",
       "submit.sim_cpus: only for a simulator session (sim: true)"},
      {"{\"v\":1,\"verb\":\"attach\",\"args\":{\"job\":1}}", "attach.class: missing"},
      {"{\"v\":1,\"verb\":\"attach\",\"args\":{\"class\":\"x\"}}", "exactly one of job and task"},
      {"{\"v\":1,\"verb\":\"attach\",\"args\":{\"class\":\"x\",\"job\":-3}}", "attach.job: must be an unsigned number"},
  };
  for (const auto& c : cases) {
    const std::string e = error_of(c.body);
    EXPECT_NE(e.find(c.expect), std::string::npos) << c.body << " -> " << e;
    EXPECT_EQ(e.rfind("protocol: ", 0), 0u) << e;
  }
}

TEST(DaemonProtocol, FramesReassembleFromSingleBytes) {
  const std::string a = frame("{\"v\":1,\"verb\":\"list\"}");
  const std::string b = frame("{\"v\":1,\"verb\":\"status\"}");
  const std::string stream = a + b;
  FrameReader reader;
  std::vector<std::string> got;
  for (char c : stream) {
    reader.feed(std::string_view(&c, 1));
    auto f = reader.next();
    ASSERT_TRUE(f) << f.error().message;
    if (*f) got.push_back(**f);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(parse_request(got[0])->verb, Verb::list);
  EXPECT_EQ(parse_request(got[1])->verb, Verb::status);
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(DaemonProtocol, TruncatedFrameStaysIncomplete) {
  const std::string f = frame("{\"v\":1,\"verb\":\"list\"}");
  FrameReader reader;
  reader.feed(std::string_view(f).substr(0, f.size() - 1));
  auto r = reader.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  EXPECT_EQ(reader.buffered(), f.size() - 1);
}

TEST(DaemonProtocol, OversizedFrameIsRefusedFromItsHeader) {
  FrameReader reader(1024);
  reader.feed(std::string("\x00\x00\x04\x01", 4));  // 1025 bytes announced
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("1025 bytes is over the limit of 1024"), std::string::npos);
  FrameReader empty;
  empty.feed(std::string(4, '\0'));
  EXPECT_FALSE(empty.next());
}

TEST(DaemonProtocol, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto back = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes);
    bytes.push_back(static_cast<char>(n * 37));
  }
  EXPECT_FALSE(base64_decode("A==="));
  EXPECT_FALSE(base64_decode("AB=C"));
}

}  // namespace
}  // namespace ups::daemon
