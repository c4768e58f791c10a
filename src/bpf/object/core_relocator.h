// CO-RE relocation (libbpf's relo_core.c model): an access recorded by
// clang against the object's own BTF ("struct task_struct, member 3, then
// member 1") is walked BY NAME and resolved against the host's layouts
// (HostTypes), so the object reads upsched's fields whatever vmlinux.h it
// was built with. Flavour suffixes (`task_struct___v2`) are ignored.
#pragma once

#include <span>
#include <string>

#include "base/result.h"
#include "bpf/host_types.h"
#include "bpf/insn.h"
#include "bpf/object/btf.h"
#include "bpf/object/btf_ext.h"

namespace ups::bpf {

struct CoreOutcome {
  bool resolved = true;
  u64 value = 0;
  // field_byte_offset on a load/store: the access width the compiler used
  // (the local field size) and the host field size, to widen/narrow it.
  u32 local_size = 0;
  u32 target_size = 0;
  std::string access;   // "task_struct.scx.slice", "enum foo::BAR", "struct foo"
  std::string failure;  // why it did not resolve
};

// Resolve one relocation. Errors only for a malformed relocation (bad
// access string, index out of range); a field or type missing on the host
// is an unresolved outcome, which the caller turns into 0 (existence
// checks), a poisoned instruction, or an error.
Result<CoreOutcome> resolve_core_relo(const Btf& btf, const BtfExtCoreRelo& relo,
                                      const HostTypes& host);

// Patch instruction `idx` of `code` with a resolved outcome. Errors name the
// instruction when its opcode cannot carry the value.
Status patch_core_insn(std::span<Insn> code, size_t idx, const CoreOutcome& out,
                       CoreReloKind kind);

// Replace instruction `idx` (both slots of an lddw) by a call to the poison
// helper, so that the verifier rejects it if it is reachable.
void poison_insn(std::span<Insn> code, size_t idx);

// The object's own layouts as HostTypes (anonymous members flattened), the
// CO-RE target when the loader is given no host.
HostTypes host_types_from_btf(const Btf& btf);

}  // namespace ups::bpf
