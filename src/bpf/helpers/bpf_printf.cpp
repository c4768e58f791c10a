// bpf_format: validation follows kernel/bpf/helpers.c bpf_bprintf_prepare
// step by step; printing follows lib/vsprintf.c for the accepted subset.
#include "bpf/helpers/bpf_printf.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "bpf/helpers/helper_env.h"

namespace ups::bpf {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_punct(char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; }
// A %s or %p conversion must end the word (kernel: 0, space or punctuation).
bool ends_word(char c) { return c == 0 || is_space(c) || is_punct(c); }

std::string read_string(u64 addr, HelperEnv* env) {
  if (!env || addr == 0) return {};
  std::size_t n = env->readable_bytes(addr, kMaxBprintfBuf - 1);
  const char* p = reinterpret_cast<const char*>(addr);
  return std::string(p, strnlen(p, n));
}

void read_bytes(u64 addr, u8* dst, std::size_t n, HelperEnv* env) {
  std::memset(dst, 0, n);
  if (env && addr != 0 && env->readable_bytes(addr, n) >= n) std::memcpy(dst, reinterpret_cast<const void*>(addr), n);
}

// Prints `text` through a "%<flags><width>s" spec, so width and '-' apply.
void pad(std::string& out, const std::string& spec, const std::string& text) {
  std::string f = "%" + spec + "s";
  int n = std::snprintf(nullptr, 0, f.c_str(), text.c_str());
  std::string buf(static_cast<std::size_t>(n) + 1, '\0');
  std::snprintf(buf.data(), buf.size(), f.c_str(), text.c_str());
  buf.resize(static_cast<std::size_t>(n));
  out += buf;
}

std::string hex16(u64 v) {
  char b[32];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::string format_ip(char kind, char ver, u64 addr, HelperEnv* env) {
  char b[64];
  if (ver == '4') {
    u8 a[4];
    read_bytes(addr, a, 4, env);
    std::snprintf(b, sizeof b, kind == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", a[0], a[1], a[2], a[3]);
    return b;
  }
  u8 a[16];
  read_bytes(addr, a, 16, env);
  std::string s;
  for (int i = 0; i < 8; ++i) {
    if (kind == 'I' && i) s += ':';
    std::snprintf(b, sizeof b, "%02x%02x", a[2 * i], a[2 * i + 1]);
    s += b;
  }
  return s;
}

// bpf_format's parser and printer; records each conversion's kind in
// kinds_out when given.
int format(const char* fmt, u64 fmt_size, std::span<const u64> args, HelperEnv* env, std::string& out,
           FormatArg* kinds_out) {
  const void* end = fmt_size ? std::memchr(fmt, 0, fmt_size) : nullptr;
  if (!end) return -EINVAL;
  const std::size_t n = static_cast<std::size_t>(static_cast<const char*>(end) - fmt);
  const std::size_t start = out.size();
  std::size_t num_spec = 0;

  for (std::size_t i = 0; i < n; ++i) {
    const char c = fmt[i];
    if ((!std::isprint(static_cast<unsigned char>(c)) && !is_space(c)) || !isascii(c)) return -EINVAL;
    if (c != '%') {
      out += c;
      continue;
    }
    if (fmt[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (num_spec >= args.size()) return -EINVAL;
    FormatArg* kind = kinds_out ? &kinds_out[num_spec] : nullptr;
    if (kind) *kind = FormatArg::number;
    const u64 arg = args[num_spec++];
    ++i;
    std::string spec;  // flags and width
    while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') spec += fmt[i++];
    if (fmt[i] >= '1' && fmt[i] <= '9') {
      u64 width = 0;
      while (fmt[i] >= '0' && fmt[i] <= '9') {
        width = std::min<u64>(width * 10 + static_cast<u64>(fmt[i++] - '0'), kMaxBprintfBuf);
      }
      // Wider fields than the output buffer cannot show more; keep them small.
      spec += std::to_string(width);
    }

    if (fmt[i] == 'p') {
      const char m = fmt[i + 1];
      if ((m == 'k' || m == 'u') && fmt[i + 2] == 's') {
        i += 2;
        if (!ends_word(fmt[i + 1])) return -EINVAL;
        if (kind) *kind = FormatArg::memory;
        pad(out, spec, read_string(arg, env));
      } else if (ends_word(m) || m == 'K' || m == 'x' || m == 's' || m == 'S' || m == 'B') {
        if (m == 'K' || m == 'x' || m == 's' || m == 'S' || m == 'B') ++i;
        if (kind) *kind = FormatArg::address;
        pad(out, spec, hex16(arg));
      } else if ((m == 'i' || m == 'I') && (fmt[i + 2] == '4' || fmt[i + 2] == '6')) {
        if (kind) *kind = FormatArg::memory;
        pad(out, spec, format_ip(m, fmt[i + 2], arg, env));
        i += 2;
      } else {
        return -EINVAL;
      }
      continue;
    }
    if (fmt[i] == 's') {
      if (!ends_word(fmt[i + 1])) return -EINVAL;
      if (kind) *kind = FormatArg::memory;
      pad(out, spec, read_string(arg, env));
      continue;
    }
    if (fmt[i] == 'c') {
      std::string f = "%" + spec + "c";
      char b[600];
      std::snprintf(b, sizeof b, f.c_str(), static_cast<int>(static_cast<u8>(arg)));
      out += b;
      continue;
    }
    int longs = 0;
    while (fmt[i] == 'l' && longs < 2) {
      ++longs;
      ++i;
    }
    const char conv = fmt[i];
    if (conv != 'd' && conv != 'i' && conv != 'u' && conv != 'x' && conv != 'X') return -EINVAL;
    std::string f = "%" + spec + "ll" + conv;
    char b[600];
    if (conv == 'd' || conv == 'i') {
      long long v = longs ? static_cast<long long>(static_cast<s64>(arg))
                          : static_cast<long long>(static_cast<s32>(arg));
      std::snprintf(b, sizeof b, f.c_str(), v);
    } else {
      unsigned long long v = longs ? static_cast<unsigned long long>(arg)
                                   : static_cast<unsigned long long>(static_cast<u32>(arg));
      std::snprintf(b, sizeof b, f.c_str(), v);
    }
    out += b;
  }
  return kinds_out ? static_cast<int>(num_spec) : static_cast<int>(out.size() - start);
}

}  // namespace

int bpf_format(const char* fmt, u64 fmt_size, std::span<const u64> args, HelperEnv* env,
               std::string& out) {
  return format(fmt, fmt_size, args, env, out, nullptr);
}

int bpf_format_args(const char* fmt, u64 fmt_size, std::span<FormatArg> kinds) {
  // Arguments of 0: with no environment, nothing is read through them.
  const u64 zeros[kMaxBprintfVarargs] = {};
  std::string scratch;
  return format(fmt, fmt_size, std::span<const u64>(zeros, std::min(kinds.size(), kMaxBprintfVarargs)), nullptr,
                scratch, kinds.data());
}

}  // namespace ups::bpf
