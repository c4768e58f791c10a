// Print helpers: bpf_trace_printk (3 arguments), bpf_trace_vprintk (an
// array of up to 12), bpf_snprintf (into program memory).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bpf/helpers/bpf_printf.h"
#include "bpf/helpers/helper_env.h"
#include "bpf/helpers/helpers.h"

namespace ups::bpf::helpers {

namespace {
u64 ret(int v) { return static_cast<u64>(static_cast<s64>(v)); }

// Formats and sends one message to the trace; returns the full length.
u64 print_to_trace(CallContext& ctx, u64 fmt, u64 fmt_size, std::span<const u64> args) {
  std::string out;
  int len = bpf_format(reinterpret_cast<const char*>(fmt), fmt_size, args, ctx.env, out);
  if (len < 0) return ret(len);
  if (out.size() > kMaxBprintfBuf - 1) out.resize(kMaxBprintfBuf - 1);
  std::string_view line = out;
  // The trace is line-oriented: a trailing newline ends the message.
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (ctx.env) ctx.env->trace(line);
  return ret(len);
}

bool bad_varargs(u64 data, u64 data_len) {
  return (data_len & 7) != 0 || data_len > kMaxBprintfVarargs * 8 || (data_len && !data);
}

std::span<const u64> varargs(u64 data, u64 data_len) {
  return {reinterpret_cast<const u64*>(data), static_cast<std::size_t>(data_len / 8)};
}
}  // namespace

u64 trace_printk(CallContext& ctx, u64 fmt, u64 fmt_size, u64 a1, u64 a2, u64 a3) {
  const u64 args[3] = {a1, a2, a3};
  return print_to_trace(ctx, fmt, fmt_size, args);
}

u64 trace_vprintk(CallContext& ctx, u64 fmt, u64 fmt_size, u64 data, u64 data_len, u64) {
  if (bad_varargs(data, data_len)) return ret(-EINVAL);
  return print_to_trace(ctx, fmt, fmt_size, varargs(data, data_len));
}

u64 snprintf(CallContext& ctx, u64 str, u64 str_size, u64 fmt, u64 data, u64 data_len) {
  if (bad_varargs(data, data_len)) return ret(-EINVAL);
  const char* f = reinterpret_cast<const char*>(fmt);
  std::string out;
  // fmt is a constant string the verifier found NUL-terminated.
  int len = bpf_format(f, std::strlen(f) + 1, varargs(data, data_len), ctx.env, out);
  if (len < 0) return ret(len);
  if (str_size > 0) {
    std::size_t n = std::min<std::size_t>(out.size(), static_cast<std::size_t>(str_size - 1));
    char* dst = reinterpret_cast<char*>(str);
    std::memcpy(dst, out.data(), n);
    dst[n] = '\0';
  }
  return ret(len + 1);
}

}  // namespace ups::bpf::helpers
