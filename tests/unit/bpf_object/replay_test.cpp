// Replays the loader's fuzz seeds and regression inputs
// (tests/data/bpf_object/, fuzz/corpus/loader_fuzz/) and every built test
// object through load_object in the normal (and sanitizer) build, so CI
// exercises what the fuzzer found without libFuzzer. Each must load or fail
// with an error; a crash fails the test run.
#include <filesystem>

#include "test_objects.h"

namespace ups::bpf {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> replay_files() {
  std::vector<fs::path> out;
  for (const char* dir : {UPS_TEST_DATA_DIR, UPS_SOURCE_DIR "/fuzz/corpus/loader_fuzz", UPS_TEST_BPF_DIR}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
      if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LoaderReplay, EveryFileLoadsOrFailsCleanly) {
  auto files = replay_files();
  ASSERT_FALSE(files.empty()) << "no replay inputs in " << UPS_TEST_DATA_DIR;
  size_t loaded = 0;
  for (const auto& f : files) {
    auto bytes = test::read_bytes(f.string());
    LoadOptions opts;
    opts.file_name = f.filename().string();
    opts.kfunc_lookup = [](std::string_view name) -> std::optional<u32> {
      return name.size() % 2 ? std::optional<u32>(static_cast<u32>(name.size())) : std::nullopt;
    };
    auto obj = load_object(bytes, opts);
    if (obj) {
      ++loaded;
      for (size_t p = 0; p < obj->programs().size(); ++p)
        for (size_t i = 0; i < obj->programs()[p].code.size(); ++i) (void)obj->source_line(p, i);
    } else {
      EXPECT_FALSE(obj.error().message.empty()) << f;
    }
  }
  RecordProperty("files", static_cast<int>(files.size()));
  RecordProperty("loaded", static_cast<int>(loaded));
}

}  // namespace
}  // namespace ups::bpf
