#include "core/cgroup.h"

#include <algorithm>

#include <fmt/format.h>

namespace ups {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::string_view parent_path(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

}  // namespace

Status check_cgroup_path(std::string_view path) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::invalid_argument, fmt::format("cgroup path '{}': {}", path, why));
  };
  if (path.empty() || path.front() != '/') return bad("must begin with '/'");
  if (path == "/") return {};
  if (path.back() == '/') return bad("must not end with '/'");
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view name = path.substr(start, end - start);
    if (name.empty()) return bad("empty name (two '/' in a row)");
    if (name == "." || name == "..") return bad("'.' and '..' are not cgroup names");
    if (!std::all_of(name.begin(), name.end(), name_char))
      return bad(fmt::format("name '{}' has a character outside [A-Za-z0-9_.-]", name));
    start = end + 1;
  }
  return {};
}

Status check_cgroup_weight(u32 weight) {
  if (weight >= kCgroupWeightMin && weight <= kCgroupWeightMax) return {};
  return make_error(ErrorKind::invalid_argument,
                    fmt::format("cgroup weight {} is outside {}..{} (cpu.weight)", weight,
                                kCgroupWeightMin, kCgroupWeightMax));
}

CgroupTree::CgroupTree() {
  auto root = std::make_unique<Cgroup>();
  root->path = "/";
  root->ancestors = {root.get()};
  by_id_ = {nullptr, root.get()};
  all_.push_back(std::move(root));
}

Cgroup* CgroupTree::find(std::string_view path) const {
  for (Cgroup* cg : by_id_)
    if (cg && cg->path == path) return cg;
  return nullptr;
}

Cgroup* CgroupTree::find(CgroupId id) const { return id < by_id_.size() ? by_id_[id] : nullptr; }

Result<Cgroup*> CgroupTree::create(std::string_view path, u32 weight) {
  if (auto ok = check_cgroup_path(path); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_cgroup_weight(weight); !ok) return tl::unexpected(ok.error());
  if (find(path))
    return make_error(ErrorKind::invalid_argument, fmt::format("cgroup '{}' exists already", path));
  Cgroup* parent = find(parent_path(path));
  if (!parent)
    return make_error(ErrorKind::not_found, fmt::format("cgroup '{}': its parent '{}' does not exist",
                                                        path, parent_path(path)));
  if (parent->level + 1 > kCgroupMaxLevel)
    return make_error(ErrorKind::unsupported,
                      fmt::format("cgroup '{}' would be at level {}, deeper than upsched's {}", path,
                                  parent->level + 1, kCgroupMaxLevel));
  auto cg = std::make_unique<Cgroup>();
  cg->id = by_id_.size();
  cg->path = std::string(path);
  cg->parent = parent;
  cg->level = parent->level + 1;
  cg->weight = weight;
  cg->ancestors = parent->ancestors;
  cg->ancestors.push_back(cg.get());
  parent->children.push_back(cg.get());
  by_id_.push_back(cg.get());
  all_.push_back(std::move(cg));
  return all_.back().get();
}

Status CgroupTree::check_removable(const Cgroup& cg) const {
  if (!cg.parent) return make_error(ErrorKind::rejected, "the root cgroup cannot be removed");
  if (!cg.children.empty())
    return make_error(ErrorKind::rejected, fmt::format("cgroup '{}' has {} child cgroup(s)", cg.path,
                                                       cg.children.size()));
  if (cg.nr_tasks != 0)
    return make_error(ErrorKind::rejected,
                      fmt::format("cgroup '{}' still has {} task(s)", cg.path, cg.nr_tasks));
  return {};
}

void CgroupTree::remove(Cgroup& cg) {
  std::erase(cg.parent->children, &cg);
  by_id_[cg.id] = nullptr;
  ++nr_removed_;
}

std::vector<Cgroup*> CgroupTree::parent_first() const {
  // Pre-order, as Linux's css_for_each_descendant_pre.
  std::vector<Cgroup*> out;
  std::vector<Cgroup*> stack{&root()};
  while (!stack.empty()) {
    Cgroup* c = stack.back();
    stack.pop_back();
    out.push_back(c);
    stack.insert(stack.end(), c->children.rbegin(), c->children.rend());
  }
  return out;
}

}  // namespace ups
