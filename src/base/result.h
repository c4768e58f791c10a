// Result<T>: the typed error channel for bad input (ELF, BTF, config,
// workload files, CLI arguments). Wrapped once so that moving to
// std::expected later is a one-header change.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace ups {

enum class ErrorKind {
  invalid_argument,  // a bad value from the user (CLI, API call)
  parse,             // a syntax error in a text file
  malformed,         // a binary that does not follow its format (ELF, BTF)
  unsupported,       // well-formed, but something we do not implement
  not_found,         // a named thing (file, symbol, kfunc, map) does not exist
  rejected,          // refused by policy: verifier, admission, capability
  io,                // the file system said no
  internal,
};

// Where in the user's input the problem is. Any part may be empty.
struct SourceLoc {
  std::string file;
  int line = 0;     // 1-based; 0 = unknown
  int column = 0;   // 1-based; 0 = unknown
  std::string what; // e.g. "section .maps", "instruction 12", "field tasks[3].weight"

  bool empty() const { return file.empty() && line == 0 && what.empty(); }
  std::string to_string() const {
    std::string s = file;
    if (line > 0) s += (s.empty() ? "line " : ":") + std::to_string(line);
    if (line > 0 && column > 0) s += ":" + std::to_string(column);
    if (!what.empty()) s += (s.empty() ? "" : ": ") + what;
    return s;
  }
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  SourceLoc where;

  // "file:line: what: message", the form every CLI error is printed in.
  std::string to_string() const {
    std::string loc = where.to_string();
    return loc.empty() ? message : loc + ": " + message;
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// For functions that only succeed or fail.
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> make_error(ErrorKind kind, std::string message,
                                        SourceLoc where = {}) {
  return tl::unexpected<Error>(Error{kind, std::move(message), std::move(where)});
}

}  // namespace ups
