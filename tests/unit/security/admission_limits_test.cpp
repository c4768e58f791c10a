// The admission file is read like every input: nesting bounded before toml++
// sees it, regular files only, a size cap (issue 20).
#include <gtest/gtest.h>

#include "security/admission.h"

namespace ups::security {
namespace {

TEST(AdmissionLimits, DottedKeysFortyThousandDeepAreRefusedNamingTheLine) {
  std::string key = "users.a";
  for (int i = 0; i < 40'000; ++i) key += ".a";
  auto cfg = AdmissionConfig::parse("# admission\n" + key + " = 1\n", "deep.toml");
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().where.file, "deep.toml");
  EXPECT_EQ(cfg.error().where.line, 2);
  EXPECT_NE(cfg.error().message.find("nested deeper"), std::string::npos) << cfg.error().message;
}

TEST(AdmissionLimits, DeviceOrDirectoryIsRefused) {
  for (const char* path : {"/dev/zero", "/"}) {
    auto cfg = AdmissionConfig::load_file(path);
    ASSERT_FALSE(cfg) << path;
    EXPECT_NE(cfg.error().message.find("not a regular file"), std::string::npos) << cfg.error().message;
  }
}

}  // namespace
}  // namespace ups::security
