// Graph roots and kptr fields of a map value (graph_fields.h), as Linux's
// btf_parse_fields finds them: a root needs its `contains:` tag, naming a
// struct of the program and its bpf_rb_node member.
#include "bpf/object/graph_fields.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups::bpf {

namespace {

bool is_struct_named(const Btf& btf, u32 id, std::string_view name) {
  const BtfType* t = btf.type(btf.skip_modifiers(id));
  return t && t->kind == BtfKind::struct_ && t->name == name;
}

// The struct a `T __kptr *` points to (PTR -> TYPE_TAG "kptr" -> T), or 0.
u32 kptr_target(const Btf& btf, u32 id) {
  const BtfType* p = btf.type(btf.skip_qualifiers(id));
  if (!p || p->kind != BtfKind::ptr) return 0;
  bool tagged = false;
  u32 cur = p->type;
  for (const BtfType* t = btf.type(cur); t && (t->kind == BtfKind::type_tag || t->kind == BtfKind::const_ ||
                                                t->kind == BtfKind::volatile_);
       t = btf.type(cur)) {
    if (t->kind == BtfKind::type_tag && t->name == "kptr") tagged = true;
    cur = t->type;
  }
  const BtfType* s = btf.type(cur);
  return tagged && s && s->kind == BtfKind::struct_ ? cur : 0;
}

// The `contains:TYPE:FIELD` decl tag on `target` (component -1 for a var,
// the member index for a struct member), as a root.
std::string root_of(const Btf& btf, u32 target, s32 component, u32 offset, const std::string& what, GraphRoot& out) {
  for (u32 id = 1; id < btf.count(); ++id) {
    const BtfType* t = btf.type(id);
    if (t->kind != BtfKind::decl_tag || t->type != target || t->component != component) continue;
    if (!t->name.starts_with("contains:")) continue;
    const std::string_view spec = std::string_view(t->name).substr(9);
    const size_t colon = spec.find(':');
    if (colon == std::string_view::npos) return fmt::format("{}: malformed tag \"{}\"", what, t->name);
    const std::string_view type = spec.substr(0, colon), field = spec.substr(colon + 1);
    auto sid = btf.find(BtfKind::struct_, type);
    if (!sid) return fmt::format("{}: __contains names struct {}, which the program does not define", what, type);
    const s32 off = rb_node_offset(btf, *sid, field);
    if (off < 0) return fmt::format("{}: struct {} has no struct bpf_rb_node member {}", what, type, field);
    out = GraphRoot{offset, *sid, static_cast<u32>(off)};
    return "";
  }
  return fmt::format("{}: a struct bpf_rb_root needs __contains(TYPE, FIELD) to say what it holds", what);
}

}  // namespace

s32 rb_node_offset(const Btf& btf, u32 type, std::string_view field) {
  const BtfType* s = btf.type(btf.skip_modifiers(type));
  if (!s || s->kind != BtfKind::struct_) return -1;
  for (const auto& mem : s->members)
    if (mem.name == field && is_struct_named(btf, mem.type, "bpf_rb_node")) return static_cast<s32>(mem.bit_offset / 8);
  return -1;
}

void untagged_kptrs(const Btf& btf, std::vector<MapDef>& maps) {
  std::vector<u32> nodes;
  for (const auto& m : maps)
    for (const auto& r : m.rb_roots) nodes.push_back(r.node_type);
  if (nodes.empty()) return;
  for (auto& m : maps) {
    const BtfType* t = m.btf_value_type_id ? btf.type(btf.skip_modifiers(m.btf_value_type_id)) : nullptr;
    if (!t || t->kind != BtfKind::struct_) continue;
    for (const auto& mem : t->members) {
      const BtfType* p = btf.type(btf.skip_modifiers(mem.type));
      if (!p || p->kind != BtfKind::ptr) continue;
      const u32 to = btf.skip_modifiers(p->type);
      const u32 off = mem.bit_offset / 8;
      bool known = false;
      for (const auto& k : m.kptrs) known = known || k.offset == off;
      if (!known && std::find(nodes.begin(), nodes.end(), to) != nodes.end()) m.kptrs.push_back(KptrField{off, to});
    }
  }
}

s32 rb_node_offset_any(const Btf& btf, u32 type) {
  const BtfType* s = btf.type(btf.skip_modifiers(type));
  if (!s || s->kind != BtfKind::struct_) return -1;
  for (const auto& mem : s->members)
    if (is_struct_named(btf, mem.type, "bpf_rb_node")) return static_cast<s32>(mem.bit_offset / 8);
  return -1;
}

std::string find_graph_fields(const Btf& btf, u32 value_type, MapDef& m,
                              const std::function<u32(u32 var, u32 btf_offset)>& var_offset) {
  const BtfType* t = btf.type(btf.skip_modifiers(value_type));
  if (!t) return "";
  if (t->kind == BtfKind::datasec) {
    for (const auto& v : t->secinfo) {
      const BtfType* var = btf.type(v.type);
      if (!var || var->kind != BtfKind::var) continue;
      const u32 offset = var_offset ? var_offset(v.type, v.offset) : v.offset;
      const bool res = is_struct_named(btf, var->type, "bpf_res_spin_lock");
      if (res || is_struct_named(btf, var->type, "bpf_spin_lock")) {
        if (m.spin_lock_off >= 0)
          return fmt::format("section {}: more than one lock (one bpf_spin_lock or bpf_res_spin_lock per section)", m.name);
        m.spin_lock_off = static_cast<s32>(offset);
        m.res_lock = res;
      } else if (is_struct_named(btf, var->type, "bpf_rb_root")) {
        GraphRoot r;
        if (auto e = root_of(btf, v.type, -1, offset, "variable " + var->name, r); !e.empty()) return e;
        m.rb_roots.push_back(r);
      } else if (u32 k = kptr_target(btf, var->type)) {
        m.kptrs.push_back(KptrField{offset, k});
      }
    }
    return "";
  }
  if (t->kind != BtfKind::struct_) return "";
  const u32 struct_id = btf.skip_modifiers(value_type);
  for (size_t i = 0; i < t->members.size(); ++i) {
    const BtfMember& mem = t->members[i];
    const u32 off = mem.bit_offset / 8;
    if (is_struct_named(btf, mem.type, "bpf_rb_root")) {
      GraphRoot r;
      if (auto e = root_of(btf, struct_id, static_cast<s32>(i), off, fmt::format("{}.{}", t->name, mem.name), r); !e.empty())
        return e;
      m.rb_roots.push_back(r);
    } else if (u32 k = kptr_target(btf, mem.type)) {
      m.kptrs.push_back(KptrField{off, k});
    }
  }
  return "";
}

}  // namespace ups::bpf
