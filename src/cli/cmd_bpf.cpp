// `upsched bpf ...`: conformance (the bpf_conformance suite against the
// interpreter), disasm (an object's programs in llvm-objdump syntax, with
// source lines), run (one program of an object on a context of given
// bytes, with maps and helpers, printing r0; --dump-maps shows its maps
// after), maps (an object's maps and globals as loaded, typed from BTF like
// `bpftool map dump`).
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "base/bounded_file.h"
#include "bpf/helpers/helpers.h"
#include "bpf/helpers/manual_env.h"
#include "bpf/isa/decode.h"
#include "bpf/isa/disassembler.h"
#include "bpf/maps/map_set.h"
#include "bpf/object/object.h"
#include "cli/commands.h"
#include "jit/jit_program.h"
#include "policy/api_sets.h"
#include "policy/kfuncs.h"
#include "policy/map_dump.h"
#include "vm/conformance.h"
#include "vm/interpreter.h"

namespace ups::cli {
namespace {

struct ConformanceArgs {
  std::string dir;
  bool checked = false;
  bool verbose = false;
  bool jit = false;
};

int run_conformance(const ConformanceArgs& a) {
  auto outcomes = vm::run_conformance_dir(a.dir, a.checked ? vm::ExecMode::checked : vm::ExecMode::fast,
                                          a.jit ? jit::backend : vm::interpreter_backend);
  if (!outcomes) {
    fmt::print(stderr, "upsched bpf conformance: {}\n", outcomes.error().to_string());
    return 2;
  }
  int passed = 0, failed = 0;
  for (const auto& o : *outcomes) {
    if (o.passed) {
      ++passed;
      if (a.verbose) fmt::print("PASS {}\n", o.name);
    } else {
      ++failed;
      fmt::print("FAIL {}: {}\n", o.name, o.message);
    }
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// Load options for inspection: CO-RE against the object's own BTF (no host
// is needed to read an object), kfuncs the host has under the host's
// indices, and every kfunc the host lacks named too, under an index past the
// host's table, so that an object for another kernel disassembles instead of
// failing to load (a bpf_ksym_exists() test of such a kfunc then reads 1).
struct DisasmLoad {
  std::vector<std::string> foreign_kfuncs;  // index - kfuncs().size() -> name
  bpf::LoadOptions options(const std::string& path) {
    bpf::LoadOptions lo;
    lo.file_name = path;
    lo.allow_unresolved_externs = true;
    lo.kfunc_lookup = [this](std::string_view name) -> std::optional<u32> {
      if (auto k = policy::kfunc_index(name)) return k;
      // Leave flavoured names (x___v2) to the loader's second ask, with
      // the flavour removed, as libbpf names them.
      if (name.find("___") != std::string_view::npos) return std::nullopt;
      const size_t host = policy::kfuncs().size();
      for (size_t i = 0; i < foreign_kfuncs.size(); ++i)
        if (foreign_kfuncs[i] == name) return static_cast<u32>(host + i);
      foreign_kfuncs.emplace_back(name);
      return static_cast<u32>(host + foreign_kfuncs.size() - 1);
    };
    return lo;
  }
};

// The `; ...` annotation llvm-objdump -S prints for a line-info record: the
// source text the compiler kept in BTF, else the line read from the source
// file, else FILE:LINE.
class SourceLines {
public:
  std::string annotation(const bpf::LineInfo& li) {
    if (!li.text.empty()) return li.text;
    const std::vector<std::string>& lines = file_lines(li.file);
    if (li.line >= 1 && li.line <= lines.size()) return lines[li.line - 1];
    return fmt::format("{}:{}", li.file, li.line);
  }

private:
  const std::vector<std::string>& file_lines(const std::string& file) {
    auto [it, fresh] = files_.try_emplace(file);
    // The path comes from the object: read it bounded (a FIFO or a device
    // named there must not block or flood the listing); unreadable: no lines.
    if (!fresh) return it->second;
    auto text = read_bounded_file(file, FileKind::data);
    if (!text) return it->second;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) it->second.push_back(line);
    return it->second;
  }
  std::map<std::string, std::vector<std::string>> files_;
};

// A kfunc call's text with the kfunc's name ("call kfunc scx_bpf_kick_cpu"),
// or the disassembler's text for any other instruction.
std::string listing_text(const bpf::Program& p, size_t pc) {
  auto d = bpf::decode_one(p.code, pc);
  if (!d || d->kind != bpf::InsnKind::call || d->call != bpf::CallKind::kfunc) return bpf::disassemble_at(p.code, pc);
  auto it = p.kfuncs.find(static_cast<u32>(d->imm));
  if (it == p.kfuncs.end()) return bpf::disassemble(*d);
  const bool on_host = static_cast<size_t>(d->imm) < policy::kfuncs().size();
  return "call kfunc " + it->second + (on_host ? "" : "\t; not provided by this host");
}

int disasm(const std::string& path) {
  DisasmLoad load;
  auto obj = bpf::load_object_file(path, load.options(path));
  if (!obj) {
    fmt::print(stderr, "upsched bpf disasm: {}\n", obj.error().to_string());
    return 1;
  }
  SourceLines sources;
  fmt::print("{}:\tfile format elf64-bpf\n", path);
  for (const bpf::Program& p : obj->programs()) {
    fmt::print("\nDisassembly of program {} (section {}):\n", p.name, p.section);
    const bpf::Code code = p.code;
    const bpf::LineInfo* last = nullptr;
    for (size_t pc = 0; pc < code.size();) {
      if (const bpf::FuncInfo* f = p.func_at(pc); f && f->insn == pc) fmt::print("\n<{}>:\n", f->name);
      if (const bpf::LineInfo* li = p.line_at(pc);
          li && li->insn == pc && !(last && last->file == li->file && last->line == li->line)) {
        fmt::print("; {}\n", sources.annotation(*li));
        last = li;
      }
      // One listing line per instruction (two slots for lddw): its bytes
      // from the listing, its text with kfunc names.
      const std::string one = bpf::disassemble_listing(code.subspan(pc, std::min<size_t>(2, code.size() - pc)));
      const std::string first = one.substr(0, one.find('\n'));
      const std::string bytes = first.substr(first.find(':'), first.rfind('\t') - first.find(':'));
      fmt::print("{:8}{}\t{}\n", pc, bytes, listing_text(p, pc));
      pc += code[pc].opcode == 0x18 ? 2 : 1;
    }
  }
  return 0;
}

struct RunArgs {
  std::string file;
  std::string program;
  std::string mem_file;
  u64 repeat = 0;
  bool checked = false;
  bool jit = false;
  bool dump_maps = false;
};

// The maps of `obj` as `upsched sim --dump-maps` prints them.
void print_maps(const std::shared_ptr<const bpf::Object>& obj, const bpf::MapSet& maps) {
  policy::ClassMaps c{obj->file_name(), obj, {}};
  for (size_t i = 0; i < maps.size(); ++i) c.maps.push_back(maps.shared(i));
  fmt::print("{}", policy::dump_class_maps_text(policy::dump_class_maps(c)));
}

Result<std::vector<u8>> read_hex_file(const std::string& path) {
  auto text = read_bounded_file(path, FileKind::data);
  if (!text) return tl::unexpected(text.error());
  std::istringstream in(*text);
  std::vector<u8> bytes;
  std::string word;
  int line = 1;
  while (in >> word) {
    if (word.rfind("0x", 0) == 0) word = word.substr(2);
    if (word.empty() || word.size() % 2 != 0)
      return make_error(ErrorKind::parse, fmt::format("bad hex '{}'", word), SourceLoc{path, 0, 0, ""});
    for (size_t i = 0; i < word.size(); i += 2) {
      unsigned v = 0;
      if (std::sscanf(word.c_str() + i, "%2x", &v) != 1)
        return make_error(ErrorKind::parse, fmt::format("bad hex '{}'", word), SourceLoc{path, line, 0, ""});
      bytes.push_back(static_cast<u8>(v));
    }
  }
  return bytes;
}

// Taken backward jumps one `bpf run` may make (about a second of work).
constexpr u64 kRunBackedgeBudget = 100'000'000;

int run_program(const RunArgs& a) {
  auto fail = [](const std::string& msg) {
    fmt::print(stderr, "upsched bpf run: {}\n", msg);
    return 1;
  };
  auto obj = bpf::load_object_file(a.file);
  if (!obj) return fail(obj.error().to_string());
  if (obj->programs().empty()) return fail(a.file + ": no programs");
  const bpf::Program* prog = a.program.empty() ? &obj->programs().front() : obj->find_program(a.program);
  if (!prog) return fail(fmt::format("{}: no program named '{}'", a.file, a.program));

  // Maps as the object declares them (map-in-map slots filled); global-data
  // sections are 1-entry arrays whose value area the code addresses directly.
  auto maps = bpf::MapSet::create(obj->maps(), 1);
  if (!maps) return fail(maps.error().to_string());
  bpf::ExternTable externs;
  bpf::fill_helpers(externs);
  vm::LinkInputs link{maps->handles(), maps->value_bases(), &externs};
  auto linked = vm::LinkedProgram::link(prog->code, link);
  if (!linked) return fail(fmt::format("{}: program {}: {}", a.file, prog->name, linked.error().to_string()));
  auto program = (a.jit ? jit::backend : vm::interpreter_backend)(*linked);
  if (!program) return fail(fmt::format("{}: program {}: {}", a.file, prog->name, program.error().to_string()));

  std::vector<u8> mem;
  if (!a.mem_file.empty()) {
    auto m = read_hex_file(a.mem_file);
    if (!m) return fail(m.error().to_string());
    mem = std::move(*m);
  }
  bpf::ManualHelperEnv env;
  bpf::CallContext ctx;
  ctx.env = &env;
  const std::unique_ptr<vm::Executor> exec = (*program)->new_executor();
  const u64 r1 = mem.empty() ? 0 : reinterpret_cast<u64>(mem.data());
  // The program is not verified: every access is checked and loops have a
  // budget, so no object makes this command die by a signal or hang.
  exec->set_backedge_budget(kRunBackedgeBudget);
  auto once = [&] {
    vm::RegionSet regions;
    if (!mem.empty()) regions.add(mem.data(), mem.size(), true);
    // Rebuilt per run: hash maps allocate as they grow.
    maps->for_each_region([&](void* p, size_t n, bool writable) { regions.add(p, n, writable); });
    exec->confine(&regions);
    const vm::RunResult res = exec->run(ctx, r1, mem.size());
    exec->confine(nullptr);
    return res;
  };
  vm::RunResult r = once();
  for (const std::string& line : env.trace_lines()) fmt::print("trace: {}\n", line);
  if (!r.ok()) {
    std::string where = obj->source_line(*prog, r.trap.pc);
    return fail(fmt::format("{}: program {}: {}: {}{}", a.file, prog->name, r.trap.to_string(),
                            bpf::disassemble_at(prog->code, r.trap.pc), where.empty() ? "" : " (" + where + ")"));
  }
  if (a.repeat > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    for (u64 i = 0; i < a.repeat; ++i) r = once();
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("{} runs, {:.1f} ns per run\n", a.repeat, ns / static_cast<double>(a.repeat));
  }
  fmt::print("{:#x}\n", r.r0);
  if (a.dump_maps) print_maps(std::make_shared<const bpf::Object>(std::move(*obj)), *maps);
  return 0;
}

int dump_object_maps(const std::string& file) {
  auto obj = bpf::load_object_file(file, policy::host_load_options(file));
  if (!obj) {
    fmt::print(stderr, "upsched bpf maps: {}\n", obj.error().to_string());
    return 2;
  }
  auto maps = bpf::MapSet::create(obj->maps(), 1);
  if (!maps) {
    fmt::print(stderr, "upsched bpf maps: {}\n", maps.error().to_string());
    return 2;
  }
  print_maps(std::make_shared<const bpf::Object>(std::move(*obj)), *maps);
  return 0;
}

}  // namespace

void register_bpf_commands(CLI::App& app) {
  CLI::App* bpf = app.add_subcommand("bpf", "BPF tools: conformance suite, disassembler, runner");
  bpf->require_subcommand(1);

  auto conf = std::make_shared<ConformanceArgs>();
  CLI::App* c = bpf->add_subcommand("conformance", "run bpf_conformance .data files against the interpreter");
  c->add_option("dir", conf->dir, "directory of .data files (e.g. ../shared/conformance/bpf/tests)")
      ->required()
      ->check(CLI::ExistingDirectory);
  c->add_flag("--checked", conf->checked, "run in CHECKED mode (every memory access checked)");
  c->add_flag("-v,--verbose", conf->verbose, "also list passing files");
  c->add_flag("--jit", conf->jit, "run the x86-64 JIT's code instead of the interpreter");
  c->callback([conf] { set_exit_code(run_conformance(*conf)); });

  auto dis = std::make_shared<std::string>();
  CLI::App* d = bpf->add_subcommand("disasm", "disassemble the programs of a BPF object (llvm-objdump syntax)");
  d->add_option("file", *dis, "BPF ELF object (clang -target bpf)")->required()->check(CLI::ExistingFile);
  d->callback([dis] { set_exit_code(disasm(*dis)); });

  auto run = std::make_shared<RunArgs>();
  CLI::App* r = bpf->add_subcommand("run", "run one program of a BPF object; prints r0 (0x hex) last");
  r->add_option("file", run->file, "BPF ELF object")->required()->check(CLI::ExistingFile);
  r->add_option("--program", run->program, "program (C function) name; default: the first");
  r->add_option("--mem", run->mem_file, "file of hex bytes: the context (r1 = its address, r2 = its size)")
      ->check(CLI::ExistingFile);
  r->add_option("--repeat", run->repeat, "run N more times and print the time per run");
  r->add_flag("--checked", run->checked,
              "CHECKED mode: trap on any access outside the context, maps, stack (always on: the program is not verified)");
  r->add_flag("--jit", run->jit, "run the x86-64 JIT's code instead of the interpreter (also CHECKED)");
  r->add_flag("--dump-maps", run->dump_maps, "after the run, print its maps and globals typed from BTF");
  r->callback([run] { set_exit_code(run_program(*run)); });

  auto maps_file = std::make_shared<std::string>();
  CLI::App* m = bpf->add_subcommand(
      "maps", "print the maps and globals of a BPF object as loaded (.data, .rodata initial values), typed from BTF");
  m->add_option("file", *maps_file, "BPF ELF object")->required()->check(CLI::ExistingFile);
  m->callback([maps_file] { set_exit_code(dump_object_maps(*maps_file)); });
}

}  // namespace ups::cli
