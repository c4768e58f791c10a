// read_bounded_file(): the one way upsched reads an input file. Only a
// regular file is read (not a directory, a device such as /dev/zero, a FIFO
// or a socket), and never more than the cap for its kind, so no input can
// block the reader or grow the process without bound. Header-only, like the
// rest of base/; core/ does not include it (it keeps free of OS calls).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <string>

#include "base/result.h"
#include "base/types.h"

namespace ups {

// What the file is, which sets how large it may be.
enum class FileKind : u8 { object, workload, admission, data };

struct FileLimits {
  static constexpr u64 kObjectBytes = 64ull << 20;    // a BPF ELF object
  static constexpr u64 kWorkloadBytes = 16ull << 20;  // a workload or model file (TOML, JSON)
  static constexpr u64 kAdmissionBytes = 1ull << 20;  // an admission config (TOML)
  static constexpr u64 kDataBytes = 16ull << 20;      // a test data, hex or memory file
  static constexpr u64 cap(FileKind k) {
    switch (k) {
      case FileKind::object: return kObjectBytes;
      case FileKind::workload: return kWorkloadBytes;
      case FileKind::admission: return kAdmissionBytes;
      case FileKind::data: return kDataBytes;
    }
    return kDataBytes;
  }
};

inline const char* file_kind_name(FileKind k) {
  switch (k) {
    case FileKind::object: return "object";
    case FileKind::workload: return "workload";
    case FileKind::admission: return "admission";
    case FileKind::data: return "data";
  }
  return "input";
}

// The whole content of the regular file at `path`, or an io error naming
// the file: it cannot be opened, is not a regular file, or is larger than
// the cap for `kind` (checked before reading and again while reading, for a
// file that grows).
inline Result<std::string> read_bounded_file(const std::string& path, FileKind kind) {
  const u64 cap = FileLimits::cap(kind);
  auto fail = [&](std::string msg) { return make_error(ErrorKind::io, std::move(msg), SourceLoc{path, 0, 0, ""}); };
  // O_NONBLOCK: opening a FIFO with no writer must not wait; regular files
  // ignore it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(std::string("cannot open the ") + file_kind_name(kind) + " file: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::string("cannot stat the file: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail(std::string("not a regular file (") + (S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket") +
                "): " + file_kind_name(kind) + " files are read only from regular files");
  auto too_large = [&] {
    return fail(std::string("the ") + file_kind_name(kind) + " file is larger than the limit of " +
                std::to_string(cap >> 20) + " MiB");
  };
  if (static_cast<u64>(st.st_size) > cap) return too_large();
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (out.size() >= cap + 1) return too_large();
      out.resize(std::min<u64>(cap + 1, out.size() + 4096));
    }
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(std::string("read error: ") + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > cap) return too_large();
  out.resize(got);
  return out;
}

}  // namespace ups
