// Helpers the daemon's session and work tests share: a policy object's
// bytes, and a peer as SO_PEERCRED and the group database would give it.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/peer.h"
#include "daemon/session.h"
#include "security/admission.h"

namespace ups::daemon::test {

inline std::string read_object(const std::string& name) {
  std::ifstream in(std::string(UPS_POLICY_DIR) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// uid is also the primary group; `groups` are the supplementary ones.
inline Peer peer(u32 uid, const std::string& name, std::vector<u32> groups = {}) {
  Peer p;
  p.principal = Principal{uid, uid};
  p.pid = 4242;
  p.user = name;
  p.groups = std::move(groups);
  p.groups.push_back(uid);
  return p;
}

// A session in a fresh state directory under an admission file's text;
// removed after the test.
class SessionFixture : public ::testing::Test {
protected:
  void start(const std::string& tag, const std::string& admission) {
    dir_ = std::filesystem::temp_directory_path() / ("upschedd-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    SessionOptions o;
    o.state_dir = dir_.string();
    auto s = Session::create(o);
    ASSERT_TRUE(s) << s.error().message;
    session_ = std::move(*s);
    auto cfg = security::AdmissionConfig::parse(admission, "admission.toml");
    ASSERT_TRUE(cfg) << cfg.error().to_string();
    session_->set_admission(std::make_shared<security::AdmissionConfig>(*cfg), "admission.toml");
  }
  void TearDown() override {
    session_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<Session> session_;
};

}  // namespace ups::daemon::test
