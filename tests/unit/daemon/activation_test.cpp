// upschedd started as systemd starts it from upschedd.socket: handed a
// bound, listening socket as fd 3 (LISTEN_PID, LISTEN_FDS), it serves that
// socket, and leaves it in place when it ends (it is systemd's).
#include <csignal>
#include <filesystem>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "daemon/client.h"

namespace ups::daemon {
namespace {

TEST(SocketActivation, ServesTheHandedSocketAndLeavesIt) {
  const auto dir = std::filesystem::temp_directory_path() / ("upschedd-activation-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "activated.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  const std::string daemon = std::string(UPS_BINARY_DIR) + "/upschedd";
  const std::string audit = (dir / "audit.log").string();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::dup2(fd, 3);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    // --socket names another path: the handed socket wins.
    ::execl(daemon.c_str(), daemon.c_str(), "--cpus", "1", "--audit", audit.c_str(), "--socket",
            (dir / "unused.sock").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd);
  auto c = Client::connect(path, 10 * kNsPerSec);
  ASSERT_TRUE(c) << c.error().message;
  Request r;
  r.verb = Verb::status;
  auto s = c->call(r);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->ok);
  EXPECT_EQ(s->result["socket"], path);
  ::kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(dir / "unused.sock"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ups::daemon
