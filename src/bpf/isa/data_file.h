// DataFile: the `.data` test format of bpf_conformance (and of upsched's
// tests/data/*): `-- name` lines open sections (`asm`, `raw`, `mem`,
// `result`, `error`, ...); `#` lines outside `-- asm` are comments. A `--`
// in the middle of a line also opens a section, keeping the text before it
// (three upstream files lack a newline before `-- raw`).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bpf/insn.h"

namespace ups::bpf {

struct DataFile {
  std::map<std::string, std::string, std::less<>> sections;  // name -> body

  bool has(std::string_view name) const { return sections.find(name) != sections.end(); }
  const std::string* get(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : &it->second;
  }

  // `-- raw`: one 0x-prefixed 64-bit word per line, or 8 hex bytes per line.
  Result<std::vector<Insn>> raw_code() const;
  // `-- mem`: whitespace-separated hex bytes (empty if absent).
  Result<std::vector<u8>> memory() const;
  // `-- result`: hex (0x...) or decimal; nullopt if absent.
  Result<std::optional<u64>> result() const;
  // The code: `-- raw` if present, else `-- asm` assembled.
  Result<std::vector<Insn>> code() const;
};

DataFile parse_data_file(std::string_view text);
Result<DataFile> read_data_file(const std::string& path);

}  // namespace ups::bpf
