// Graph roots and kptr fields of a map value, from BTF: the `struct
// bpf_rb_root` members (or, in a private() data section, variables) with
// their `contains:TYPE:FIELD` decl tag, the `struct T __kptr *` members
// (a pointer to a "kptr" type tag), and a section's bpf_spin_lock
// variable. The verifier (graph roots touched only under their lock,
// kptrs only through bpf_kptr_xchg) and the policy host read them from
// MapDef.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bpf/map_def.h"
#include "bpf/object/btf.h"

namespace ups::bpf {

// Fills m.rb_roots, m.kptrs (and, for a DATASEC, m.spin_lock_off) from
// `value_type`, a struct or a DATASEC. Returns an error message, or "".
// var_offset: a DATASEC variable's offset (by VAR id), where the loader
// knows better than BTF (older clangs leave BTF's offsets 0).
std::string find_graph_fields(const Btf& btf, u32 value_type, MapDef& m,
                              const std::function<u32(u32 var, u32 btf_offset)>& var_offset = {});

// clang before 15 drops btf_type_tag, so its `struct T __kptr *` is a
// plain pointer: in a map value struct, a pointer to a struct that some
// rbtree root of the object holds is taken for the kptr it must have been.
void untagged_kptrs(const Btf& btf, std::vector<MapDef>& maps);

// The offset of member `field` of struct `type` when it is a struct
// bpf_rb_node, or -1.
s32 rb_node_offset(const Btf& btf, u32 type, std::string_view field);
// The offset of struct `type`'s first struct bpf_rb_node member, or -1.
s32 rb_node_offset_any(const Btf& btf, u32 type);

}  // namespace ups::bpf
