// Conformance runner (see conformance.h).
#include "vm/conformance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "bpf/isa/data_file.h"

namespace ups::vm {
namespace {

// Per-run state the helpers reach through CallContext::host.
struct SuiteHost {
  bool unwound = false;
};

u64 gather_bytes(bpf::CallContext&, u64 a, u64 b, u64 c, u64 d, u64 e) {
  return ((a & 0xff) << 32) | ((b & 0xff) << 24) | ((c & 0xff) << 16) | ((d & 0xff) << 8) | (e & 0xff);
}
u64 memfrob(bpf::CallContext&, u64 p, u64 n, u64, u64, u64) {
  auto* bytes = reinterpret_cast<u8*>(p);
  for (u64 i = 0; i < n; ++i) bytes[i] ^= 42;
  return 0;
}
u64 no_op(bpf::CallContext&, u64, u64, u64, u64, u64) { return 0; }
u64 sqrti(bpf::CallContext&, u64 a, u64, u64, u64, u64) {
  return static_cast<u64>(std::sqrt(static_cast<double>(a)));
}
u64 strcmp_ext(bpf::CallContext&, u64 a, u64 b, u64, u64, u64) {
  return static_cast<u64>(static_cast<s64>(
      std::strcmp(reinterpret_cast<const char*>(a), reinterpret_cast<const char*>(b))));
}
u64 unwind(bpf::CallContext& ctx, u64 a, u64, u64, u64, u64) {
  if (a == 0) {
    static_cast<SuiteHost*>(ctx.host)->unwound = true;
    ctx.abort = true;
  }
  return a;
}

}  // namespace

const bpf::ExternTable& conformance_helpers() {
  static const bpf::ExternTable table{{gather_bytes, memfrob, no_op, sqrti, strcmp_ext, unwind}, {}};
  return table;
}

Result<u64> run_conformance_program(bpf::Code code, std::span<u8> memory, ExecMode mode, Backend backend) {
  LinkInputs link;
  link.externs = &conformance_helpers();
  auto linked = LinkedProgram::link(code, link);
  if (!linked) return tl::unexpected(linked.error());
  auto program = backend(*linked);
  if (!program) return tl::unexpected(program.error());
  const std::unique_ptr<Executor> executor = (*program)->new_executor();
  RegionSet regions;
  if (mode == ExecMode::checked) {
    if (!memory.empty()) regions.add(memory.data(), memory.size(), true);
    if (!executor->confine(&regions))
      return make_error(ErrorKind::unsupported, "this backend has no CHECKED mode");
  }
  SuiteHost host;
  bpf::CallContext ctx;
  ctx.host = &host;
  const u64 mem = memory.empty() ? 0 : reinterpret_cast<u64>(memory.data());
  const RunResult r = executor->run(ctx, mem, memory.size());
  if (host.unwound) return u64{0};
  if (!r.ok()) return make_error(ErrorKind::rejected, r.trap.to_string());
  return r.r0;
}

ConformanceOutcome run_conformance_file(const std::string& path, ExecMode mode, Backend backend) {
  ConformanceOutcome out;
  out.name = std::filesystem::path(path).filename().string();
  auto fail = [&](std::string msg) {
    out.message = std::move(msg);
    return out;
  };
  auto file = bpf::read_data_file(path);
  if (!file) return fail(file.error().to_string());
  auto code = file->code();
  auto memory = file->memory();
  auto expected = file->result();
  if (!memory) return fail(memory.error().to_string());
  if (!expected) return fail(expected.error().to_string());
  const bool expect_error = file->has("error");
  if (!code) {
    out.passed = expect_error;
    if (!expect_error) out.message = "does not assemble: " + code.error().to_string();
    return out;
  }
  auto r0 = run_conformance_program(*code, *memory, mode, backend);
  if (expect_error) {
    out.passed = !r0;
    if (r0) out.message = fmt::format("expected an error, got r0 = {:#x}", *r0);
    return out;
  }
  if (!r0) return fail(r0.error().to_string());
  if (!*expected) return fail("no -- result or -- error section");
  out.passed = *r0 == **expected;
  if (!out.passed) out.message = fmt::format("r0 = {:#x}, expected {:#x}", *r0, **expected);
  return out;
}

Result<std::vector<ConformanceOutcome>> run_conformance_dir(const std::string& dir, ExecMode mode, Backend backend) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".data") files.push_back(it->path().string());
  if (ec) return make_error(ErrorKind::io, ec.message(), SourceLoc{dir, 0, 0, ""});
  std::sort(files.begin(), files.end());
  std::vector<ConformanceOutcome> out;
  out.reserve(files.size());
  for (const std::string& f : files) out.push_back(run_conformance_file(f, mode, backend));
  return out;
}

}  // namespace ups::vm
