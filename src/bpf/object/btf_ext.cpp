// .BTF.ext parsing: a header, then three "info sections", each
// `u32 rec_size` followed by blocks {u32 sec_name_off; u32 num_info;
// rec_size * num_info bytes}. Record sizes may grow in later versions, so
// we read the fields we know and skip the rest of each record.
#include "bpf/object/btf_ext.h"

#include <fmt/format.h>

#include "bpf/object/load_error.h"

#include "bpf/object/byte_reader.h"

namespace ups::bpf {

namespace {

tl::unexpected<Error> ext_error(std::string msg) {
  return make_error(ErrorKind::malformed, std::move(msg), where_at({}, ".BTF.ext"));
}

// Calls rec(section, reader, offset) for every record of one info section.
template <class F>
Status for_each_record(const ByteReader& r, u64 off, u64 len, u32 min_rec, const char* what,
                       const Btf& btf, F&& rec) {
  if (len == 0) return {};
  if (!r.has(off, len)) return ext_error(fmt::format("{}: [{}, +{}) outside the section", what, off, len));
  if (len < 4) return ext_error(fmt::format("{}: {} bytes, too short", what, len));
  u32 rec_size = r.read<u32>(off);
  if (rec_size < min_rec || rec_size > 1024 || rec_size % 4 != 0)
    return ext_error(fmt::format("{}: record size {}, expected at least {}", what, rec_size, min_rec));
  u64 p = off + 4, end = off + len;
  while (p < end) {
    if (end - p < 8) return ext_error(fmt::format("{}: truncated block header at byte {}", what, p));
    u32 name_off = r.read<u32>(p), num = r.read<u32>(p + 4);
    p += 8;
    if (!btf.valid_string(name_off))
      return ext_error(fmt::format("{}: section name offset {} outside the BTF strings", what, name_off));
    std::string sec(btf.string_at(name_off));
    if (u64{num} * rec_size > end - p)
      return ext_error(fmt::format("{} for section {}: {} records of {} bytes exceed the {} bytes left",
                                   what, sec, num, rec_size, end - p));
    for (u32 i = 0; i < num; ++i, p += rec_size)
      if (auto s = rec(sec, p, i); !s) return s;
  }
  return {};
}

}  // namespace

const char* core_relo_kind_name(CoreReloKind k) {
  static const char* const names[] = {
      "field byte offset", "field byte size", "field exists", "field signed",
      "field lshift", "field rshift", "local type id", "target type id",
      "type exists", "type size", "enum value exists", "enum value", "type matches"};
  auto i = static_cast<size_t>(k);
  return i < std::size(names) ? names[i] : "unknown";
}

Result<BtfExt> BtfExt::parse(std::span<const u8> data, const Btf& btf) {
  ByteReader r(data);
  if (!r.has(0, 24)) return ext_error(fmt::format("truncated header ({} bytes)", data.size()));
  if (r.read<u16>(0) != 0xeB9F) return ext_error(fmt::format("bad magic 0x{:04x}", r.read<u16>(0)));
  if (r.read<u8>(2) != 1) return ext_error(fmt::format("unsupported version {}", r.read<u8>(2)));
  u32 hdr_len = r.read<u32>(4);
  if (hdr_len < 24 || !r.has(0, hdr_len)) return ext_error(fmt::format("bad header length {}", hdr_len));
  BtfExt ext;
  auto string_of = [&](u32 off, const char* role, std::string& out) -> Status {
    if (!btf.valid_string(off)) return ext_error(fmt::format("{} offset {} outside the BTF strings", role, off));
    out = std::string(btf.string_at(off));
    return {};
  };
  Status s = for_each_record(r, u64{hdr_len} + r.read<u32>(8), r.read<u32>(12), 8, "func_info", btf,
      [&](const std::string& sec, u64 p, u32) -> Status {
        BtfExtFunc f{r.read<u32>(p), r.read<u32>(p + 4)};
        const BtfType* t = btf.type(f.type_id);
        if (!t || t->kind != BtfKind::func)
          return ext_error(fmt::format("func_info for section {}: type {} is not a FUNC", sec, f.type_id));
        ext.func_info[sec].push_back(f);
        return {};
      });
  if (!s) return tl::unexpected(s.error());
  s = for_each_record(r, u64{hdr_len} + r.read<u32>(16), r.read<u32>(20), 16, "line_info", btf,
      [&](const std::string& sec, u64 p, u32) -> Status {
        BtfExtLine l;
        l.insn_off = r.read<u32>(p);
        if (auto st = string_of(r.read<u32>(p + 4), "line_info file name", l.file); !st) return st;
        if (auto st = string_of(r.read<u32>(p + 8), "line_info source text", l.text); !st) return st;
        u32 lc = r.read<u32>(p + 12);
        l.line = lc >> 10;
        l.column = lc & 0x3ff;
        ext.line_info[sec].push_back(std::move(l));
        return {};
      });
  if (!s) return tl::unexpected(s.error());
  if (hdr_len >= 32) {
    s = for_each_record(r, u64{hdr_len} + r.read<u32>(24), r.read<u32>(28), 16, "core_relo", btf,
        [&](const std::string& sec, u64 p, u32) -> Status {
          BtfExtCoreRelo c;
          c.insn_off = r.read<u32>(p);
          c.type_id = r.read<u32>(p + 4);
          if (auto st = string_of(r.read<u32>(p + 8), "CO-RE access string", c.access); !st) return st;
          u32 kind = r.read<u32>(p + 12);
          if (kind > static_cast<u32>(CoreReloKind::type_matches))
            return ext_error(fmt::format("core_relo for section {}: unknown kind {}", sec, kind));
          if (c.type_id >= btf.count())
            return ext_error(fmt::format("core_relo for section {}: type {} out of range", sec, c.type_id));
          c.kind = static_cast<CoreReloKind>(kind);
          ext.core_relos[sec].push_back(std::move(c));
          return {};
        });
    if (!s) return tl::unexpected(s.error());
  }
  return ext;
}

}  // namespace ups::bpf
