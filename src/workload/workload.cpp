// Reads a workload file (TOML or JSON, through ConfigNode) into a Workload,
// checking every field: unknown fields, negative durations, unknown events,
// channels and groups are errors that name the file, line and field.
#include "workload/workload.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "base/bounded_file.h"

#include "workload/config_node.h"
#include "workload/duration.h"

namespace ups::workload {

int Workload::find_group(std::string_view name) const {
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i].name == name) return static_cast<int>(i);
  return -1;
}

int Workload::find_object(std::string_view name) const {
  for (size_t i = 0; i < objects.size(); ++i)
    if (objects[i].name == name) return static_cast<int>(i);
  return -1;
}

bool Workload::is_finite() const {
  if (!vms.empty()) return false;  // a vCPU never exits
  for (auto& a : arrivals)
    if (a.count == 0) return false;
  for (auto& g : groups)
    for (auto& in : g.program.code)
      if (in.op == OpCode::repeat && in.arg == 0) return false;
  return true;
}

u64 Workload::initial_tasks() const {
  u64 n = 0;
  for (auto& g : groups) n += g.count;
  return n;
}

namespace {

// Parses "0-3,8" into a CPU mask.
Result<CpuMask> parse_cpu_list(const std::string& s) {
  CpuMask m;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    int lo = 0, hi = 0;
    char dash = 0;
    std::stringstream ps(part);
    if (!(ps >> lo)) return make_error(ErrorKind::invalid_argument, "bad CPU list '" + s + "'");
    hi = lo;
    if (ps >> dash) {
      if (dash != '-' || !(ps >> hi))
        return make_error(ErrorKind::invalid_argument, "bad CPU list '" + s + "'");
    }
    if (lo < 0 || hi < lo || hi >= kMaxCpus)
      return make_error(ErrorKind::invalid_argument,
                        "bad CPU range '" + part + "' (CPUs are 0.." +
                            std::to_string(kMaxCpus - 1) + ")");
    for (int c = lo; c <= hi; ++c) m.set(c);
  }
  if (m.empty()) return make_error(ErrorKind::invalid_argument, "empty CPU list");
  return m;
}

// Several errors as one: the first (its kind and place, for callers that
// look), with each further one on its own line, "file:line:col: field:
// message" like the first, and a count at the end.
Error all_errors(std::vector<Error> errors) {
  Error e = std::move(errors.front());
  for (size_t i = 1; i < errors.size(); ++i) e.message += "\n" + errors[i].to_string();
  if (errors.size() > 1) e.message += "\n" + std::to_string(errors.size()) + " errors";
  return e;
}

class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  tl::unexpected<Error> fail(const ConfigNode& n, const std::string& path, std::string msg) {
    return make_error(ErrorKind::invalid_argument, std::move(msg),
                      SourceLoc{file_, n.line, n.column, "field " + path});
  }

  // Errors are collected, one per item (a task group, a class, ...), so
  // that a file shows every mistake it has at once.
  void note(const Status& st) {
    if (!st) errors_.push_back(st.error());
  }
  std::vector<Error>& errors() { return errors_; }

  // Only `allowed` keys may appear in table n.
  Status check_fields(const ConfigNode& n, const std::string& path,
                      std::initializer_list<std::string_view> allowed) {
    if (n.type != ConfigNode::Type::table)
      return fail(n, path, std::string("must be a table, not ") + n.type_name());
    for (auto& [k, v] : n.fields) {
      bool ok = false;
      for (auto a : allowed) ok |= (a == k);
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return fail(v, join(path, k), "unknown field '" + k + "' (known: " + list + ")");
      }
    }
    return {};
  }

  static std::string join(const std::string& path, std::string_view k) {
    return path.empty() ? std::string(k) : path + "." + std::string(k);
  }
  static std::string index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  Result<std::string> string(const ConfigNode& n, const std::string& path) {
    if (n.type != ConfigNode::Type::string)
      return fail(n, path, std::string("must be a string, not ") + n.type_name());
    return n.s;
  }
  Result<s64> integer(const ConfigNode& n, const std::string& path, s64 lo, s64 hi) {
    if (n.type != ConfigNode::Type::integer)
      return fail(n, path, std::string("must be an integer, not ") + n.type_name());
    if (n.i < lo || n.i > hi)
      return fail(n, path, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                               ", not " + std::to_string(n.i));
    return n.i;
  }
  Result<double> probability(const ConfigNode& n, const std::string& path) {
    if (!n.is_number()) return fail(n, path, std::string("must be a number, not ") + n.type_name());
    if (!(n.number() >= 0 && n.number() <= 1))
      return fail(n, path, "must be a probability in [0, 1]");
    return n.number();
  }
  Result<TimeNs> duration(const ConfigNode& n, const std::string& path) {
    if (n.is_number())
      return fail(n, path, n.number() < 0 ? "negative duration" :
                  "a duration needs a unit, e.g. \"" + std::to_string(static_cast<s64>(n.number())) + "us\"");
    if (n.type != ConfigNode::Type::string)
      return fail(n, path, std::string("must be a duration string like \"5ms\", not ") + n.type_name());
    auto d = parse_duration(n.s);
    if (!d) {
      std::string m = d.error().message;
      if (m.find("negative") != std::string::npos) m = "negative duration '" + n.s + "'";
      return fail(n, path, m);
    }
    return *d;
  }

  // A duration string, or a table {dist = ..., ...}.
  Result<Distribution> distribution(const ConfigNode& n, const std::string& path) {
    if (n.type != ConfigNode::Type::table) {
      auto d = duration(n, path);
      if (!d) return tl::unexpected(d.error());
      return Distribution::constant(*d);
    }
    const ConfigNode* kind = n.find("dist");
    if (!kind) return fail(n, path, "a distribution needs 'dist' (constant, uniform, exponential, lognormal, bimodal)");
    auto k = string(*kind, join(path, "dist"));
    if (!k) return tl::unexpected(k.error());
    auto need = [&](std::string_view key) -> Result<TimeNs> {
      const ConfigNode* v = n.find(key);
      if (!v) return fail(n, path, "distribution '" + *k + "' needs '" + std::string(key) + "'");
      return duration(*v, join(path, key));
    };
#define UPS_TRY_DUR(var, key)       \
  auto var = need(key);             \
  if (!var) return tl::unexpected(var.error())
    if (*k == "constant") {
      if (auto s = check_fields(n, path, {"dist", "value"}); !s) return tl::unexpected(s.error());
      UPS_TRY_DUR(v, "value");
      return Distribution::constant(*v);
    }
    if (*k == "uniform") {
      if (auto s = check_fields(n, path, {"dist", "min", "max"}); !s) return tl::unexpected(s.error());
      UPS_TRY_DUR(lo, "min");
      UPS_TRY_DUR(hi, "max");
      if (*hi < *lo) return fail(n, path, "uniform: max is below min");
      return Distribution::uniform(*lo, *hi);
    }
    if (*k == "exponential") {
      if (auto s = check_fields(n, path, {"dist", "mean"}); !s) return tl::unexpected(s.error());
      UPS_TRY_DUR(m, "mean");
      return Distribution::exponential(*m);
    }
    if (*k == "lognormal") {
      if (auto s = check_fields(n, path, {"dist", "mean", "stddev"}); !s) return tl::unexpected(s.error());
      UPS_TRY_DUR(m, "mean");
      UPS_TRY_DUR(sd, "stddev");
      if (*m == 0) return fail(n, path, "lognormal: mean must be above 0");
      return Distribution::lognormal(*m, *sd);
    }
    if (*k == "bimodal") {
      if (auto s = check_fields(n, path, {"dist", "low", "high", "p_high"}); !s) return tl::unexpected(s.error());
      UPS_TRY_DUR(lo, "low");
      UPS_TRY_DUR(hi, "high");
      const ConfigNode* p = n.find("p_high");
      if (!p) return fail(n, path, "distribution 'bimodal' needs 'p_high'");
      auto pv = probability(*p, join(path, "p_high"));
      if (!pv) return tl::unexpected(pv.error());
      return Distribution::bimodal(*lo, *hi, *pv);
    }
#undef UPS_TRY_DUR
    return fail(*kind, join(path, "dist"),
                "unknown distribution '" + *k + "' (constant, uniform, exponential, lognormal, bimodal)");
  }

  std::string file_;
  std::vector<Error> errors_;
};

#define UPS_TRY(var, expr)                          \
  auto var = (expr);                                \
  if (!var) return tl::unexpected(var.error())
#define UPS_TRY_STATUS(expr)                        \
  do {                                              \
    auto _st = (expr);                              \
    if (!_st) return tl::unexpected(_st.error());   \
  } while (0)

struct ProgramParser {  // a group's `program` from its config nodes
  Reader& r;
  const Workload& w;
  const std::vector<std::string>& group_names;
  Program& prog;

  Result<u32> object(const ConfigNode& n, const std::string& path, SyncKind kind) {
    UPS_TRY(name, r.string(n, path));
    int idx = w.find_object(*name);
    const char* what = kind == SyncKind::event ? "event" : kind == SyncKind::channel ? "channel" : "lock";
    if (idx < 0 || w.objects[idx].kind != kind)
      return r.fail(n, path, std::string("unknown ") + what + " '" + *name + "' (declare it in '" +
                                 what + "s')");
    return static_cast<u32>(idx);
  }

  Status block(const ConfigNode& list, const std::string& path, int depth) {
    if (list.type != ConfigNode::Type::array)
      return r.fail(list, path, std::string("must be an array of instructions, not ") + list.type_name());
    for (size_t i = 0; i < list.items.size(); ++i)
      UPS_TRY_STATUS(instr(list.items[i], Reader::index(path, i), depth));
    return {};
  }

  Status instr(const ConfigNode& n, const std::string& path, int depth) {
    if (n.type != ConfigNode::Type::table || n.fields.empty())
      return r.fail(n, path, "an instruction is a table with one operation, e.g. { compute = \"1ms\" }");
    // The operation is the one key that is not a modifier (count, body).
    const ConfigField* opf = nullptr;
    for (auto& f : n.fields)
      if (f.key != "count" && f.key != "body" && !opf) opf = &f;
    if (!opf) return r.fail(n, path, "an instruction needs an operation, e.g. { compute = \"1ms\" }");
    const std::string& op = opf->key;
    const ConfigNode& v = opf->value;
    std::string vpath = Reader::join(path, op);
    Instr in;
    in.line = v.line;
    auto count_field = [&](s64 dflt) -> Result<u32> {
      const ConfigNode* c = n.find("count");
      if (!c) return static_cast<u32>(dflt);
      UPS_TRY(x, r.integer(*c, Reader::join(path, "count"), 1, 1000000));
      return static_cast<u32>(*x);
    };
    if (op == "compute" || op == "sleep") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"compute", "sleep"}));
      UPS_TRY(d, r.distribution(v, vpath));
      in.op = op == "compute" ? OpCode::compute : OpCode::sleep;
      in.arg = static_cast<u32>(prog.dists.size());
      prog.dists.push_back(*d);
    } else if (op == "wait" || op == "spin" || op == "signal") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"wait", "spin", "signal", "count"}));
      UPS_TRY(o, object(v, vpath, SyncKind::event));
      in.op = op == "wait" ? OpCode::wait : op == "spin" ? OpCode::spin : OpCode::signal;
      in.arg = *o;
      UPS_TRY(c, count_field(1));
      in.arg2 = *c;
    } else if (op == "lock" || op == "unlock" || op == "spin_lock") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"lock", "unlock", "spin_lock"}));
      UPS_TRY(o, object(v, vpath, SyncKind::lock));
      in.op = op == "lock" ? OpCode::lock : op == "unlock" ? OpCode::unlock : OpCode::spin_lock;
      in.arg = *o;
    } else if (op == "send" || op == "recv") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"send", "recv", "count"}));
      UPS_TRY(o, object(v, vpath, SyncKind::channel));
      in.op = op == "send" ? OpCode::send : OpCode::recv;
      in.arg = *o;
      UPS_TRY(c, count_field(1));
      in.arg2 = *c;
    } else if (op == "fork") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"fork", "count"}));
      UPS_TRY(name, r.string(v, vpath));
      int g = -1;
      for (size_t i = 0; i < group_names.size(); ++i)
        if (group_names[i] == *name) g = static_cast<int>(i);
      if (g < 0) return r.fail(v, vpath, "unknown task group '" + *name + "'");
      in.op = OpCode::fork;
      in.arg = static_cast<u32>(g);
      UPS_TRY(c, count_field(1));
      in.arg2 = *c;
    } else if (op == "yield" || op == "begin" || op == "complete" || op == "exit") {
      UPS_TRY_STATUS(r.check_fields(n, path, {"yield", "begin", "complete", "exit"}));
      if (v.type != ConfigNode::Type::boolean || !v.b)
        return r.fail(v, vpath, "write '" + op + " = true'");
      in.op = op == "yield" ? OpCode::yield : op == "begin" ? OpCode::begin
            : op == "complete" ? OpCode::complete : OpCode::exit;
    } else if (op == "repeat" || op == "forever") {
      if (depth >= kMaxLoopDepth)
        return r.fail(v, vpath, "loops nest at most " + std::to_string(kMaxLoopDepth) + " deep");
      const ConfigNode* body;
      if (op == "repeat") {
        UPS_TRY_STATUS(r.check_fields(n, path, {"repeat", "body"}));
        UPS_TRY(c, r.integer(v, vpath, 1, 1000000000));
        in.arg = static_cast<u32>(*c);
        body = n.find("body");
        if (!body) return r.fail(n, path, "'repeat' needs a 'body' array");
      } else {
        UPS_TRY_STATUS(r.check_fields(n, path, {"forever"}));
        in.arg = 0;
        body = &v;
      }
      in.op = OpCode::repeat;
      in.depth = static_cast<u8>(depth);
      prog.code.push_back(in);
      u32 start = static_cast<u32>(prog.code.size());
      std::string bpath = op == "repeat" ? Reader::join(path, "body") : vpath;
      UPS_TRY_STATUS(block(*body, bpath, depth + 1));
      if (prog.code.size() == start) return r.fail(*body, bpath, "empty loop body");
      Instr end;
      end.op = OpCode::end_repeat;
      end.depth = static_cast<u8>(depth);
      end.arg2 = start;
      end.line = in.line;
      prog.code.push_back(end);
      return {};
    } else {
      return r.fail(v, vpath,
                    "unknown operation '" + op +
                        "' (compute, sleep, wait, signal, send, recv, spin, lock, unlock, spin_lock, fork, "
                        "yield, begin, complete, exit, repeat, forever)");
    }
    prog.code.push_back(in);
    return {};
  }
};

Status read_objects(Reader& r, const ConfigNode& root, std::string_view key, SyncKind kind,
                    Workload& w) {
  const ConfigNode* list = root.find(key);
  if (!list) return {};
  std::string path(key);
  if (list->type != ConfigNode::Type::array)
    return r.fail(*list, path, "must be an array of names");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& it = list->items[i];
      std::string ipath = Reader::index(path, i);
      SyncDecl d;
      d.kind = kind;
      if (it.type == ConfigNode::Type::table && kind != SyncKind::lock) {
        const char* init_key = kind == SyncKind::event ? "tokens" : "messages";
        UPS_TRY_STATUS(r.check_fields(it, ipath, {"name", init_key}));
        const ConfigNode* nm = it.find("name");
        if (!nm) return r.fail(it, ipath, "needs 'name'");
        UPS_TRY(s, r.string(*nm, Reader::join(ipath, "name")));
        d.name = *s;
        if (const ConfigNode* t = it.find(init_key)) {
          UPS_TRY(x, r.integer(*t, Reader::join(ipath, init_key), 0, 1 << 30));
          d.initial = static_cast<u32>(*x);
        }
      } else {
        UPS_TRY(s, r.string(it, ipath));
        d.name = *s;
      }
      if (d.name.empty()) return r.fail(it, ipath, "empty name");
      if (w.find_object(d.name) >= 0)
        return r.fail(it, ipath, "duplicate event, channel or lock '" + d.name + "'");
      w.objects.push_back(d);
      return {};
    }());
  }
  return {};
}

Result<Principal> principal(Reader& r, const ConfigNode& n, const std::string& path) {
  Principal p;
  if (const ConfigNode* u = n.find("uid")) {
    UPS_TRY(x, r.integer(*u, Reader::join(path, "uid"), 0, 0xffffffffLL));
    p.uid = static_cast<u32>(*x);
  }
  if (const ConfigNode* g = n.find("gid")) {
    UPS_TRY(x, r.integer(*g, Reader::join(path, "gid"), 0, 0xffffffffLL));
    p.gid = static_cast<u32>(*x);
  } else {
    p.gid = p.uid;
  }
  return p;
}

Result<CpuMask> cpus(Reader& r, const ConfigNode& n, const std::string& path) {
  UPS_TRY(s, r.string(n, path));
  auto m = parse_cpu_list(*s);
  if (!m) return r.fail(n, path, m.error().message);
  return *m;
}

// [[cgroups]]: each path well formed, not declared twice, under the root
// or a cgroup declared before it.
Status read_cgroups(Reader& r, const ConfigNode& root, Workload& w) {
  const ConfigNode* list = root.find("cgroups");
  if (!list) return {};
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "cgroups", "must be an array of tables");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& c = list->items[i];
      const std::string path = Reader::index("cgroups", i);
      UPS_TRY_STATUS(r.check_fields(c, path, {"path", "weight"}));
      CgroupDecl d;
      d.line = c.line;
      const ConfigNode* p = c.find("path");
      if (!p) return r.fail(c, path, "a cgroup needs 'path' (e.g. \"/batch\")");
      UPS_TRY(s, r.string(*p, Reader::join(path, "path")));
      if (auto ok = check_cgroup_path(*s); !ok) return r.fail(*p, Reader::join(path, "path"), ok.error().message);
      if (*s == "/") return r.fail(*p, Reader::join(path, "path"), "the root cgroup '/' exists already");
      for (const auto& o : w.cgroups)
        if (o.path == *s) return r.fail(*p, Reader::join(path, "path"), "duplicate cgroup '" + *s + "'");
      const std::string parent = s->substr(0, std::max<size_t>(s->rfind('/'), 1));
      const bool parent_known = parent == "/" || std::any_of(w.cgroups.begin(), w.cgroups.end(),
                                                             [&](const CgroupDecl& o) { return o.path == parent; });
      if (!parent_known)
        return r.fail(*p, Reader::join(path, "path"),
                      "its parent '" + parent + "' is not declared (declare it in an earlier [[cgroups]])");
      d.path = *s;
      if (const ConfigNode* wt = c.find("weight")) {
        UPS_TRY(x, r.integer(*wt, Reader::join(path, "weight"), kCgroupWeightMin, kCgroupWeightMax));
        d.weight = static_cast<u32>(*x);
      }
      w.cgroups.push_back(std::move(d));
      return {};
    }());
  }
  return {};
}

// A cgroup path that names the root or a declared cgroup.
Result<std::string> cgroup_ref(Reader& r, const Workload& w, const ConfigNode& n, const std::string& path) {
  UPS_TRY(s, r.string(n, path));
  if (*s == "/" || std::any_of(w.cgroups.begin(), w.cgroups.end(), [&](const CgroupDecl& d) { return d.path == *s; }))
    return *s;
  return r.fail(n, path, "unknown cgroup '" + *s + "' (declare it in [[cgroups]])");
}

// [[cgroup_moves]]: a declared group moves to a declared cgroup at a time.
Status read_cgroup_moves(Reader& r, const ConfigNode& root, Workload& w) {
  const ConfigNode* list = root.find("cgroup_moves");
  if (!list) return {};
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "cgroup_moves", "must be an array of tables");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& c = list->items[i];
      const std::string path = Reader::index("cgroup_moves", i);
      UPS_TRY_STATUS(r.check_fields(c, path, {"group", "to", "at"}));
      CgroupMove m;
      m.line = c.line;
      const ConfigNode* g = c.find("group");
      const ConfigNode* to = c.find("to");
      const ConfigNode* at = c.find("at");
      if (!g || !to || !at) return r.fail(c, path, "a cgroup move needs 'group', 'to' and 'at'");
      UPS_TRY(gname, r.string(*g, Reader::join(path, "group")));
      const int gi = w.find_group(*gname);
      if (gi < 0) return r.fail(*g, Reader::join(path, "group"), "unknown task group '" + *gname + "'");
      m.group = static_cast<u32>(gi);
      UPS_TRY(dst, cgroup_ref(r, w, *to, Reader::join(path, "to")));
      m.to = *dst;
      UPS_TRY(t, r.duration(*at, Reader::join(path, "at")));
      m.at = *t;
      w.cgroup_moves.push_back(std::move(m));
      return {};
    }());
  }
  return {};
}

// Task group i ([[tasks]] i). Each field is checked on its own, so that
// every wrong field is reported (Reader::note); the group is kept only if
// all are right.
Status read_group(Reader& r, const ConfigNode& g, size_t i, const std::vector<std::string>& names, Workload& w) {
  const std::string path = Reader::index("tasks", i);
  const size_t errors_before = r.errors().size();
  // Reads field `key` with `read` (which sets the group's value), noting a failure.
  auto field = [&](const char* key, auto read) {
    if (const ConfigNode* c = g.find(key)) r.note(read(*c, Reader::join(path, key)));
  };
  TaskGroup tg;
  tg.name = names[i];
  tg.line = g.line;
  field("count", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(x, r.integer(c, p, 0, 1000000));
    tg.count = static_cast<u32>(*x);
    return {};
  });
  field("weight", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(x, r.integer(c, p, 1, 10000));
    tg.weight = static_cast<u32>(*x);
    return {};
  });
  field("nice", [&](const ConfigNode& c, const std::string& p) -> Status {
    if (g.find("weight")) return r.fail(c, p, "give 'weight' or 'nice', not both");
    UPS_TRY(x, r.integer(c, p, -20, 19));
    tg.weight = nice_to_weight(static_cast<int>(*x));
    return {};
  });
  if (auto pr = principal(r, g, path)) tg.owner = *pr;
  else r.note(tl::unexpected(pr.error()));
  field("affinity", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(m, cpus(r, c, p));
    tg.affinity = *m;
    return {};
  });
  field("class", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(x, r.string(c, p));
    tg.class_name = *x;
    return {};
  });
  field("start", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(x, r.duration(c, p));
    tg.start = *x;
    return {};
  });
  field("cgroup", [&](const ConfigNode& c, const std::string& p) -> Status {
    UPS_TRY(x, cgroup_ref(r, w, c, p));
    tg.cgroup = *x;
    return {};
  });
  const ConfigNode* prog = g.find("program");
  if (!prog) return r.fail(g, path, "a task group needs 'program'");
  ProgramParser b{r, w, names, tg.program};
  UPS_TRY_STATUS(b.block(*prog, Reader::join(path, "program"), 0));
  if (tg.program.code.empty()) return r.fail(*prog, Reader::join(path, "program"), "empty program");
  if (r.errors().size() == errors_before) w.groups.push_back(std::move(tg));
  return {};
}

Status read_groups(Reader& r, const ConfigNode& root, Workload& w) {
  const ConfigNode* list = root.find("tasks");
  if (!list) return r.fail(root, "tasks", "a workload needs at least one [[tasks]] group");
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "tasks", "must be an array of tables");
  // Names first (a program may fork any group); a group whose name or
  // fields are wrong is reported here and skipped below.
  std::vector<std::string> names(list->items.size());
  std::vector<bool> named(list->items.size(), false);
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& g = list->items[i];
      std::string path = Reader::index("tasks", i);
      UPS_TRY_STATUS(r.check_fields(g, path, {"name", "count", "weight", "nice", "uid", "gid",
                                              "affinity", "class", "cgroup", "start", "program"}));
      const ConfigNode* nm = g.find("name");
      if (!nm) return r.fail(g, path, "a task group needs 'name'");
      UPS_TRY(s, r.string(*nm, Reader::join(path, "name")));
      for (auto& other : names)
        if (other == *s) return r.fail(*nm, Reader::join(path, "name"), "duplicate task group '" + *s + "'");
      names[i] = *s;
      named[i] = true;
      return {};
    }());
  }
  for (size_t i = 0; i < list->items.size(); ++i) {
    if (named[i]) r.note(read_group(r, list->items[i], i, names, w));
  }
  return {};
}

Status read_arrivals(Reader& r, const ConfigNode& root, Workload& w) {
  const ConfigNode* list = root.find("arrivals");
  if (!list) return {};
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "arrivals", "must be an array of tables");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& a = list->items[i];
      std::string path = Reader::index("arrivals", i);
      UPS_TRY_STATUS(r.check_fields(a, path, {"channel", "interarrival", "rate", "count", "start"}));
      ArrivalSource src;
      const ConfigNode* ch = a.find("channel");
      if (!ch) return r.fail(a, path, "an arrival source needs 'channel'");
      UPS_TRY(name, r.string(*ch, Reader::join(path, "channel")));
      int idx = w.find_object(*name);
      if (idx < 0 || w.objects[idx].kind != SyncKind::channel)
        return r.fail(*ch, Reader::join(path, "channel"), "unknown channel '" + *name + "'");
      src.channel = static_cast<u32>(idx);
      const ConfigNode* ia = a.find("interarrival");
      const ConfigNode* rate = a.find("rate");
      if (ia && rate) return r.fail(*rate, Reader::join(path, "rate"), "give 'rate' or 'interarrival', not both");
      if (ia) {
        UPS_TRY(d, r.distribution(*ia, Reader::join(path, "interarrival")));
        src.interarrival = *d;
      } else if (rate) {
        if (!rate->is_number() || !(rate->number() > 0))
          return r.fail(*rate, Reader::join(path, "rate"), "rate (requests per second) must be above 0");
        src.interarrival = Distribution::exponential(
            static_cast<TimeNs>(1e9 / rate->number()));
      } else {
        return r.fail(a, path, "an arrival source needs 'rate' or 'interarrival'");
      }
      if (src.interarrival.mean() < 1)
        return r.fail(a, path, "arrivals must be at least 1ns apart on average");
      if (const ConfigNode* c = a.find("count")) {
        UPS_TRY(x, r.integer(*c, Reader::join(path, "count"), 1, 1LL << 40));
        src.count = static_cast<u64>(*x);
      }
      if (const ConfigNode* c = a.find("start")) {
        UPS_TRY(x, r.duration(*c, Reader::join(path, "start")));
        src.start = *x;
      }
      w.arrivals.push_back(src);
      return {};
    }());
  }
  return {};
}

Status read_classes(Reader& r, const ConfigNode& root, Workload& w) {
  const ConfigNode* list = root.find("classes");
  if (!list) return {};
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "classes", "must be an array of tables");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& c = list->items[i];
      std::string path = Reader::index("classes", i);
      UPS_TRY_STATUS(r.check_fields(c, path, {"name", "policy", "uid", "gid", "slot", "cpus",
                                              "load_at", "unload_at", "replace_at", "replace_with"}));
      ClassDecl d;
      d.line = c.line;
      const ConfigNode* pol = c.find("policy");
      if (!pol) return r.fail(c, path, "a class needs 'policy'");
      UPS_TRY(ps, r.string(*pol, Reader::join(path, "policy")));
      d.policy = *ps;
      d.name = d.policy;
      if (const ConfigNode* n = c.find("name")) {
        UPS_TRY(x, r.string(*n, Reader::join(path, "name")));
        d.name = *x;
      }
      for (auto& other : w.classes)
        if (other.name == d.name) return r.fail(c, path, "duplicate class name '" + d.name + "'");
      UPS_TRY(pr, principal(r, c, path));
      d.principal = *pr;
      if (const ConfigNode* n = c.find("slot")) {
        UPS_TRY(x, r.string(*n, Reader::join(path, "slot")));
        if (*x == "above_fair") d.slot = ChainSlot::above_fair;
        else if (*x == "below_fair") d.slot = ChainSlot::below_fair;
        else return r.fail(*n, Reader::join(path, "slot"), "slot is 'above_fair' or 'below_fair'");
      }
      if (const ConfigNode* n = c.find("cpus")) {
        UPS_TRY(m, cpus(r, *n, Reader::join(path, "cpus")));
        d.cpus = *m;
      }
      auto time_field = [&](const char* key) -> Result<std::optional<TimeNs>> {
        const ConfigNode* n = c.find(key);
        if (!n) return std::optional<TimeNs>{};
        UPS_TRY(x, r.duration(*n, Reader::join(path, key)));
        return std::optional<TimeNs>{*x};
      };
      UPS_TRY(load, time_field("load_at"));
      d.load_at = load->value_or(0);
      UPS_TRY(unload, time_field("unload_at"));
      d.unload_at = *unload;
      UPS_TRY(repl, time_field("replace_at"));
      d.replace_at = *repl;
      if (const ConfigNode* n = c.find("replace_with")) {
        UPS_TRY(x, r.string(*n, Reader::join(path, "replace_with")));
        d.replace_with = *x;
      }
      if (d.replace_at.has_value() != !d.replace_with.empty())
        return r.fail(c, path, "'replace_at' and 'replace_with' go together");
      if (d.unload_at && *d.unload_at < d.load_at)
        return r.fail(*c.find("unload_at"), Reader::join(path, "unload_at"), "unload_at is before load_at");
      if (d.replace_at && (*d.replace_at < d.load_at || (d.unload_at && *d.replace_at > *d.unload_at)))
        return r.fail(*c.find("replace_at"), Reader::join(path, "replace_at"),
                      "replace_at must lie between load_at and unload_at");
      w.classes.push_back(std::move(d));
      return {};
    }());
  }
  return {};
}


Status read_vms(Reader& r, const ConfigNode& root, const std::string& source, Workload& w);

// The parts of a workload in `root`; `prefix` is the path of a VM's guest
// workload ("vms[0].guest."), empty at the top.
Workload read_workload(Reader& r, const ConfigNode& root, const std::string& source, const std::string& prefix) {
  if (prefix.empty())
    r.note(r.check_fields(root, "", {"name", "events", "channels", "locks", "tasks", "arrivals", "classes", "vms",
                                     "cgroups", "cgroup_moves"}));
  else  // a guest runs no VMs of its own
    r.note(r.check_fields(root, prefix.substr(0, prefix.size() - 1),
                          {"name", "events", "channels", "locks", "tasks", "arrivals", "classes"}));
  Workload w;
  w.source = source;
  w.name = source;
  if (const ConfigNode* n = root.find("name")) {
    auto s = r.string(*n, prefix + "name");
    if (s) w.name = *s;
    else r.note(tl::unexpected(s.error()));
  }
  r.note(read_objects(r, root, "events", SyncKind::event, w));
  r.note(read_objects(r, root, "channels", SyncKind::channel, w));
  r.note(read_objects(r, root, "locks", SyncKind::lock, w));
  r.note(read_classes(r, root, w));
  if (prefix.empty()) r.note(read_cgroups(r, root, w));
  if (prefix.empty()) r.note(read_vms(r, root, source, w));
  if (w.vms.empty() || root.find("tasks")) r.note(read_groups(r, root, w));
  if (prefix.empty()) r.note(read_cgroup_moves(r, root, w));
  r.note(read_arrivals(r, root, w));
  return w;
}

Status read_vms(Reader& r, const ConfigNode& root, const std::string& source, Workload& w) {
  const ConfigNode* list = root.find("vms");
  if (!list) return {};
  if (list->type != ConfigNode::Type::array) return r.fail(*list, "vms", "must be an array of tables");
  for (size_t i = 0; i < list->items.size(); ++i) {
    r.note([&]() -> Status {
      const ConfigNode& v = list->items[i];
      const std::string path = Reader::index("vms", i);
      UPS_TRY_STATUS(r.check_fields(v, path, {"name", "count", "vcpus", "weight", "class", "ple_window",
                                              "halt_poll", "vcpu_pin", "guest_policies", "guest"}));
      VmDecl d;
      d.line = v.line;
      d.name = "vm" + std::to_string(i);
      if (const ConfigNode* n = v.find("name")) {
        UPS_TRY(x, r.string(*n, Reader::join(path, "name")));
        d.name = *x;
      }
      auto integer = [&](const char* key, s64 lo, s64 hi, u32& out) -> Status {
        if (const ConfigNode* n = v.find(key)) {
          UPS_TRY(x, r.integer(*n, Reader::join(path, key), lo, hi));
          out = static_cast<u32>(*x);
        }
        return {};
      };
      UPS_TRY_STATUS(integer("count", 1, 1024, d.count));
      UPS_TRY_STATUS(integer("vcpus", 1, kMaxCpus, d.vcpus));
      UPS_TRY_STATUS(integer("weight", 1, 10000, d.weight));
      if (const ConfigNode* n = v.find("class")) {
        UPS_TRY(x, r.string(*n, Reader::join(path, "class")));
        d.class_name = *x;
      }
      if (const ConfigNode* n = v.find("ple_window")) {
        UPS_TRY(x, r.duration(*n, Reader::join(path, "ple_window")));
        d.ple_window = *x;
      }
      if (const ConfigNode* n = v.find("halt_poll")) {
        UPS_TRY(x, r.duration(*n, Reader::join(path, "halt_poll")));
        d.halt_poll = *x;
      }
      if (const ConfigNode* n = v.find("vcpu_pin")) {
        const std::string p = Reader::join(path, "vcpu_pin");
        if (n->type != ConfigNode::Type::array) return r.fail(*n, p, "must be a list of CPU lists, one per vCPU");
        if (n->items.size() > d.vcpus)
          return r.fail(*n, p, "pins " + std::to_string(n->items.size()) + " vCPUs, but the VM has " + std::to_string(d.vcpus));
        for (size_t k = 0; k < n->items.size(); ++k) {
          UPS_TRY(m, cpus(r, n->items[k], Reader::index(p, k)));
          d.vcpu_pin.push_back(*m);
        }
      }
      if (const ConfigNode* n = v.find("guest_policies")) {
        const std::string p = Reader::join(path, "guest_policies");
        if (n->type != ConfigNode::Type::array) return r.fail(*n, p, "must be a list of policy specs");
        for (size_t k = 0; k < n->items.size(); ++k) {
          UPS_TRY(x, r.string(n->items[k], Reader::index(p, k)));
          d.guest_policies.push_back(*x);
        }
      }
      const ConfigNode* g = v.find("guest");
      if (!g) return r.fail(v, path, "a VM needs 'guest', the workload its guest runs");
      const size_t errors_before = r.errors().size();
      Workload gw = read_workload(r, *g, source, Reader::join(path, "guest") + ".");
      if (r.errors().size() != errors_before) return {};  // reported already
      gw.name = d.name;
      if (auto st = validate_workload(gw); !st) return st;
      d.guest = std::make_shared<const Workload>(std::move(gw));
      for (auto& other : w.vms)
        if (other.name == d.name) return r.fail(v, path, "duplicate VM name '" + d.name + "'");
      w.vms.push_back(std::move(d));
      return {};
    }());
  }
  return {};
}
}  // namespace

Status validate_workload(const Workload& w) {
  // Every problem is collected; a group's program check stops at its first.
  std::vector<Error> errors;
  auto fail = [&](const TaskGroup& g, int line, std::string msg) {
    errors.push_back(Error{ErrorKind::invalid_argument, std::move(msg),
                           SourceLoc{w.source, line, 0, "task group '" + g.name + "'"}});
    return false;
  };
  if (w.groups.empty() && w.vms.empty())
    return make_error(ErrorKind::invalid_argument, "a workload needs at least one task group",
                      SourceLoc{w.source, 0, 0, ""});
  auto check_program = [&](const TaskGroup& g) {
    // Every loop body must be able to take time or block, else the task
    // would loop forever at one instant of virtual time.
    std::vector<bool> takes_time;  // per open loop
    for (auto& in : g.program.code) {
      switch (in.op) {
        case OpCode::repeat: takes_time.push_back(false); break;
        case OpCode::end_repeat: {
          bool t = takes_time.back();
          takes_time.pop_back();
          if (!t)
            return fail(g, in.line,
                        "loop body never takes time (add compute, sleep, wait, recv, spin or yield)");
          if (!takes_time.empty()) takes_time.back() = true;
          break;
        }
        case OpCode::compute: case OpCode::sleep: case OpCode::wait: case OpCode::recv:
        case OpCode::spin: case OpCode::yield: case OpCode::poll_recv: case OpCode::spin_lock:
        case OpCode::user_half:
          if (!takes_time.empty()) takes_time.back() = true;
          break;
        default: break;
      }
      if (in.op == OpCode::fork && in.arg >= w.groups.size())
        return fail(g, in.line, "fork of an unknown group");
      if ((in.op == OpCode::compute || in.op == OpCode::sleep) && in.arg >= g.program.dists.size())
        return fail(g, in.line, "bad distribution index");
      if (in.op == OpCode::poll_recv && in.arg2 + 1 >= g.program.dists.size())
        return fail(g, in.line, "bad distribution index");
    }
    return true;
  };
  for (auto& g : w.groups) {
    if (g.weight < 1 || g.weight > 10000) fail(g, g.line, "weight must be in 1..10000");
    check_program(g);
    if (!g.class_name.empty()) {
      bool found = false;
      for (auto& c : w.classes) found |= (c.name == g.class_name);
      if (!found) fail(g, g.line, "unknown class '" + g.class_name + "' (declare it in 'classes')");
    }
  }
  for (auto& vm : w.vms) {
    if (vm.class_name.empty()) continue;
    bool found = false;
    for (auto& c : w.classes) found |= (c.name == vm.class_name);
    if (!found)
      errors.push_back(Error{ErrorKind::invalid_argument,
                             "unknown class '" + vm.class_name + "' (declare it in 'classes')",
                             SourceLoc{w.source, vm.line, 0, "VM '" + vm.name + "'"}});
  }
  if (!errors.empty()) return tl::unexpected(all_errors(std::move(errors)));
  return {};
}

Result<Workload> parse_workload(std::string_view text, const std::string& name) {
  auto root = parse_config(text, name);
  if (!root) return tl::unexpected(root.error());
  Reader r(name);
  Workload w = read_workload(r, *root, name, "");
  // The checks of the whole need every part read.
  if (r.errors().empty()) r.note(validate_workload(w));
  if (!r.errors().empty()) return tl::unexpected(all_errors(std::move(r.errors())));
  return w;
}

Result<Workload> load_workload_file(const std::string& path) {
  auto text = read_bounded_file(path, FileKind::workload);
  if (!text) return tl::unexpected(text.error());
  return parse_workload(*text, path);
}

}  // namespace ups::workload
