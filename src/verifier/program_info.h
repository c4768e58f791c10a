// ProgramInfo: everything the verifier is told about one callback program,
// as plain data: its instructions, its maps, the structs it may touch
// through typed pointers (with a per-field access table), the arguments the
// callback receives and the return values it may give. The policy host
// fills it from an Object and the sched_ext ABI; tests write it by hand.
// The verifier knows no capability and no sched_ext name beyond this.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/types.h"
#include "bpf/insn.h"
#include "bpf/map_def.h"
#include "verifier/domain/scalar.h"

namespace ups::verifier {

enum class FieldAccess : u8 { read, read_write };

// One byte range of a struct and what a program may do with it. A
// non-empty `denied` makes any access fail with that reason (e.g. "needs
// capability sched.inspect").
struct FieldRule {
  std::string name;  // e.g. "scx.slice"
  u32 offset = 0;
  u32 size = 0;
  FieldAccess access = FieldAccess::read;
  std::string denied;
  // Reading the field yields a pointer to this struct (index into
  // ProgramInfo::structs) instead of a scalar; -1 for plain data.
  s32 points_to = -1;
  bool nullable = false;
};

struct StructDesc {
  std::string name;  // "task_struct"
  u32 size = 0;
  std::vector<FieldRule> fields;
  // An allocatable struct of the program (bpf_obj_new): its BTF id in the
  // program's BTF, 0 for the host's structs. Pointers to one are owning
  // (Value::ref) or non-owning (ref 0: a node of a tree whose lock is held).
  u32 btf_id = 0;
  bool is_local() const { return btf_id != 0; }
  // The rule covering [off, off + size), or null.
  const FieldRule* rule_for(u32 off, u32 size) const {
    for (const auto& f : fields)
      if (off >= f.offset && off + size <= f.offset + f.size) return &f;
    return nullptr;
  }
};

// One argument of the callback (ctx[i], a u64 slot).
struct ArgDesc {
  enum class Kind : u8 { scalar, struct_ptr };
  std::string name;  // "p", "prev_cpu"
  Kind kind = Kind::scalar;
  Scalar range = Scalar::top();  // for scalars
  s32 struct_index = -1;        // for struct pointers
  bool nullable = false;        // dispatch's prev
};

struct ContextDesc {
  std::string callback = "prog";  // name used in messages
  std::vector<ArgDesc> args;
  // Allowed return values (signed); nullopt = void, R0 not checked.
  std::optional<std::pair<s64, s64>> ret;
  bool sleepable = false;
};

struct ProgramInfo {
  std::vector<bpf::Insn> insns;  // the whole text: callback and subprograms
  u32 entry = 0;                 // first instruction of the callback
  std::vector<bpf::MapDef> maps; // by map index (PSEUDO_MAP_IDX imm)
  std::vector<StructDesc> structs;
  std::vector<std::string> kfunc_names;  // by kfunc index, for messages
  ContextDesc ctx;
  // "simple.bpf.c:40" for an instruction, or "" when unknown.
  std::function<std::string(u32 insn)> source_line;
  // Instructions the loader could not make runnable (a call to a __weak
  // kfunc the host lacks, a failed CO-RE relocation) and why. Dead code is
  // fine; reaching one is an error with this message.
  std::map<u32, std::string> poisoned;
  // First instructions of the global (non-static) subprograms, from BTF's
  // func linkage: Linux 6.9+ lets a program call a static subprogram while
  // it holds a bpf_spin_lock (the lock is the state's, whichever frame
  // takes or releases it), but not a global one, which it verifies apart.
  std::vector<u32> global_subprogs;
  // First instructions of the subprograms whose BTF says they return
  // nothing: as in Linux, R0 need not be set at their exit (the caller's R0
  // is then unset). Without BTF, every subprogram must set R0.
  std::vector<u32> void_subprogs;
  // Whether the loader may see pointer values (Linux's allow_ptr_leaks):
  // store them into maps, pass them as numbers to helpers and kfuncs, print
  // them, subtract or order pointers to different objects, compare them
  // with numbers, and overwrite part of a spilled pointer. Without it each
  // of those is refused. The host decides it from one capability
  // (policy/api_sets.h, may_see_pointers); the verifier applies it
  // everywhere.
  bool allow_ptr_leaks = false;
  // Whether a helper or kfunc may read stack bytes the program did not
  // write (Linux's allow_uninit_stack, for privileged loaders: scx_pair's
  // cgroup_init hands bpf_map_update_elem a value that is set on every
  // path Linux's bounds of bpf_for allow). The host gives it with
  // allow_ptr_leaks: such bytes may be a pointer spilled by an earlier run.
  bool allow_uninit_stack = false;
};

}  // namespace ups::verifier
