// Test world for the verifier (see test_env.h).
#include "test_env.h"

#include <map>
#include <sstream>

#include <fmt/format.h>

namespace ups::verifier::test {
namespace {

const std::vector<std::string> kAllCaps = {"sched.kick", "sched.inspect", "sched.events", "sched.locks",
                                           "sched.timer", "sched.virt"};

std::string need(const Caps& caps, const std::string& cap) {
  return caps.count(cap) ? "" : "needs capability " + cap;
}

struct Callable {
  u32 id;
  Prototype proto;
  std::vector<std::string> callbacks;  // empty: any
  std::string cap;                     // empty: none
};

u64 type_bit(bpf::MapType t) { return u64{1} << static_cast<u32>(t); }

ArgSpec a(ArgKind k, s32 st = -1) {
  ArgSpec s;
  s.kind = k;
  s.struct_index = st;
  return s;
}

Prototype proto(std::string name, std::vector<ArgSpec> args, RetKind ret = RetKind::scalar) {
  Prototype p;
  p.name = std::move(name);
  for (size_t i = 0; i < args.size(); ++i) p.args[i] = args[i];
  p.ret = ret;
  return p;
}

const std::vector<std::string> kInsertOps = {"select_cpu", "enqueue", "dispatch"};
const std::vector<std::string> kSleepableOps = {"init", "init_task", "exit"};

std::vector<Callable> kfuncs() {
  auto S = ArgKind::scalar;
  std::vector<Callable> k;
  k.push_back({0, proto("scx_bpf_dsq_insert", {a(ArgKind::struct_ptr, kTask), a(S), a(S), a(S)}, RetKind::void_), kInsertOps, ""});
  k.push_back({1, proto("scx_bpf_dsq_insert_vtime", {a(ArgKind::struct_ptr, kTask), a(S), a(S), a(S), a(S)}, RetKind::void_), kInsertOps, ""});
  Prototype move = proto("scx_bpf_dsq_move_to_local", {a(S)});
  move.ret_range = {0, 1};
  k.push_back({2, move, {"dispatch"}, ""});
  Prototype create = proto("scx_bpf_create_dsq", {a(S), a(S)});
  create.sleepable = true;
  create.ret_range = {-4095, 0};
  k.push_back({3, create, kSleepableOps, ""});
  k.push_back({4, proto("scx_bpf_kick_cpu", {a(S), a(S)}, RetKind::void_), {}, "sched.kick"});
  k.push_back({5, proto("scx_bpf_dsq_nr_queued", {a(S)}), {}, ""});
  Prototype dfl = proto("scx_bpf_select_cpu_dfl", {a(ArgKind::struct_ptr, kTask), a(S), a(S), a(ArgKind::mem_uninit)});
  dfl.args[3].size = 1;
  dfl.ret_range = {0, 1023};
  k.push_back({6, dfl, {"select_cpu", "enqueue"}, ""});
  Prototype from_pid = proto("bpf_task_from_pid", {a(S)}, RetKind::struct_ptr);
  from_pid.ret_struct = kTask;
  from_pid.ret_null = true;
  from_pid.acquire = true;
  k.push_back({7, from_pid, {}, "sched.inspect"});
  Prototype release = proto("bpf_task_release", {a(ArgKind::struct_ptr, kTask)}, RetKind::void_);
  release.args[0].release = true;
  k.push_back({8, release, {}, ""});
  Prototype idle = proto("scx_bpf_get_idle_cpumask", {}, RetKind::struct_ptr);
  idle.ret_struct = kCpumask;
  idle.acquire = true;
  k.push_back({9, idle, {}, ""});
  Prototype put = proto("scx_bpf_put_idle_cpumask", {a(ArgKind::struct_ptr, kCpumask)}, RetKind::void_);
  put.args[0].release = true;
  k.push_back({10, put, {}, ""});
  Prototype pick = proto("scx_bpf_pick_idle_cpu", {a(ArgKind::struct_ptr, kCpumask), a(S)});
  pick.ret_range = {-16, 1023};
  k.push_back({11, pick, {}, ""});
  k.push_back({12, proto("scx_bpf_now", {}), {}, ""});
  k.push_back({13, proto("upsched_task_wait_event", {a(ArgKind::struct_ptr, kTask)}), {}, "sched.events"});
  Prototype task_cpu = proto("scx_bpf_task_cpu", {a(ArgKind::struct_ptr, kTask)});
  task_cpu.ret_range = {0, 1023};
  k.push_back({14, task_cpu, {}, ""});
  Prototype acq = proto("bpf_task_acquire", {a(ArgKind::struct_ptr, kTask)}, RetKind::struct_ptr);
  acq.ret_struct = kTask;
  acq.ret_null = true;
  acq.acquire = true;
  k.push_back({15, acq, {}, ""});
  // Open-coded iterators (bpf_for).
  auto iter = [](s32 type) {
    ArgSpec s = a(ArgKind::iter, type);
    return s;
  };
  Prototype it_new = proto("bpf_iter_num_new", {iter(kIterNum), a(S), a(S)});
  it_new.special = Special::iter_new;
  it_new.ret_range = {-22, 0};
  k.push_back({16, it_new, {}, ""});
  Prototype it_next = proto("bpf_iter_num_next", {iter(kIterNum)}, RetKind::struct_ptr);
  it_next.ret_struct = kInt;
  it_next.ret_null = true;
  it_next.special = Special::iter_next;
  k.push_back({17, it_next, {}, ""});
  Prototype it_destroy = proto("bpf_iter_num_destroy", {iter(kIterNum)}, RetKind::void_);
  it_destroy.special = Special::iter_destroy;
  k.push_back({18, it_destroy, {}, ""});
  Prototype dsq_new = proto("bpf_iter_scx_dsq_new", {iter(kIterDsq), a(S), a(S)});
  dsq_new.special = Special::iter_new;
  k.push_back({19, dsq_new, {}, ""});
  Prototype dsq_destroy = proto("bpf_iter_scx_dsq_destroy", {iter(kIterDsq)}, RetKind::void_);
  dsq_destroy.special = Special::iter_destroy;
  k.push_back({20, dsq_destroy, {}, ""});
  // bpf_cpumask: a mutable mask the policy owns; a const struct cpumask *
  // argument takes one too.
  Prototype mask_create = proto("bpf_cpumask_create", {}, RetKind::struct_ptr);
  mask_create.ret_struct = kBpfCpumask;
  mask_create.ret_null = true;
  mask_create.acquire = true;
  k.push_back({21, mask_create, {}, ""});
  Prototype mask_release = proto("bpf_cpumask_release", {a(ArgKind::struct_ptr, kBpfCpumask)}, RetKind::void_);
  mask_release.args[0].release = true;
  k.push_back({22, mask_release, {}, ""});
  ArgSpec const_mask = a(ArgKind::struct_ptr, kCpumask);
  const_mask.struct_alt = kBpfCpumask;
  Prototype test_cpu = proto("bpf_cpumask_test_cpu", {a(S), const_mask});
  test_cpu.ret_range = {0, 1};
  k.push_back({23, test_cpu, {}, ""});
  k.push_back({24, proto("bpf_cpumask_set_cpu", {a(S), a(ArgKind::struct_ptr, kBpfCpumask)}, RetKind::void_), {}, ""});
  // scx_bpf_error, as src/policy/api_sets.cpp declares it (fmt_str, mem,
  // mem_size): the host stops the program at the call; its memory, as every
  // kfunc's, must be writable.
  ArgSpec fmt = a(ArgKind::mem);
  fmt.size = 1;
  fmt.writable = true;
  ArgSpec data = a(ArgKind::mem);
  data.writable = true;
  Prototype error = proto("scx_bpf_error_bstr", {fmt, data, a(ArgKind::mem_size_or_zero)}, RetKind::void_);
  error.ends_run = true;
  k.push_back({25, error, {}, ""});
  // bpf_res_spin_lock/unlock and the RCU section kfuncs, as api_sets.cpp
  // declares them (the lock never fails in upsched: it returns 0).
  Prototype res_lock = proto("bpf_res_spin_lock", {a(ArgKind::res_spin_lock)});
  res_lock.special = Special::res_spin_lock;
  res_lock.ret_range = {0, 0};
  k.push_back({26, res_lock, {}, ""});
  Prototype res_unlock = proto("bpf_res_spin_unlock", {a(ArgKind::res_spin_lock)}, RetKind::void_);
  res_unlock.special = Special::res_spin_unlock;
  k.push_back({27, res_unlock, {}, ""});
  Prototype rcu_lock = proto("bpf_rcu_read_lock", {}, RetKind::void_);
  rcu_lock.special = Special::rcu_read_lock;
  k.push_back({28, rcu_lock, {}, ""});
  Prototype rcu_unlock = proto("bpf_rcu_read_unlock", {}, RetKind::void_);
  rcu_unlock.special = Special::rcu_read_unlock;
  k.push_back({29, rcu_unlock, {}, ""});
  return k;
}

std::vector<Callable> helpers() {
  auto S = ArgKind::scalar;
  std::vector<Callable> h;
  h.push_back({1, proto("bpf_map_lookup_elem", {a(ArgKind::map_ptr), a(ArgKind::map_key)}, RetKind::map_value_or_null), {}, ""});
  Prototype update = proto("bpf_map_update_elem", {a(ArgKind::map_ptr), a(ArgKind::map_key), a(ArgKind::map_value), a(S)});
  update.map_types = type_bit(bpf::MapType::hash) | type_bit(bpf::MapType::array);  // not maps of maps
  h.push_back({2, update, {}, ""});
  h.push_back({3, proto("bpf_map_delete_elem", {a(ArgKind::map_ptr), a(ArgKind::map_key)}), {}, ""});
  h.push_back({5, proto("bpf_ktime_get_ns", {}), {}, ""});
  Prototype printk = proto("bpf_trace_printk", {a(ArgKind::mem), a(ArgKind::mem_size)});
  printk.format = FormatSpec{0, 1, FormatSpec::Values::registers, 2};
  h.push_back({6, printk, {}, ""});
  ArgSpec dst = a(ArgKind::mem_uninit), data = a(ArgKind::mem);
  dst.nullable = data.nullable = true;
  Prototype snprintf = proto("bpf_snprintf", {dst, a(ArgKind::mem_size_or_zero), a(ArgKind::const_str), data,
                                              a(ArgKind::mem_size_or_zero)});
  snprintf.format = FormatSpec{2, 2, FormatSpec::Values::array, 3};
  h.push_back({165, snprintf, {}, ""});
  Prototype rnd = proto("bpf_get_prandom_u32", {});
  rnd.ret_range = {0, 0xffffffffLL};
  h.push_back({7, rnd, {}, ""});
  Prototype cpu = proto("bpf_get_smp_processor_id", {});
  cpu.ret_range = {0, 1023};
  h.push_back({8, cpu, {}, ""});
  h.push_back({16, proto("bpf_get_current_comm", {a(ArgKind::mem_uninit), a(ArgKind::mem_size)}), {}, "sched.inspect"});
  Prototype lock = proto("bpf_spin_lock", {a(ArgKind::spin_lock)}, RetKind::void_);
  lock.special = Special::spin_lock;
  h.push_back({93, lock, {}, ""});
  Prototype unlock = proto("bpf_spin_unlock", {a(ArgKind::spin_lock)}, RetKind::void_);
  unlock.special = Special::spin_unlock;
  h.push_back({94, unlock, {}, ""});
  Prototype pop = proto("bpf_map_pop_elem", {a(ArgKind::map_ptr), a(ArgKind::map_value_out)});
  pop.map_types = type_bit(bpf::MapType::queue);
  h.push_back({88, pop, {}, ""});
  h.push_back({169, proto("bpf_timer_init", {a(ArgKind::timer), a(ArgKind::map_ptr), a(S)}), {}, "sched.timer"});
  Prototype set_cb = proto("bpf_timer_set_callback", {a(ArgKind::timer), a(ArgKind::callback)});
  set_cb.special = Special::timer_set_callback;
  h.push_back({170, set_cb, {}, "sched.timer"});
  h.push_back({171, proto("bpf_timer_start", {a(ArgKind::timer), a(S), a(S)}), {}, "sched.timer"});
  Prototype loop = proto("bpf_loop", {a(S), a(ArgKind::callback), a(ArgKind::any), a(S)});
  loop.special = Special::loop;
  h.push_back({181, loop, {}, ""});
  return h;
}

std::string only_from(const std::string& name, const std::vector<std::string>& cbs) {
  std::string list;
  for (size_t i = 0; i < cbs.size(); ++i) list += (i ? (i + 1 == cbs.size() ? " or " : ", ") : "") + cbs[i];
  return fmt::format("{} may only be called from {}", name, list);
}

ApiSet callable_from(const std::string& callback, const Caps& caps);

}  // namespace

Caps all_caps() { return Caps(kAllCaps.begin(), kAllCaps.end()); }

std::vector<StructDesc> test_structs(const Caps& caps) {
  using F = FieldAccess;
  StructDesc task{"task_struct", 128, {}};
  task.fields = {
      {"pid", 0, 4, F::read, "", -1, false},
      {"flags", 4, 4, F::read, "", -1, false},
      {"comm", 8, 16, F::read, need(caps, "sched.inspect"), -1, false},
      {"scx.weight", 24, 4, F::read, "", -1, false},
      {"scx.slice", 32, 8, F::read_write, "", -1, false},
      {"scx.dsq_vtime", 40, 8, F::read_write, "", -1, false},
      {"scx.disallow", 48, 1, F::read_write, "", -1, false},
      {"nr_cpus_allowed", 52, 4, F::read, "", -1, false},
      {"cpus_ptr", 56, 8, F::read, "", kCpumask, false},
      {"upsched.wait_event", 64, 8, F::read, need(caps, "sched.events"), -1, false},
      {"upsched.lock_holder", 72, 8, F::read, need(caps, "sched.locks"), -1, false},
  };
  StructDesc mask{"cpumask", 128, {{"bits", 0, 128, F::read, "", -1, false}}};
  StructDesc exit_info{"scx_exit_info", 32, {{"kind", 0, 4, F::read, "", -1, false},
                                             {"exit_code", 8, 8, F::read, "", -1, false},
                                             {"reason", 16, 16, F::read, "", -1, false}}};
  StructDesc init_args{"scx_init_task_args", 8, {{"fork", 0, 1, F::read, "", -1, false}}};
  StructDesc iter_num{"bpf_iter_num", 8, {}};
  StructDesc int_value{"int", 4, {{"value", 0, 4, F::read, "", -1, false}}};
  StructDesc iter_dsq{"bpf_iter_scx_dsq", 48, {}};
  StructDesc bpf_mask{"bpf_cpumask", 128, {{"cpumask", 0, 128, F::read, "", -1, false}}};
  return {task, mask, exit_info, init_args, iter_num, int_value, iter_dsq, bpf_mask};
}

Result<ContextDesc> callback_ctx(const std::string& name) {
  using K = ArgDesc::Kind;
  ArgDesc task{"p", K::struct_ptr, Scalar::top(), kTask, false};
  ArgDesc cpu{"cpu", K::scalar, Scalar::urange(0, 1023), -1, false};
  ArgDesc flags{"flags", K::scalar, Scalar::top(), -1, false};
  ContextDesc c;
  c.callback = name;
  if (name == "select_cpu") {
    c.args = {task, cpu, flags};
    c.ret = {{0, 1023}};
  } else if (name == "enqueue" || name == "dequeue") {
    c.args = {task, flags};
  } else if (name == "dispatch") {
    ArgDesc prev = task;
    prev.name = "prev";
    prev.nullable = true;
    c.args = {cpu, prev};
  } else if (name == "tick" || name == "running" || name == "enable" || name == "disable") {
    c.args = {task};
  } else if (name == "stopping") {
    c.args = {task, ArgDesc{"runnable", K::scalar, Scalar::urange(0, 1), -1, false}};
  } else if (name == "init_task") {
    c.args = {task, ArgDesc{"args", K::struct_ptr, Scalar::top(), kInitTaskArgs, false}};
    c.ret = {{-4095, 0}};
    c.sleepable = true;
  } else if (name == "init") {
    c.ret = {{-4095, 0}};
    c.sleepable = true;
  } else if (name == "exit") {
    c.args = {ArgDesc{"info", K::struct_ptr, Scalar::top(), kExitInfo, false}};
    c.sleepable = true;
  } else if (name == "prog") {
    c.args = {flags};
  } else {
    return make_error(ErrorKind::not_found, "unknown test callback " + name);
  }
  return c;
}

ApiSet test_api(const std::string& callback, const Caps& caps) {
  ApiSet api = callable_from(callback, caps);
  // Timer callbacks get what any callback may call.
  api.set_timer_api(callable_from("timer", caps));
  return api;
}

namespace {

ApiSet callable_from(const std::string& callback, const Caps& caps) {
  ApiSet api;
  auto fill = [&](const std::vector<Callable>& list, bool kfunc) {
    for (const auto& c : list) {
      std::string why;
      if (!c.callbacks.empty() && callback != "prog" &&
          std::find(c.callbacks.begin(), c.callbacks.end(), callback) == c.callbacks.end())
        why = only_from(c.proto.name, c.callbacks);
      else if (!c.cap.empty() && !caps.count(c.cap))
        why = fmt::format("{} needs capability {}", c.proto.name, c.cap);
      if (kfunc) {
        if (why.empty()) api.allow_kfunc(c.id, c.proto);
        else api.deny_kfunc(c.id, why);
      } else {
        if (why.empty()) api.allow_helper(c.id, c.proto);
        else api.deny_helper(c.id, why);
      }
    }
  };
  fill(kfuncs(), true);
  fill(helpers(), false);
  return api;
}

}  // namespace

Symbols test_symbols(const std::vector<bpf::MapDef>* maps) {
  Symbols s;
  s.map = [maps](std::string_view n) -> std::optional<s32> {
    for (size_t i = 0; maps && i < maps->size(); ++i)
      if ((*maps)[i].name == n) return static_cast<s32>(i);
    return std::nullopt;
  };
  s.helper = [](std::string_view n) -> std::optional<s32> {
    for (const auto& h : helpers())
      if (h.proto.name == n) return static_cast<s32>(h.id);
    return std::nullopt;
  };
  s.kfunc = [](std::string_view n) -> std::optional<s32> {
    for (const auto& k : kfuncs())
      if (k.proto.name == n) return static_cast<s32>(k.id);
    return std::nullopt;
  };
  return s;
}

Result<bpf::MapDef> parse_map_line(const std::string& line) {
  std::istringstream in(line);
  bpf::MapDef m;
  std::string type;
  if (!(in >> m.name >> type)) return make_error(ErrorKind::parse, "map line needs a name and a type: " + line);
  static const std::map<std::string, bpf::MapType> types = {
      {"hash", bpf::MapType::hash}, {"array", bpf::MapType::array}, {"percpu_array", bpf::MapType::percpu_array},
      {"lru_hash", bpf::MapType::lru_hash}, {"task_storage", bpf::MapType::task_storage},
      {"queue", bpf::MapType::queue}, {"array_of_maps", bpf::MapType::array_of_maps},
      {"arena", bpf::MapType::arena}};
  auto t = types.find(type);
  if (t == types.end()) return make_error(ErrorKind::parse, "unknown map type " + type);
  m.type = t->second;
  std::string word;
  while (in >> word) {
    auto eq = word.find('=');
    std::string k = word.substr(0, eq), v = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (k == "key") m.key_size = static_cast<u32>(std::stoul(v));
    else if (k == "value") m.value_size = static_cast<u32>(std::stoul(v));
    else if (k == "entries") m.max_entries = static_cast<u32>(std::stoul(v));
    else if (k.starts_with("inner_")) {
      if (!m.inner) {
        m.inner = std::make_shared<bpf::MapDef>();
        m.inner->name = m.name + ".inner";
      }
      const std::string what = k.substr(6);
      if (what == "key") m.inner->key_size = static_cast<u32>(std::stoul(v));
      else if (what == "value") m.inner->value_size = static_cast<u32>(std::stoul(v));
      else if (what == "entries") m.inner->max_entries = static_cast<u32>(std::stoul(v));
      else return make_error(ErrorKind::parse, "unknown map attribute " + word);
    }
    else if (k == "lock") m.spin_lock_off = std::stoi(v);
    else if (k == "res_lock") m.spin_lock_off = std::stoi(v), m.res_lock = true;
    else if (k == "timer") m.timer_off = std::stoi(v);
    else if (k == "rodata") m.global = bpf::GlobalKind::rodata;
    else if (k == "data") m.global = bpf::GlobalKind::data;
    else if (k == "bss") m.global = bpf::GlobalKind::bss;
    else if (k == "init") {
      // init=01,02,ff: the initial bytes of a global-data map.
      std::istringstream bytes(v);
      std::string b;
      while (std::getline(bytes, b, ',')) m.initial.push_back(static_cast<u8>(std::stoul(b, nullptr, 16)));
    } else if (k == "str") {
      // str=%d,%s: a NUL-terminated string in the initial bytes ('_' for a space).
      for (char c : v) m.initial.push_back(static_cast<u8>(c == '_' ? ' ' : c));
      m.initial.push_back(0);
    } else {
      return make_error(ErrorKind::parse, "unknown map attribute " + word);
    }
  }
  return m;
}

Result<TestProgram> make_program(const std::string& callback, const std::string& maps, const std::string* caps_text,
                                 const std::string& asm_text, const std::string& file_name) {
  TestProgram tp;
  auto ctx = callback_ctx(callback);
  if (!ctx) return tl::unexpected(ctx.error());
  Caps caps = all_caps();
  if (caps_text) {
    caps.clear();
    std::istringstream in(*caps_text);
    std::string c;
    while (in >> c) caps.insert(c);
  }
  std::istringstream ml(maps);
  std::string line;
  while (std::getline(ml, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto m = parse_map_line(line);
    if (!m) return tl::unexpected(m.error());
    tp.info.maps.push_back(*m);
  }
  auto code = assemble_text(asm_text, test_symbols(&tp.info.maps));
  if (!code) return tl::unexpected(code.error());
  tp.info.insns = code->insns;
  tp.info.structs = test_structs(caps);
  tp.info.ctx = *ctx;
  auto lines = code->line_of;
  tp.info.source_line = [lines, file_name](u32 pc) {
    return pc < lines.size() ? fmt::format("{}:{}", file_name, lines[pc]) : std::string();
  };
  tp.api = test_api(callback, caps);
  // The host's pointer-leak rule: only the administrator's capability.
  tp.info.allow_ptr_leaks = caps.count("sched.all_tasks") != 0;
  tp.info.allow_uninit_stack = tp.info.allow_ptr_leaks;
  return tp;
}

}  // namespace ups::verifier::test
