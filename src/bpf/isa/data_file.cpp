// DataFile parsing (see data_file.h).
#include "bpf/isa/data_file.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "base/bounded_file.h"
#include "bpf/isa/assembler.h"

namespace ups::bpf {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    s = trim(s);
    if (s.empty()) break;
    size_t sp = 0;
    while (sp < s.size() && !std::isspace(static_cast<unsigned char>(s[sp]))) ++sp;
    out.push_back(s.substr(0, sp));
    s.remove_prefix(sp);
  }
  return out;
}

bool parse_hex(std::string_view s, u64& v) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

Error bad(std::string msg) { return Error{ErrorKind::parse, std::move(msg), {}}; }

}  // namespace

DataFile parse_data_file(std::string_view text) {
  DataFile f;
  std::string* current = nullptr;
  bool in_asm = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t marker = line.find("--");
    if (marker != std::string_view::npos && !(in_asm && line.find('#') < marker)) {
      std::string_view before = line.substr(0, marker);
      if (current && !trim(before).empty()) {
        current->append(before);
        current->push_back('\n');
      }
      std::string name(trim(line.substr(marker + 2)));
      in_asm = name == "asm";
      current = &f.sections[name];
      continue;
    }
    if (!in_asm && trim(line).substr(0, 1) == "#") continue;
    if (current) {
      current->append(line);
      current->push_back('\n');
    }
  }
  return f;
}

Result<DataFile> read_data_file(const std::string& path) {
  auto text = read_bounded_file(path, FileKind::data);
  if (!text) return tl::unexpected(text.error());
  return parse_data_file(*text);
}

Result<std::vector<Insn>> DataFile::raw_code() const {
  const std::string* body = get("raw");
  if (!body) return tl::unexpected(bad("no -- raw section"));
  std::vector<Insn> code;
  std::string_view rest = *body;
  int line_no = 0;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    auto w = words(line);
    u64 v = 0;
    if (w.size() == 1) {
      if (!parse_hex(w[0], v)) return tl::unexpected(bad(fmt::format("raw line {}: bad word '{}'", line_no, line)));
    } else if (w.size() == 8) {
      for (int b = 0; b < 8; ++b) {
        u64 byte = 0;
        if (!parse_hex(w[b], byte) || byte > 0xff)
          return tl::unexpected(bad(fmt::format("raw line {}: bad byte '{}'", line_no, w[b])));
        v |= byte << (8 * b);
      }
    } else {
      return tl::unexpected(bad(fmt::format("raw line {}: expected one word or 8 bytes", line_no)));
    }
    code.push_back(Insn::from_u64(v));
  }
  return code;
}

Result<std::vector<u8>> DataFile::memory() const {
  std::vector<u8> mem;
  const std::string* body = get("mem");
  if (!body) return mem;
  for (std::string_view w : words(*body)) {
    u64 byte = 0;
    if (!parse_hex(w, byte) || byte > 0xff) return tl::unexpected(bad(fmt::format("mem: bad byte '{}'", w)));
    mem.push_back(static_cast<u8>(byte));
  }
  return mem;
}

Result<std::optional<u64>> DataFile::result() const {
  const std::string* body = get("result");
  if (!body) return std::optional<u64>();
  std::string_view s = trim(*body);
  u64 v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (!parse_hex(s, v)) return tl::unexpected(bad(fmt::format("result: bad value '{}'", s)));
  } else {
    bool neg = !s.empty() && s[0] == '-';
    if (neg) s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty())
      return tl::unexpected(bad(fmt::format("result: bad value '{}'", s)));
    if (neg) v = 0 - v;
  }
  return std::optional<u64>(v);
}

Result<std::vector<Insn>> DataFile::code() const {
  if (has("raw")) return raw_code();
  if (const std::string* a = get("asm")) return assemble(*a);
  return tl::unexpected(bad("no -- raw or -- asm section"));
}

}  // namespace ups::bpf
