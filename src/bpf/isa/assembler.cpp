// Assembler (see assembler.h). Two passes: parse every line into an
// Instruction with symbolic targets, then resolve labels to slot offsets.
#include "bpf/isa/assembler.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "bpf/isa/encode.h"
#include "bpf/isa/instruction.h"

namespace ups::bpf {
namespace {

struct Pending {
  Instruction insn;
  std::string label;  // symbolic target, resolved in pass two
  bool target_in_imm = false;  // gotol and local calls keep the offset in imm
  int line = 0;
};

struct Operand {
  enum Kind { reg, imm, mem, label } kind;
  u8 r = 0;
  s64 value = 0;  // imm, or memory offset
  std::string text;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<s64> parse_int(std::string_view s) {
  s = trim(s);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  u64 v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return neg ? static_cast<s64>(0 - v) : static_cast<s64>(v);
}

class Parser {
public:
  explicit Parser(int line) : line_(line) {}

  tl::unexpected<Error> fail(std::string msg) const {
    return make_error(ErrorKind::parse, std::move(msg), SourceLoc{"", line_, 0, ""});
  }

  Result<u8> reg(std::string_view s) const {
    s = trim(s);
    if (s.size() < 3 || s[0] != '%' || s[1] != 'r') return fail(fmt::format("Invalid register {}", s));
    auto v = parse_int(s.substr(2));
    if (!v || *v < 0 || *v > 10) return fail(fmt::format("Invalid register {}", s));
    return static_cast<u8>(*v);
  }

  Result<Operand> operand(std::string_view s) const {
    s = trim(s);
    if (s.empty()) return fail("empty operand");
    if (s[0] == '%') {
      auto r = reg(s);
      if (!r) return tl::unexpected(r.error());
      return Operand{Operand::reg, *r, 0, {}};
    }
    if (s[0] == '[') {
      if (s.back() != ']') return fail(fmt::format("Invalid memory operand {}", s));
      std::string_view in = s.substr(1, s.size() - 2);
      size_t sign = in.find_first_of("+-");
      auto r = reg(in.substr(0, sign));
      if (!r) return tl::unexpected(r.error());
      s64 off = 0;
      if (sign != std::string_view::npos) {
        auto v = parse_int(in.substr(sign));
        if (!v || *v < -32768 || *v > 32767) return fail(fmt::format("Invalid offset {}", in.substr(sign)));
        off = *v;
      }
      return Operand{Operand::mem, *r, off, {}};
    }
    if (auto v = parse_int(s)) return Operand{Operand::imm, 0, *v, std::string(s)};
    if (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '.')
      return Operand{Operand::label, 0, 0, std::string(s)};
    return fail(fmt::format("Invalid operand {}", s));
  }

  Result<s32> imm32(const Operand& o) const {
    if (o.kind != Operand::imm) return fail("expected an immediate");
    // Decimal within s32; hex up to 32 bits (0xffffffff means -1).
    const bool hex = o.text.find("0x") != std::string::npos || o.text.find("0X") != std::string::npos;
    if (hex ? (o.value < INT32_MIN || o.value > static_cast<s64>(UINT32_MAX))
            : (o.value < INT32_MIN || o.value > INT32_MAX))
      return fail(fmt::format("immediate {} out of 32-bit range", o.text));
    return static_cast<s32>(static_cast<u32>(o.value));
  }

private:
  int line_;
};

struct Mnemonic {
  std::string_view base;
  bool is64 = true;
  bool explicit32 = false;
};

// "add32" -> {add, 32}; "add64"/"add" -> {add, 64}.
Mnemonic split_width(std::string_view m) {
  if (m.size() > 2 && m.substr(m.size() - 2) == "32") return {m.substr(0, m.size() - 2), false, true};
  if (m.size() > 2 && m.substr(m.size() - 2) == "64") return {m.substr(0, m.size() - 2), true, false};
  return {m, true, false};
}

const std::map<std::string_view, AluOp>& alu_ops() {
  static const std::map<std::string_view, AluOp> m = {
      {"add", AluOp::add}, {"sub", AluOp::sub}, {"mul", AluOp::mul}, {"div", AluOp::div},
      {"sdiv", AluOp::sdiv}, {"or", AluOp::or_}, {"and", AluOp::and_}, {"lsh", AluOp::lsh},
      {"rsh", AluOp::rsh}, {"neg", AluOp::neg}, {"mod", AluOp::mod}, {"smod", AluOp::smod},
      {"xor", AluOp::xor_}, {"mov", AluOp::mov}, {"arsh", AluOp::arsh}};
  return m;
}
const std::map<std::string_view, JumpCond>& jump_conds() {
  static const std::map<std::string_view, JumpCond> m = {
      {"jeq", JumpCond::eq}, {"jne", JumpCond::ne}, {"jgt", JumpCond::gt}, {"jge", JumpCond::ge},
      {"jlt", JumpCond::lt}, {"jle", JumpCond::le}, {"jsgt", JumpCond::sgt}, {"jsge", JumpCond::sge},
      {"jslt", JumpCond::slt}, {"jsle", JumpCond::sle}, {"jset", JumpCond::set}};
  return m;
}
const std::map<std::string_view, AtomicOp>& atomic_ops() {
  static const std::map<std::string_view, AtomicOp> m = {
      {"add", AtomicOp::add}, {"or", AtomicOp::or_}, {"and", AtomicOp::and_},
      {"xor", AtomicOp::xor_}, {"xchg", AtomicOp::xchg}, {"cmpxchg", AtomicOp::cmpxchg}};
  return m;
}

u8 size_suffix(std::string_view s) {
  if (s == "b") return 1;
  if (s == "h") return 2;
  if (s == "w") return 4;
  if (s == "dw") return 8;
  return 0;
}

// Sets the jump/call target from an operand: a number is a relative
// offset, a name a label resolved later.
Status set_target(const Parser& p, const Operand& o, Pending& pend) {
  if (o.kind == Operand::label) {
    pend.label = o.text;
    return {};
  }
  if (o.kind != Operand::imm) return p.fail("expected a jump target");
  if (pend.target_in_imm) {
    pend.insn.imm = static_cast<s32>(o.value);
  } else {
    if (o.value < -32768 || o.value > 32767) return p.fail(fmt::format("Invalid offset {}", o.text));
    pend.insn.off = static_cast<s16>(o.value);
  }
  return {};
}

Result<Pending> parse_line(const Parser& p, std::string_view mnem, const std::vector<Operand>& ops, int line) {
  Pending pend;
  pend.line = line;
  Instruction& d = pend.insn;
  auto need = [&](size_t n) -> Status {
    if (ops.size() != n) return p.fail(fmt::format("Invalid number of operands for {}", mnem));
    return {};
  };
  auto fwd = [](const Status& s) { return tl::unexpected(s.error()); };

  if (mnem == "exit") {
    if (auto s = need(0); !s) return fwd(s);
    d.kind = InsnKind::exit;
    return pend;
  }
  if (mnem == "lddw") {
    if (auto s = need(2); !s) return fwd(s);
    if (ops[0].kind != Operand::reg || ops[1].kind != Operand::imm) return p.fail("lddw needs a register and an immediate");
    d.kind = InsnKind::load_imm64;
    d.slots = 2;
    d.dst = ops[0].r;
    const u64 v = static_cast<u64>(ops[1].value);
    d.imm = static_cast<s32>(static_cast<u32>(v));
    d.next_imm = static_cast<s32>(static_cast<u32>(v >> 32));
    return pend;
  }
  if (mnem == "call") {
    d.kind = InsnKind::call;
    if (ops.size() == 2 && ops[0].kind == Operand::label && ops[0].text == "local") {
      d.call = CallKind::local;
      pend.target_in_imm = true;
      if (auto s = set_target(p, ops[1], pend); !s) return fwd(s);
      return pend;
    }
    if (auto s = need(1); !s) return fwd(s);
    if (ops[0].kind == Operand::reg) {
      d.call = CallKind::reg;
      d.dst = ops[0].r;
      return pend;
    }
    auto imm = p.imm32(ops[0]);
    if (!imm) return tl::unexpected(imm.error());
    d.call = CallKind::helper;
    d.imm = *imm;
    return pend;
  }
  if (mnem == "ja" || mnem == "ja32") {
    if (auto s = need(1); !s) return fwd(s);
    d.kind = InsnKind::jump;
    d.cond = JumpCond::always;
    d.is64 = mnem == "ja";
    pend.target_in_imm = !d.is64;
    if (auto s = set_target(p, ops[0], pend); !s) return fwd(s);
    return pend;
  }
  // arena_ldxdw, arena_stxw, arena_stb, ...: the arena accesses the loader
  // marks after verification (mode PROBE_MEM32), for the executors' tests.
  if (mnem.substr(0, 6) == "arena_") {
    auto r = parse_line(p, mnem.substr(6), ops, line);
    if (!r) return r;
    const InsnKind k = r->insn.kind;
    if ((k != InsnKind::load || r->insn.sign_extend) && k != InsnKind::store_imm && k != InsnKind::store_reg)
      return p.fail(fmt::format("Invalid mnemonic {}", mnem));
    r->insn.arena = true;
    return r;
  }
  if (mnem == "may_goto") {
    if (auto s = need(1); !s) return fwd(s);
    d.kind = InsnKind::jump;
    d.cond = JumpCond::may_goto;
    if (auto s = set_target(p, ops[0], pend); !s) return fwd(s);
    return pend;
  }
  // addr_space_cast %rD, %rS, DST_AS, SRC_AS (0, 1: to kernel; 1, 0: to user)
  if (mnem == "addr_space_cast") {
    if (auto s = need(4); !s) return fwd(s);
    if (ops[0].kind != Operand::reg || ops[1].kind != Operand::reg || ops[2].kind != Operand::imm ||
        ops[3].kind != Operand::imm)
      return p.fail("addr_space_cast needs two registers and two address spaces");
    d.kind = InsnKind::alu;
    d.alu = AluOp::addr_space_cast;
    d.src_is_reg = true;
    d.dst = ops[0].r;
    d.src = ops[1].r;
    d.off = 1;
    d.imm = static_cast<s32>((ops[2].value << 16) | ops[3].value);
    return pend;
  }
  if (mnem == "lock") return p.fail("Invalid number of operands for lock");
  const Mnemonic m = split_width(mnem);
  if (auto it = jump_conds().find(m.base); it != jump_conds().end()) {
    if (auto s = need(3); !s) return fwd(s);
    if (ops[0].kind != Operand::reg) return p.fail("Invalid register");
    d.kind = InsnKind::jump;
    d.cond = it->second;
    d.is64 = m.is64;
    d.dst = ops[0].r;
    if (ops[1].kind == Operand::reg) {
      d.src_is_reg = true;
      d.src = ops[1].r;
    } else {
      auto imm = p.imm32(ops[1]);
      if (!imm) return tl::unexpected(imm.error());
      d.imm = *imm;
    }
    if (auto s = set_target(p, ops[2], pend); !s) return fwd(s);
    return pend;
  }
  // movsx<from><to>: movsx832, movsx864, movsx1632, movsx1664, movsx3264.
  if (mnem.substr(0, 5) == "movsx") {
    if (auto s = need(2); !s) return fwd(s);
    std::string_view w = mnem.substr(5);
    if (w.size() < 3 || ops[0].kind != Operand::reg || ops[1].kind != Operand::reg)
      return p.fail(fmt::format("Invalid mnemonic {}", mnem));
    auto from = parse_int(w.substr(0, w.size() - 2));
    if (!from || (*from != 8 && *from != 16 && *from != 32)) return p.fail(fmt::format("Invalid mnemonic {}", mnem));
    d.kind = InsnKind::alu;
    d.alu = AluOp::movsx;
    d.is64 = w.substr(w.size() - 2) == "64";
    d.src_is_reg = true;
    d.dst = ops[0].r;
    d.src = ops[1].r;
    d.size = static_cast<u8>(*from / 8);
    d.off = static_cast<s16>(*from);
    return pend;
  }
  if (auto it = alu_ops().find(m.base); it != alu_ops().end()) {
    d.kind = InsnKind::alu;
    d.alu = it->second;
    d.is64 = m.is64;
    if (d.alu == AluOp::sdiv || d.alu == AluOp::smod) d.off = 1;
    if (d.alu == AluOp::neg) {
      if (auto s = need(1); !s) return fwd(s);
      if (ops[0].kind != Operand::reg) return p.fail("Invalid register");
      d.dst = ops[0].r;
      return pend;
    }
    if (auto s = need(2); !s) return fwd(s);
    if (ops[0].kind != Operand::reg) return p.fail("Invalid register");
    d.dst = ops[0].r;
    if (ops[1].kind == Operand::reg) {
      d.src_is_reg = true;
      d.src = ops[1].r;
    } else {
      auto imm = p.imm32(ops[1]);
      if (!imm) return tl::unexpected(imm.error());
      d.imm = *imm;
    }
    return pend;
  }
  // Byte swaps: le16, be32, bswap64, swap16 (= bswap).
  for (auto [prefix, op] : {std::pair{std::string_view("le"), EndianOp::to_le},
                            std::pair{std::string_view("be"), EndianOp::to_be},
                            std::pair{std::string_view("bswap"), EndianOp::swap},
                            std::pair{std::string_view("swap"), EndianOp::swap}}) {
    if (mnem.substr(0, prefix.size()) != prefix) continue;
    auto bits = parse_int(mnem.substr(prefix.size()));
    if (!bits || (*bits != 16 && *bits != 32 && *bits != 64)) continue;
    if (auto s = need(1); !s) return fwd(s);
    if (ops[0].kind != Operand::reg) return p.fail("Invalid register");
    d.kind = InsnKind::endian;
    d.endian = op;
    d.dst = ops[0].r;
    d.size = static_cast<u8>(*bits / 8);
    return pend;
  }
  // Loads and stores: ldx<size>, ldxs<size>, st<size>, stx<size>.
  auto mem_form = [&](std::string_view prefix) -> u8 {
    return mnem.substr(0, prefix.size()) == prefix ? size_suffix(mnem.substr(prefix.size())) : 0;
  };
  if (u8 sz = mem_form("ldxs"); sz != 0 && sz != 8) {
    if (auto s = need(2); !s) return fwd(s);
    if (ops[0].kind != Operand::reg || ops[1].kind != Operand::mem) return p.fail("Invalid operands for load");
    d.kind = InsnKind::load;
    d.sign_extend = true;
    d.size = sz;
    d.dst = ops[0].r;
    d.src = ops[1].r;
    d.off = static_cast<s16>(ops[1].value);
    return pend;
  }
  if (u8 sz = mem_form("ldx")) {
    if (auto s = need(2); !s) return fwd(s);
    if (ops[0].kind != Operand::reg || ops[1].kind != Operand::mem) return p.fail("Invalid operands for load");
    d.kind = InsnKind::load;
    d.size = sz;
    d.dst = ops[0].r;
    d.src = ops[1].r;
    d.off = static_cast<s16>(ops[1].value);
    return pend;
  }
  const u8 stx = mem_form("stx");
  const u8 st = stx ? 0 : mem_form("st");
  if (stx || st) {
    if (auto s = need(2); !s) return fwd(s);
    if (ops[0].kind != Operand::mem) return p.fail("Invalid operands for store");
    d.dst = ops[0].r;
    d.off = static_cast<s16>(ops[0].value);
    d.size = stx ? stx : st;
    if (stx) {
      if (ops[1].kind != Operand::reg) return p.fail("Invalid register");
      d.kind = InsnKind::store_reg;
      d.src = ops[1].r;
    } else {
      d.kind = InsnKind::store_imm;
      auto imm = p.imm32(ops[1]);
      if (!imm) return tl::unexpected(imm.error());
      d.imm = *imm;
    }
    return pend;
  }
  return p.fail(fmt::format("Invalid mnemonic {}", mnem));
}

// "lock [fetch] <op>[32] [%rD+off], %rS"
Result<Pending> parse_lock(const Parser& p, std::string_view rest, int line) {
  std::vector<std::string_view> words;
  size_t comma = rest.find(',');
  std::string_view head = comma == std::string_view::npos ? rest : rest.substr(0, comma);
  std::string_view tail = comma == std::string_view::npos ? std::string_view() : trim(rest.substr(comma + 1));
  head = trim(head);
  while (!head.empty()) {
    size_t sp = head.find_first_of(" \t");
    words.push_back(head.substr(0, sp));
    head = sp == std::string_view::npos ? std::string_view() : trim(head.substr(sp));
  }
  bool fetch = !words.empty() && words[0] == "fetch";
  if (fetch) words.erase(words.begin());
  if (words.size() != 2 || tail.empty()) return p.fail("Invalid number of operands for lock");
  const Mnemonic m = split_width(words[0]);
  auto it = atomic_ops().find(m.base);
  if (it == atomic_ops().end()) return p.fail(fmt::format("Invalid atomic operation {}", words[0]));
  auto dst = p.operand(words[1]);
  if (!dst) return tl::unexpected(dst.error());
  auto src = p.operand(tail);
  if (!src) return tl::unexpected(src.error());
  if (dst->kind != Operand::mem || src->kind != Operand::reg) return p.fail("Invalid operands for lock");
  Pending pend;
  pend.line = line;
  Instruction& d = pend.insn;
  d.kind = InsnKind::atomic;
  d.atomic = it->second;
  d.fetch = fetch || d.atomic == AtomicOp::xchg || d.atomic == AtomicOp::cmpxchg;
  d.is64 = m.is64;
  d.size = m.is64 ? 8 : 4;
  d.dst = dst->r;
  d.off = static_cast<s16>(dst->value);
  d.src = src->r;
  return pend;
}

}  // namespace

Result<std::vector<Insn>> assemble(std::string_view text) {
  std::vector<Pending> pending;
  std::map<std::string, size_t, std::less<>> labels;  // name -> slot
  size_t slot = 0;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const Parser p(line_no);
    if (line.back() == ':') {
      labels[std::string(trim(line.substr(0, line.size() - 1)))] = slot;
      continue;
    }
    size_t sp = line.find_first_of(" \t");
    std::string_view mnem = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
    Result<Pending> pend;
    if (mnem == "lock") {
      pend = parse_lock(p, rest, line_no);
    } else {
      std::vector<Operand> ops;
      while (!rest.empty()) {
        size_t c = rest.find(',');
        auto o = p.operand(rest.substr(0, c));
        if (!o) return tl::unexpected(o.error());
        ops.push_back(*o);
        rest = c == std::string_view::npos ? std::string_view() : trim(rest.substr(c + 1));
      }
      // "call local func1" arrives as one operand "local func1".
      if (mnem == "call" && ops.size() == 1 && ops[0].kind == Operand::label &&
          ops[0].text.substr(0, 6) == "local ") {
        Operand target{Operand::label, 0, 0, std::string(trim(std::string_view(ops[0].text).substr(6)))};
        ops = {Operand{Operand::label, 0, 0, "local"}, target};
      }
      pend = parse_line(p, mnem, ops, line_no);
    }
    if (!pend) return tl::unexpected(pend.error());
    pend->insn.pc = static_cast<u32>(slot);
    slot += pend->insn.slots;
    pending.push_back(std::move(*pend));
  }
  std::vector<Insn> out;
  out.reserve(slot);
  for (size_t i = 0; i < pending.size(); ++i) {
    Pending& pend = pending[i];
    if (!pend.label.empty()) {
      s64 target = -1;
      if (auto it = labels.find(pend.label); it != labels.end()) {
        target = static_cast<s64>(it->second);
      } else if (pend.label == "exit") {
        for (size_t j = 0; j < pending.size() && target < 0; ++j)
          if (pending[j].insn.kind == InsnKind::exit) target = pending[j].insn.pc;
      }
      if (target < 0)
        return make_error(ErrorKind::parse, fmt::format("Invalid label {}", pend.label),
                          SourceLoc{"", pend.line, 0, ""});
      const s64 rel = target - (static_cast<s64>(pend.insn.pc) + 1);
      if (pend.target_in_imm) {
        pend.insn.imm = static_cast<s32>(rel);
      } else {
        if (rel < -32768 || rel > 32767)
          return make_error(ErrorKind::parse, fmt::format("jump to {} out of range", pend.label),
                            SourceLoc{"", pend.line, 0, ""});
        pend.insn.off = static_cast<s16>(rel);
      }
    }
    encode(pend.insn, out);
  }
  return out;
}

}  // namespace ups::bpf
