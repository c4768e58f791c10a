// check_toml_nesting(): how deep a TOML text nests, measured on the text
// before any TOML library sees it. toml++ bounds nested arrays and inline
// tables but not dotted keys or table headers (`a.b.c...` 40k deep crashed
// it), and every reader above it recurses over the tree; so each TOML input
// is refused past kMaxConfigNesting levels, naming the line of the first
// level past the limit. The count may only overestimate (a dotted key,
// header component, array or inline table is one level each).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ups {

// Levels of tables, arrays and dotted keys a workload, model or admission
// file may nest (the deepest example workload uses 5).
inline constexpr int kMaxConfigNesting = 64;

inline std::string nesting_message(int max) {
  return "nested deeper than " + std::to_string(max) +
         " levels (tables, dotted keys, arrays); this is the first level past the limit";
}

inline Status check_toml_nesting(std::string_view text, const std::string& file, int max = kMaxConfigNesting) {
  enum class Mode { key, header, value, rest };
  struct Open {
    char c;
    int depth;
  };
  std::vector<Open> open;  // brackets of the current value, at most max deep
  Mode mode = Mode::key;
  int line = 1;
  int table_depth = 0;  // the last [header]'s depth: key lines nest below it
  int base = 0;         // depth the key being read starts from
  int depth = 0;        // depth at this point
  auto too_deep = [&] { return make_error(ErrorKind::parse, nesting_message(max), SourceLoc{file, line, 0, ""}); };
  auto start_key = [&](int from) {
    mode = Mode::key;
    base = from;
    depth = from + 1;
  };
  start_key(0);
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      if (open.empty()) start_key(table_depth);
      continue;
    }
    if (c == '#') {  // a comment runs to the end of the line
      while (i + 1 < n && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // skip a string, counting its lines
      const bool multi = i + 2 < n && text[i + 1] == c && text[i + 2] == c;
      const bool escapes = c == '"';
      i += multi ? 3 : 1;
      for (; i < n; ++i) {
        if (escapes && text[i] == '\\') {
          if (i + 1 < n && text[i + 1] == '\n') ++line;
          ++i;
          continue;
        }
        if (text[i] == '\n') {
          ++line;
          if (!multi) break;  // unterminated: the parser reports it
          continue;
        }
        if (text[i] == c && (!multi || (i + 2 < n && text[i + 1] == c && text[i + 2] == c))) {
          if (multi) i += 2;
          break;
        }
      }
      continue;
    }
    switch (mode) {
      case Mode::key:
        if (c == '[' && open.empty() && depth == base + 1 && base == table_depth) {
          mode = Mode::header;
          depth = 1;
          if (i + 1 < n && text[i + 1] == '[') ++i;
        } else if (c == '.') {
          if (++depth > max) return too_deep();
        } else if (c == '=') {
          mode = Mode::value;
          if (depth > max) return too_deep();
        } else if (c == '}' && !open.empty()) {  // an empty or trailing-comma inline table
          open.pop_back();
          mode = Mode::value;
          depth = open.empty() ? depth : open.back().depth;
        }
        break;
      case Mode::header:
        if (c == '.') {
          if (++depth > max) return too_deep();
        } else if (c == ']') {
          table_depth = depth;
          mode = Mode::rest;
          if (i + 1 < n && text[i + 1] == ']') ++i;
        }
        break;
      case Mode::value:
        if (c == '[' || c == '{') {
          if (++depth > max) return too_deep();
          open.push_back({c, depth});
          if (c == '{') start_key(depth);
        } else if ((c == ']' || c == '}') && !open.empty()) {
          open.pop_back();
          if (!open.empty()) depth = open.back().depth;
        } else if (c == ',' && !open.empty() && open.back().c == '{') {
          start_key(open.back().depth);
        }
        break;
      case Mode::rest:
        break;
    }
  }
  return {};
}

}  // namespace ups
