// Runs the built `upsched` binary as a user would, for the CLI tests: its
// exit code and what it printed (stdout and stderr together), and reads
// back the files it wrote.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>

namespace ups::cli_test {

// The build puts the binary at the top of the build directory.
inline std::string upsched() { return (std::filesystem::path(UPS_BINARY_DIR) / "upsched").string(); }

struct Out {
  int rc = -1;
  std::string text;  // stdout and stderr
};

// Runs a shell command line.
inline Out sh(const std::string& command) {
  Out o;
  const std::string cmd = command + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  int st = pclose(p);
  o.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

// Runs upsched with `args`.
inline Out run(const std::string& args) { return sh(upsched() + " " + args); }

// The whole content of a file the command wrote ("" if it is missing).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ups::cli_test
