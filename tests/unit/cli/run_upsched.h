// Runs the built `upsched` binary as a user would, for the CLI tests: its
// exit code and what it printed (stdout and stderr together).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>

namespace ups::cli_test {

inline std::string upsched() {
  namespace fs = std::filesystem;
  for (const char* rel : {"upsched", "src/cli/upsched", "bin/upsched"}) {
    fs::path p = fs::path(UPS_BINARY_DIR) / rel;
    if (fs::exists(p)) return p.string();
  }
  return (fs::path(UPS_BINARY_DIR) / "upsched").string();
}

struct Out {
  int rc = -1;
  std::string text;  // stdout and stderr
};

inline Out run(const std::string& args) {
  Out o;
  std::string cmd = upsched() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  int st = pclose(p);
  o.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

}  // namespace ups::cli_test
