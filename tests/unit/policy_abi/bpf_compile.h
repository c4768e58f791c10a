// Compiling generated BPF C in a test: writes the source under the build
// tree and runs one clang on it with the SDK's flags. Returns the object
// path, or an error text with clang's messages.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_paths.h"

namespace ups::test {

struct Compiled {
  std::string object;  // empty on failure
  std::string error;
};

inline Compiled compile_bpf(const std::string& clang, const std::string& name,
                            const std::string& source) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(UPS_BINARY_DIR) / "policy_abi_tmp";
  fs::create_directories(dir);
  const std::string tag = fs::path(clang).filename().string();
  const fs::path src = dir / (name + "." + tag + ".bpf.c");
  const fs::path obj = dir / (name + "." + tag + ".bpf.o");
  const fs::path log = dir / (name + "." + tag + ".log");
  std::ofstream(src) << source;
  const std::string cmd = clang + " -O2 -g -target bpf -mcpu=v3 -Werror -I" + sdk_include_dir() +
                          " -c " + src.string() + " -o " + obj.string() + " 2> " + log.string();
  if (std::system(cmd.c_str()) != 0) {
    std::ostringstream err;
    err << cmd << "\n" << std::ifstream(log).rdbuf();
    return {"", err.str()};
  }
  return {obj.string(), ""};
}

inline std::string clang_test_name(const std::string& clang) {
  std::string n = std::filesystem::path(clang).filename();
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

}  // namespace ups::test
