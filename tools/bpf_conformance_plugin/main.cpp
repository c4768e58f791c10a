// bpf_conformance plugin for upsched's interpreter, following the contract of
// Alan-Jowett/bpf_conformance: the program arrives on standard input as one
// line of hex (the instruction bytes), the memory as the first argument in
// hex; on success the final r0 is printed in hex on standard output (exit
// 0), on failure a reason goes to standard error (exit 1).
//   bpf_conformance_runner --plugin_path upsched_bpf_conformance_plugin ...
// Options: --checked runs the CHECKED interpreter; --interpret, --jit and
// --debug are accepted and ignored (there is only the interpreter);
// --elf is not supported.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "bpf/insn.h"
#include "vm/conformance.h"

namespace {

std::optional<std::vector<ups::u8>> base16_decode(const std::string& s) {
  std::vector<ups::u8> out;
  int nibbles = 0;
  ups::u8 cur = 0;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    cur = static_cast<ups::u8>((cur << 4) | v);
    if (++nibbles % 2 == 0) {
      out.push_back(cur);
      cur = 0;
    }
  }
  if (nibbles % 2 != 0) return std::nullopt;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string memory_hex;
  bool have_memory = false;
  auto mode = ups::vm::ExecMode::fast;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--checked") {
      mode = ups::vm::ExecMode::checked;
    } else if (a == "--interpret" || a == "--jit" || a == "--debug") {
      // one implementation: the interpreter
    } else if (a == "--elf") {
      std::cerr << "--elf is not supported: pass raw bytecode\n";
      return 1;
    } else if (!have_memory && (a.empty() || a[0] != '-')) {
      memory_hex = a;
      have_memory = true;
    } else {
      std::cerr << "unexpected argument: " << a << "\n";
      return 1;
    }
  }
  std::string program_hex;
  std::getline(std::cin, program_hex);
  auto program = base16_decode(program_hex);
  auto memory = base16_decode(memory_hex);
  if (!program || program->size() % 8 != 0) {
    std::cerr << "program: expected hex bytes, a multiple of 8\n";
    return 1;
  }
  if (!memory) {
    std::cerr << "memory: expected hex bytes\n";
    return 1;
  }
  std::vector<ups::bpf::Insn> code(program->size() / 8);
  std::memcpy(static_cast<void*>(code.data()), program->data(), program->size());
  auto r0 = ups::vm::run_conformance_program(code, *memory, mode);
  if (!r0) {
    std::cerr << r0.error().to_string() << "\n";
    return 1;
  }
  std::printf("%llx\n", static_cast<unsigned long long>(*r0));
  return 0;
}
