// bpf_format: the format language of bpf_trace_printk, bpf_trace_vprintk and
// bpf_snprintf, as Linux's bpf_bprintf_prepare accepts it and bstr_printf
// prints it: %d %i %u %x %X with l/ll, %c, %s, %p (with K x s S B, ks us,
// I4 i4 I6 i6), %%, flags "0+- " and a width; no precision. A format Linux
// refuses (non-printable character, unknown conversion, more conversions
// than arguments, no NUL within fmt_size) gives -EINVAL.
//
// %s and %pI4-style arguments are read through HelperEnv::readable_bytes;
// unreadable memory prints as an empty string (zeros for addresses), as the
// kernel's nofault copy does. Pointers print as 16 hex digits (Linux hashes
// %p; the raw value keeps the simulator's trace useful).
#pragma once

#include <span>
#include <string>

#include "base/types.h"

namespace ups::bpf {

class HelperEnv;

// Linux MAX_BPRINTF_BUF: output is cut to this many bytes including the NUL.
inline constexpr std::size_t kMaxBprintfBuf = 512;
// Linux MAX_BPRINTF_VARARGS.
inline constexpr std::size_t kMaxBprintfVarargs = 12;

// Appends the formatted text to `out`; returns its full length or -EINVAL.
int bpf_format(const char* fmt, u64 fmt_size, std::span<const u64> args, HelperEnv* env,
               std::string& out);

// How a conversion uses its argument: printed as a number (%d %u %x %c),
// printed as an address (%p %pK %px: a pointer's value would be shown), or
// read as the address of memory (%s %pks %pus %pI4 %pi6: the bytes there
// are shown, never the address).
enum class FormatArg : u8 { number, address, memory };

// The conversions of a format, in argument order, as bpf_format reads
// them: returns how many there are (at most kinds.size()), or -EINVAL if
// bpf_format would refuse the format with that many arguments. The
// verifier checks a constant format's arguments with it.
int bpf_format_args(const char* fmt, u64 fmt_size, std::span<FormatArg> kinds);

}  // namespace ups::bpf
