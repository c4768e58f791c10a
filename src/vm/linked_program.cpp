// LinkedProgram::link: decoding and resolving maps, externs and subprogram
// entries (see linked_program.h).
#include "vm/linked_program.h"

#include <fmt/format.h>

#include <algorithm>

#include "bpf/isa/decode.h"

namespace ups::vm {
namespace {

tl::unexpected<Error> link_error(u32 pc, ErrorKind kind, std::string msg) {
  return make_error(kind, std::move(msg), SourceLoc{"", 0, 0, fmt::format("instruction {}", pc)});
}

// The value an lddw yields, once its map reference is resolved.
Result<u64> load_value(const bpf::Instruction& d, const LinkInputs& in) {
  switch (d.pseudo) {
    case 0: return d.imm64();
    case bpf::op::PSEUDO_MAP_IDX:
      if (static_cast<u32>(d.imm) >= in.maps.size())
        return link_error(d.pc, ErrorKind::not_found,
                          fmt::format("map index {} out of range ({} maps)", d.imm, in.maps.size()));
      return reinterpret_cast<u64>(in.maps[static_cast<u32>(d.imm)]);
    case bpf::op::PSEUDO_MAP_IDX_VALUE:
      if (static_cast<u32>(d.imm) >= in.map_values.size() || !in.map_values[static_cast<u32>(d.imm)])
        return link_error(d.pc, ErrorKind::not_found, fmt::format("map index {} has no value area", d.imm));
      return reinterpret_cast<u64>(in.map_values[static_cast<u32>(d.imm)]) +
             static_cast<u64>(static_cast<s64>(d.next_imm));
    case bpf::op::PSEUDO_FUNC: return static_cast<u64>(d.target);
    default:
      return link_error(d.pc, ErrorKind::unsupported,
                        fmt::format("lddw source {} is not produced by the loader", d.pseudo));
  }
}

// The host function a helper or kfunc call reaches.
Result<bpf::ExternFn> call_target(const bpf::Instruction& d, const LinkInputs& in) {
  const bool helper = d.call == bpf::CallKind::helper;
  const auto* table = in.externs ? (helper ? &in.externs->helpers : &in.externs->kfuncs) : nullptr;
  const u32 id = static_cast<u32>(d.imm);
  if (!table || id >= table->size() || !(*table)[id])
    return link_error(d.pc, ErrorKind::not_found,
                      fmt::format("call to unknown {} {}", helper ? "helper" : "kfunc", d.imm));
  return (*table)[id];
}

}  // namespace

Result<LinkedProgram> LinkedProgram::link(bpf::Code code, const LinkInputs& inputs) {
  auto decoded = bpf::decode_program(code);
  if (!decoded) return tl::unexpected(decoded.error());
  LinkedProgram p;
  p.slots_ = code.size();
  p.arena_base_ = inputs.arena_base;
  p.arena_user_ = inputs.arena_user;
  p.insns_.reserve(decoded->size());
  p.subprogram_entries_.push_back(0);
  for (const bpf::Instruction& d : *decoded) {
    LinkedInsn l{d, 0, nullptr};
    if (d.kind == bpf::InsnKind::load_imm64) {
      auto v = load_value(d, inputs);
      if (!v) return tl::unexpected(v.error());
      l.value = *v;
      if (d.pseudo == bpf::op::PSEUDO_FUNC) p.subprogram_entries_.push_back(static_cast<u32>(d.target));
    } else if (d.kind == bpf::InsnKind::call &&
               (d.call == bpf::CallKind::helper || d.call == bpf::CallKind::kfunc)) {
      auto fn = call_target(d, inputs);
      if (!fn) return tl::unexpected(fn.error());
      l.target = *fn;
    } else if (d.kind == bpf::InsnKind::call && d.call == bpf::CallKind::local) {
      p.subprogram_entries_.push_back(static_cast<u32>(d.target));
    } else if (d.arena || (d.kind == bpf::InsnKind::alu && d.alu == bpf::AluOp::addr_space_cast)) {
      if (!inputs.arena_base)
        return link_error(d.pc, ErrorKind::not_found, "an arena access or addr_space_cast, and no arena to link it to");
      if (!d.arena) l.value = inputs.arena_user & ~u64{0xffffffff};
    }
    p.insns_.push_back(l);
  }
  std::sort(p.subprogram_entries_.begin(), p.subprogram_entries_.end());
  p.subprogram_entries_.erase(std::unique(p.subprogram_entries_.begin(), p.subprogram_entries_.end()),
                              p.subprogram_entries_.end());
  if (inputs.externs) p.helpers_ = inputs.externs->helpers;
  return p;
}

}  // namespace ups::vm
