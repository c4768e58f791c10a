// Test assembler (see asm_text.h).
#include "asm_text.h"

#include <map>
#include <regex>

#include <fmt/format.h>

namespace ups::verifier::test {
namespace op = bpf::op;
namespace {

struct Pending {
  size_t slot;
  std::string label;
  enum class What { jump_off, jump32_imm, call_imm, func_imm } what;
  int line;
};

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

std::optional<s64> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    size_t pos = 0;
    bool neg = s[0] == '-';
    std::string body = neg || s[0] == '+' ? s.substr(1) : s;
    u64 v = std::stoull(body, &pos, 0);
    if (pos != body.size()) return std::nullopt;
    return static_cast<s64>(neg ? 0 - v : v);  // wraps like the assembler
  } catch (...) {
    return std::nullopt;
  }
}

u8 size_code(const std::string& t) {
  if (t.ends_with("8")) return op::B;
  if (t.ends_with("16")) return op::H;
  if (t.ends_with("32")) return op::W;
  return op::DW;
}

const std::map<std::string, u8>& alu_ops() {
  static const std::map<std::string, u8> m = {
      {"+=", op::ADD}, {"-=", op::SUB}, {"*=", op::MUL}, {"/=", op::DIV},  {"|=", op::OR},
      {"&=", op::AND}, {"<<=", op::LSH}, {">>=", op::RSH}, {"%=", op::MOD}, {"^=", op::XOR},
      {"s>>=", op::ARSH}, {"s/=", op::DIV}, {"s%=", op::MOD}, {"=", op::MOV}};
  return m;
}
const std::map<std::string, u8>& jmp_ops() {
  static const std::map<std::string, u8> m = {
      {"==", op::JEQ}, {"!=", op::JNE}, {">", op::JGT},   {">=", op::JGE},   {"<", op::JLT},   {"<=", op::JLE},
      {"&", op::JSET}, {"s>", op::JSGT}, {"s>=", op::JSGE}, {"s<", op::JSLT}, {"s<=", op::JSLE}};
  return m;
}

}  // namespace

Result<Assembled> assemble_text(std::string_view text, const Symbols& syms) {
  static const std::regex re_label(R"(^([A-Za-z_][\w.]*):$)");
  static const std::regex re_alu(R"(^([rw])(\d+) (\+=|-=|\*=|/=|\|=|&=|<<=|>>=|%=|\^=|s>>=|s/=|s%=|=) ([rw]?)(-?\w+)$)");
  static const std::regex re_neg(R"(^([rw])(\d+) = -([rw])(\d+)$)");
  static const std::regex re_movsx(R"(^([rw])(\d+) = \(s(8|16|32)\)([rw])(\d+)$)");
  static const std::regex re_end(R"(^r(\d+) = (le|be|bswap)(16|32|64) r(\d+)$)");
  static const std::regex re_lddw(R"(^r(\d+) = (-?\w+) ll$)");
  static const std::regex re_lddw_map(R"(^r(\d+) = (map|map_value|func)\[([\w.]+)\](?: \+ (\w+))? ll$)");
  static const std::regex re_load(R"(^r(\d+) = \*\(([us])(8|16|32|64) \*\)\(r(\d+) ([+-]) (\w+)\)$)");
  static const std::regex re_store(R"(^\*\(u(8|16|32|64) \*\)\(r(\d+) ([+-]) (\w+)\) = ([rw]?)(-?\w+)$)");
  static const std::regex re_lock(R"(^lock \*\(u(32|64) \*\)\(r(\d+) ([+-]) (\w+)\) (\+|\||&|\^)= [rw](\d+)$)");
  static const std::regex re_fetch(R"(^[rw](\d+) = atomic_fetch_(add|or|and|xor|xchg)\(\*\(u(32|64) \*\)\(r(\d+) ([+-]) (\w+)\), [rw](\d+)\)$)");
  static const std::regex re_cmpxchg(R"(^[rw]0 = cmpxchg\(\*\(u(32|64) \*\)\(r(\d+) ([+-]) (\w+)\), [rw]0, [rw](\d+)\)$)");
  static const std::regex re_goto(R"(^(goto|may_goto) ([+-]?\w+)$)");
  static const std::regex re_cast(R"(^r(\d+) = addr_space_cast\(r(\d+), (?:0x)?(\d), (?:0x)?(\d)\)$)");
  static const std::regex re_if(R"(^if ([rw])(\d+) (==|!=|>|>=|<|<=|&|s>|s>=|s<|s<=) ([rw]?)(-?\w+) goto ([+-]?\w+)$)");
  static const std::regex re_call(R"(^call (kfunc |local )?([\w.]+)$)");
  static const std::regex re_raw(R"(^raw (0x[0-9a-fA-F]+)$)");

  Assembled out;
  std::map<std::string, size_t> labels;
  std::vector<Pending> pending;
  int line_no = 0;
  size_t start = 0;
  auto err = [&](std::string msg) { return make_error(ErrorKind::parse, fmt::format("line {}: {}", line_no, msg)); };
  auto emit = [&](bpf::Insn i) {
    out.insns.push_back(i);
    out.line_of.push_back(line_no);
  };
  auto reg = [](const std::string& s) { return static_cast<u8>(std::stoi(s)); };
  auto number = [&](const std::string& s, s64& v) -> bool {
    auto n = parse_int(s);
    if (!n) return false;
    v = *n;
    return true;
  };
  auto offset = [&](const std::string& sign, const std::string& s, s64& v) -> bool {
    if (!number(s, v)) return false;
    if (sign == "-") v = -v;
    return true;
  };
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line = std::string(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (auto c = line.find(';'); c != std::string::npos) line = line.substr(0, c);
    if (auto c = line.find('#'); c != std::string::npos) line = line.substr(0, c);
    line = trim(line);
    if (line.empty()) continue;
    std::smatch m;
    if (std::regex_match(line, m, re_label)) {
      labels[m[1]] = out.insns.size();
      continue;
    }
    // An instruction may follow a label on the same line.
    if (auto c = line.find(": "); c != std::string::npos) {
      std::string head = line.substr(0, c + 1);
      if (std::regex_match(head, m, re_label)) {
        labels[m[1]] = out.insns.size();
        line = trim(line.substr(c + 1));
      }
    }
    s64 v = 0, off = 0;
    if (std::regex_match(line, m, re_neg)) {
      bool is64 = m[1] == "r";
      emit(bpf::Insn::make((is64 ? op::ALU64 : op::ALU) | op::NEG, reg(m[2]), 0, 0, 0));
    } else if (std::regex_match(line, m, re_movsx)) {
      bool is64 = m[1] == "r";
      emit(bpf::Insn::make((is64 ? op::ALU64 : op::ALU) | op::MOV | op::X, reg(m[2]), reg(m[5]),
                           static_cast<s16>(std::stoi(m[3])), 0));
    } else if (std::regex_match(line, m, re_end)) {
      u8 opc = m[2] == "bswap" ? (op::ALU64 | op::END) : (op::ALU | op::END | (m[2] == "be" ? op::X : 0));
      emit(bpf::Insn::make(opc, reg(m[1]), 0, 0, std::stoi(m[3])));
    } else if (std::regex_match(line, m, re_lddw_map)) {
      u8 dst = reg(m[1]);
      if (m[2] == "func") {
        emit(bpf::Insn::make(op::LD | op::IMM | op::DW, dst, op::PSEUDO_FUNC, 0, 0));
        pending.push_back({out.insns.size() - 1, m[3], Pending::What::func_imm, line_no});
        emit(bpf::Insn{});
      } else {
        std::optional<s32> idx;
        if (auto n = parse_int(m[3])) idx = static_cast<s32>(*n);
        else if (syms.map) idx = syms.map(std::string(m[3]));
        if (!idx) return err(fmt::format("unknown map {}", std::string(m[3])));
        s64 voff = 0;
        if (m[4].matched && !number(m[4], voff)) return err("bad offset");
        bool value = m[2] == "map_value";
        emit(bpf::Insn::make(op::LD | op::IMM | op::DW, dst, value ? op::PSEUDO_MAP_IDX_VALUE : op::PSEUDO_MAP_IDX, 0, *idx));
        emit(bpf::Insn::make(0, 0, 0, 0, static_cast<s32>(voff)));
      }
    } else if (std::regex_match(line, m, re_lddw)) {
      if (!number(m[2], v)) return err("bad immediate");
      emit(bpf::Insn::make(op::LD | op::IMM | op::DW, reg(m[1]), 0, 0, static_cast<s32>(static_cast<u64>(v))));
      emit(bpf::Insn::make(0, 0, 0, 0, static_cast<s32>(static_cast<u64>(v) >> 32)));
    } else if (std::regex_match(line, m, re_alu)) {
      bool is64 = m[1] == "r";
      std::string o = m[3];
      u8 opc = (is64 ? op::ALU64 : op::ALU) | alu_ops().at(o);
      s16 aoff = (o == "s/=" || o == "s%=") ? 1 : 0;
      if (!m[4].str().empty()) {
        emit(bpf::Insn::make(opc | op::X, reg(m[2]), reg(m[5]), aoff, 0));
      } else {
        if (!number(m[5], v)) return err(fmt::format("bad operand `{}`", std::string(m[5])));
        emit(bpf::Insn::make(opc, reg(m[2]), 0, aoff, static_cast<s32>(v)));
      }
    } else if (std::regex_match(line, m, re_load)) {
      if (!offset(m[5], m[6], off)) return err("bad offset");
      u8 mode = m[2] == "s" ? op::MEMSX : op::MEM;
      emit(bpf::Insn::make(op::LDX | mode | size_code(m[3]), reg(m[1]), reg(m[4]), static_cast<s16>(off), 0));
    } else if (std::regex_match(line, m, re_store)) {
      if (!offset(m[3], m[4], off)) return err("bad offset");
      if (!m[5].str().empty()) {
        emit(bpf::Insn::make(op::STX | op::MEM | size_code(m[1]), reg(m[2]), reg(m[6]), static_cast<s16>(off), 0));
      } else {
        if (!number(m[6], v)) return err("bad immediate");
        emit(bpf::Insn::make(op::ST | op::MEM | size_code(m[1]), reg(m[2]), 0, static_cast<s16>(off), static_cast<s32>(v)));
      }
    } else if (std::regex_match(line, m, re_lock)) {
      if (!offset(m[3], m[4], off)) return err("bad offset");
      static const std::map<std::string, s32> ops{{"+", op::ADD}, {"|", op::OR}, {"&", op::AND}, {"^", op::XOR}};
      emit(bpf::Insn::make(op::STX | op::ATOMIC | size_code(m[1]), reg(m[2]), reg(m[6]), static_cast<s16>(off), ops.at(m[5])));
    } else if (std::regex_match(line, m, re_fetch)) {
      if (!offset(m[5], m[6], off)) return err("bad offset");
      static const std::map<std::string, s32> ops{{"add", op::ADD | op::ATOMIC_FETCH}, {"or", op::OR | op::ATOMIC_FETCH},
                                                 {"and", op::AND | op::ATOMIC_FETCH}, {"xor", op::XOR | op::ATOMIC_FETCH},
                                                 {"xchg", op::ATOMIC_XCHG}};
      emit(bpf::Insn::make(op::STX | op::ATOMIC | size_code(m[3]), reg(m[4]), reg(m[7]), static_cast<s16>(off), ops.at(m[2])));
    } else if (std::regex_match(line, m, re_cmpxchg)) {
      if (!offset(m[3], m[4], off)) return err("bad offset");
      emit(bpf::Insn::make(op::STX | op::ATOMIC | size_code(m[1]), reg(m[2]), reg(m[5]), static_cast<s16>(off), op::ATOMIC_CMPXCHG));
    } else if (std::regex_match(line, m, re_cast)) {
      emit(bpf::Insn::make(op::ALU64 | op::MOV | op::X, reg(m[1]), reg(m[2]), 1,
                           (std::stoi(m[3]) << 16) | std::stoi(m[4])));
    } else if (std::regex_match(line, m, re_goto) || std::regex_match(line, m, re_if)) {
      bool is_if = line.starts_with("if ");
      std::string target = is_if ? m[6] : m[2];
      bpf::Insn in;
      if (is_if) {
        bool is64 = m[1] == "r";
        u8 opc = (is64 ? op::JMP : op::JMP32) | jmp_ops().at(m[3]);
        if (!m[4].str().empty()) {
          in = bpf::Insn::make(opc | op::X, reg(m[2]), reg(m[5]), 0, 0);
        } else {
          if (!number(m[5], v)) return err("bad immediate");
          in = bpf::Insn::make(opc, reg(m[2]), 0, 0, static_cast<s32>(v));
        }
      } else {
        in = bpf::Insn::make(op::JMP | (m[1] == "may_goto" ? op::JCOND : op::JA), 0, 0, 0, 0);
      }
      if ((target[0] == '+' || target[0] == '-') && number(target, v)) {
        in.off = static_cast<s16>(v);
        emit(in);
      } else {
        emit(in);
        pending.push_back({out.insns.size() - 1, target, Pending::What::jump_off, line_no});
      }
    } else if (std::regex_match(line, m, re_call)) {
      std::string kind = m[1], name = m[2];
      if (kind == "local ") {
        emit(bpf::Insn::make(op::JMP | op::CALL, 0, op::CALL_LOCAL, 0, 0));
        pending.push_back({out.insns.size() - 1, name, Pending::What::call_imm, line_no});
      } else {
        std::optional<s32> id;
        if (auto n = parse_int(name)) id = static_cast<s32>(*n);
        else if (kind == "kfunc " && syms.kfunc) id = syms.kfunc(name);
        else if (kind.empty() && syms.helper) id = syms.helper(name);
        if (!id) return err(fmt::format("unknown {} `{}`", kind.empty() ? "helper" : "kfunc", name));
        emit(bpf::Insn::make(op::JMP | op::CALL, 0, kind.empty() ? op::CALL_HELPER : op::CALL_KFUNC, 0, *id));
      }
    } else if (line == "exit") {
      emit(bpf::Insn::make(op::JMP | op::EXIT, 0, 0, 0, 0));
    } else if (std::regex_match(line, m, re_raw)) {
      emit(bpf::Insn::from_u64(std::stoull(m[1], nullptr, 16)));
    } else {
      return err(fmt::format("cannot parse `{}`", line));
    }
  }
  for (const auto& p : pending) {
    auto it = labels.find(p.label);
    if (it == labels.end()) {
      line_no = p.line;
      return err(fmt::format("unknown label `{}`", p.label));
    }
    s64 rel = static_cast<s64>(it->second) - static_cast<s64>(p.slot) - 1;
    if (p.what == Pending::What::jump_off) out.insns[p.slot].off = static_cast<s16>(rel);
    else out.insns[p.slot].imm = static_cast<s32>(rel);
  }
  return out;
}

}  // namespace ups::verifier::test
