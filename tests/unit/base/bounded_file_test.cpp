// read_bounded_file(): only regular files, never more than the cap of their
// kind (issue 20: /dev/zero as an object grew the process to 4.2 GB; a
// directory as --policy ended in SIGABRT).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/bounded_file.h"

namespace ups {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() / ("ups_bounded_file_" + std::to_string(::getpid()) + "_" + name);
}

TEST(BoundedFile, ReadsARegularFile) {
  const fs::path p = temp_path("small");
  std::ofstream(p) << "hello\n";
  auto text = read_bounded_file(p.string(), FileKind::workload);
  fs::remove(p);
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, "hello\n");
}

TEST(BoundedFile, DeviceIsRefusedAtOnce) {
  auto text = read_bounded_file("/dev/zero", FileKind::object);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().kind, ErrorKind::io);
  EXPECT_EQ(text.error().where.file, "/dev/zero");
  EXPECT_NE(text.error().message.find("not a regular file"), std::string::npos) << text.error().message;
}

TEST(BoundedFile, DirectoryIsRefused) {
  auto text = read_bounded_file(fs::temp_directory_path().string(), FileKind::object);
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("a directory"), std::string::npos) << text.error().message;
}

TEST(BoundedFile, FileOverTheCapOfItsKindIsRefused) {
  const fs::path p = temp_path("large");
  {
    std::ofstream(p) << "x";
  }
  // Sparse: one byte past the admission cap costs no disk.
  fs::resize_file(p, FileLimits::kAdmissionBytes + 1);
  auto text = read_bounded_file(p.string(), FileKind::admission);
  auto as_workload = read_bounded_file(p.string(), FileKind::workload);
  fs::remove(p);
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("larger than the limit of 1 MiB"), std::string::npos) << text.error().message;
  EXPECT_TRUE(as_workload) << "the cap is per kind";
}

TEST(BoundedFile, MissingFileNamesIt) {
  auto text = read_bounded_file("/nonexistent/upsched.toml", FileKind::workload);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().where.file, "/nonexistent/upsched.toml");
  EXPECT_NE(text.error().message.find("cannot open the workload file"), std::string::npos);
}

}  // namespace
}  // namespace ups
