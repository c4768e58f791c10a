// Inputs that are not regular files, through the `upsched` binary (issue 20):
// a directory as --policy ended in SIGABRT, /dev/zero as an object grew the
// process to 4.2 GB. Each is now an exit code with a message naming the file.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "run_upsched.h"

namespace {

namespace fs = std::filesystem;
using ups::cli_test::Out;
using ups::cli_test::run;

struct Case {
  std::string args;
  int rc;
  std::string message;
};

TEST(InputFilesCli, NonRegularFilesAreRefusedWithAMessage) {
  const fs::path dir = fs::temp_directory_path() / ("upsched_cli_dir_" + std::to_string(getpid()));
  const fs::path as_object = dir / "D.bpf.o";
  fs::create_directories(as_object);
  const std::string d = as_object.string();
  const std::string simple = (fs::path(UPS_BINARY_DIR) / "policies" / "simple.bpf.o").string();
  for (const Case& c : {Case{"sim --preset hogs --duration 10ms --quiet --policy " + d, 2, d + ": not a regular file (a directory)"},
                        Case{"verify /dev/zero", 2, "/dev/zero: not a regular file (a device, FIFO or socket)"},
                        Case{"bpf run /dev/zero", 1, "/dev/zero: not a regular file"},
                        Case{"sim --duration 10ms --workload /dev/zero", 2, "/dev/zero: not a regular file"},
                        Case{"verify --as alice --admission /dev/zero " + simple, 2,
                             "--admission: /dev/zero: not a regular file"}}) {
    const Out o = run(c.args);
    EXPECT_EQ(o.rc, c.rc) << c.args << "\n" << o.text;
    EXPECT_NE(o.text.find(c.message), std::string::npos) << c.args << "\n" << o.text;
  }
  fs::remove_all(dir);
}

}  // namespace
