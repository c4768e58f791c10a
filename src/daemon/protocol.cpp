#include "daemon/protocol.h"

#include <array>
#include <type_traits>

#include <fmt/format.h>

namespace ups::daemon {

using nlohmann::json;

namespace {

tl::unexpected<Error> bad(const std::string& what) {
  return make_error(ErrorKind::parse, "protocol: " + what);
}

constexpr std::array<std::pair<Verb, std::string_view>, 9> kVerbs = {{
    {Verb::load, "load"}, {Verb::replace, "replace"}, {Verb::unload, "unload"}, {Verb::list, "list"},
    {Verb::logs, "logs"}, {Verb::status, "status"}, {Verb::attach, "attach"}, {Verb::submit, "submit"},
    {Verb::stats, "stats"}}};

// Parses a body into an object that carries our version.
Result<json> parse_object(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("the message is not valid JSON");
  if (!j.is_object()) return bad("the message is not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_unsigned())
    return bad("no protocol version (\"v\": an unsigned number)");
  if (v->get<u64>() != kProtocolVersion)
    return bad(fmt::format("protocol version {} is not supported (this side speaks {})", v->get<u64>(),
                           kProtocolVersion));
  return j;
}

// obj[key] as a string: absent gives `fallback`; any other type is an error.
Result<std::string> string_field(const json& obj, const char* key, const std::string& where,
                                 std::optional<std::string> fallback = std::string()) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (fallback) return *fallback;
    return bad(fmt::format("{}.{}: missing", where, key));
  }
  if (!it->is_string()) return bad(fmt::format("{}.{}: must be a string", where, key));
  return it->get<std::string>();
}

// obj[key] as T (an unsigned number, a number, a boolean): absent gives
// `fallback`; any other type is an error.
template <typename T>
Result<T> typed_field(const json& obj, const char* key, const std::string& where, T fallback) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return bad(fmt::format("{}.{}: must be a boolean", where, key));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!it->is_number()) return bad(fmt::format("{}.{}: must be a number", where, key));
  } else {
    if (!it->is_number_unsigned()) return bad(fmt::format("{}.{}: must be an unsigned number", where, key));
  }
  return it->get<T>();
}

Result<LoadArgs> parse_load(const json& args) {
  LoadArgs out;
  auto object = string_field(args, "object", "load", std::nullopt);
  if (!object) return tl::unexpected(object.error());
  auto bytes = base64_decode(*object);
  if (!bytes) return bad("load.object: " + bytes.error().message);
  out.object = std::move(*bytes);
  if (out.object.empty()) return bad("load.object: empty");
  auto object_name = string_field(args, "object_name", "load", std::string("object.bpf.o"));
  auto name = string_field(args, "name", "load");
  auto cpus = string_field(args, "cpus", "load");
  auto slot = string_field(args, "slot", "load", std::string("below_fair"));
  for (const auto* r : {&object_name, &name, &cpus, &slot})
    if (!*r) return tl::unexpected(r->error());
  auto bw = typed_field<double>(args, "bandwidth", "load", 0.0);
  if (!bw) return tl::unexpected(bw.error());
  if (!(*bw >= 0 && *bw < 1)) return bad(fmt::format("load.bandwidth: {} is not in [0, 1)", *bw));
  out.bandwidth = *bw;
  out.object_name = *object_name;
  out.name = *name;
  out.cpus = *cpus;
  if (*slot == "below_fair") {
    out.slot = ChainSlot::below_fair;
  } else if (*slot == "above_fair") {
    out.slot = ChainSlot::above_fair;
  } else {
    return bad("load.slot: '" + *slot + "' is neither below_fair nor above_fair");
  }
  return out;
}

Result<SubmitArgs> parse_submit(const json& args) {
  SubmitArgs out;
  auto workload = string_field(args, "workload", "submit");
  auto workload_name = string_field(args, "workload_name", "submit", std::string("workload.toml"));
  auto preset = string_field(args, "preset", "submit");
  auto cls = string_field(args, "class", "submit");
  auto duration = string_field(args, "duration", "submit");
  for (const auto* r : {&workload, &workload_name, &preset, &cls, &duration})
    if (!*r) return tl::unexpected(r->error());
  auto sim = typed_field<bool>(args, "sim", "submit", false);
  if (!sim) return tl::unexpected(sim.error());
  auto cpus = typed_field<u64>(args, "sim_cpus", "submit", 2);
  if (!cpus) return tl::unexpected(cpus.error());
  if (*cpus < 1 || *cpus > 64) return bad(fmt::format("submit.sim_cpus: {} is not in 1..64", *cpus));
  if (workload->empty() == preset->empty()) return bad("submit: exactly one of workload and preset");
  // Settings of a simulator session are refused without one, not ignored.
  for (const char* key : {"sim_cpus", "policy"})
    if (!*sim && args.contains(key)) return bad(fmt::format("submit.{}: only for a simulator session (sim: true)", key));
  out.workload = *workload;
  out.workload_name = *workload_name;
  out.preset = *preset;
  out.cls = *cls;
  out.duration = *duration;
  out.sim = *sim;
  out.sim_cpus = static_cast<u32>(*cpus);
  if (auto it = args.find("policy"); it != args.end()) {
    if (!it->is_object()) return bad("submit.policy: must be an object");
    auto policy = parse_load(*it);
    if (!policy) return tl::unexpected(policy.error());
    out.policy = std::move(*policy);
  }
  return out;
}

Result<AttachArgs> parse_attach(const json& args) {
  AttachArgs out;
  auto cls = string_field(args, "class", "attach", std::nullopt);
  if (!cls) return tl::unexpected(cls.error());
  auto job = typed_field<u64>(args, "job", "attach", 0);
  auto task = typed_field<u64>(args, "task", "attach", 0);
  if (!job) return tl::unexpected(job.error());
  if (!task) return tl::unexpected(task.error());
  if ((*job == 0) == (*task == 0)) return bad("attach: exactly one of job and task");
  out.cls = *cls;
  out.job = *job;
  out.task = *task;
  return out;
}

}  // namespace

std::string_view verb_name(Verb v) {
  for (const auto& [verb, name] : kVerbs)
    if (verb == v) return name;
  return "?";
}

Result<Request> parse_request(std::string_view body) {
  auto j = parse_object(body);
  if (!j) return tl::unexpected(j.error());
  auto verb = string_field(*j, "verb", "request", std::nullopt);
  if (!verb) return tl::unexpected(verb.error());
  Request r;
  bool known = false;
  for (const auto& [v, name] : kVerbs)
    if (name == *verb) {
      r.verb = v;
      known = true;
    }
  if (!known)
    return bad("unknown verb '" + *verb + "' (known: load, replace, unload, list, logs, status, attach, submit, stats)");
  const json none = json::object();
  auto it = j->find("args");
  if (it != j->end() && !it->is_object()) return bad("request.args: must be an object");
  const json& args = it == j->end() ? none : *it;
  if (r.verb == Verb::load || r.verb == Verb::replace) {
    auto load = parse_load(args);
    if (!load) return tl::unexpected(load.error());
    r.load = std::move(*load);
    if (r.verb == Verb::replace && r.load.name.empty()) return bad("replace.name: missing (the class to replace)");
  } else if (r.verb == Verb::unload) {
    auto name = string_field(args, "name", "unload", std::nullopt);
    if (!name) return tl::unexpected(name.error());
    if (name->empty()) return bad("unload.name: empty");
    r.name = *name;
  } else if (r.verb == Verb::logs) {
    auto name = string_field(args, "name", "logs");
    if (!name) return tl::unexpected(name.error());
    r.name = *name;
  } else if (r.verb == Verb::submit) {
    auto submit = parse_submit(args);
    if (!submit) return tl::unexpected(submit.error());
    r.submit = std::move(*submit);
  } else if (r.verb == Verb::attach) {
    auto attach = parse_attach(args);
    if (!attach) return tl::unexpected(attach.error());
    r.attach = std::move(*attach);
  }
  return r;
}

namespace {
json load_json(const LoadArgs& l) {
  json args = json::object();
  args["object"] = base64_encode(l.object);
  args["object_name"] = l.object_name;
  if (!l.name.empty()) args["name"] = l.name;
  if (!l.cpus.empty()) args["cpus"] = l.cpus;
  if (l.bandwidth > 0) args["bandwidth"] = l.bandwidth;
  args["slot"] = l.slot == ChainSlot::above_fair ? "above_fair" : "below_fair";
  return args;
}
}  // namespace

std::string encode_request(const Request& r) {
  json j = {{"v", kProtocolVersion}, {"verb", std::string(verb_name(r.verb))}};
  json args = json::object();
  if (r.verb == Verb::load || r.verb == Verb::replace) {
    args = load_json(r.load);
  } else if (r.verb == Verb::submit) {
    const SubmitArgs& s = r.submit;
    if (!s.workload.empty()) {
      args["workload"] = s.workload;
      args["workload_name"] = s.workload_name;
    }
    if (!s.preset.empty()) args["preset"] = s.preset;
    if (!s.cls.empty()) args["class"] = s.cls;
    if (!s.duration.empty()) args["duration"] = s.duration;
    if (s.sim) {
      args["sim"] = true;
      args["sim_cpus"] = s.sim_cpus;
      if (!s.policy.object.empty()) args["policy"] = load_json(s.policy);
    }
  } else if (r.verb == Verb::attach) {
    args["class"] = r.attach.cls;
    if (r.attach.job) args["job"] = r.attach.job;
    if (r.attach.task) args["task"] = r.attach.task;
  } else if (r.verb == Verb::unload || (r.verb == Verb::logs && !r.name.empty())) {
    args["name"] = r.name;
  }
  j["args"] = std::move(args);
  return j.dump();
}

Result<Response> parse_response(std::string_view body) {
  auto j = parse_object(body);
  if (!j) return tl::unexpected(j.error());
  auto ok = j->find("ok");
  if (ok == j->end() || !ok->is_boolean()) return bad("response.ok: missing or not a boolean");
  Response r;
  r.ok = ok->get<bool>();
  auto error = string_field(*j, "error", "response");
  auto rule = string_field(*j, "rule", "response");
  if (!error) return tl::unexpected(error.error());
  if (!rule) return tl::unexpected(rule.error());
  r.error = *error;
  r.rule = *rule;
  if (auto res = j->find("result"); res != j->end()) {
    if (!res->is_object()) return bad("response.result: must be an object");
    r.result = *res;
  }
  if (!r.ok && r.error.empty()) return bad("response: refused without an error");
  return r;
}

std::string encode_response(const Response& r) {
  json j = {{"v", kProtocolVersion}, {"ok", r.ok}};
  if (r.ok) j["result"] = r.result;
  else j["error"] = r.error;
  if (!r.rule.empty()) j["rule"] = r.rule;
  // Replacement characters for invalid UTF-8 (a policy's message): the
  // response is still sent.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string frame(std::string_view body) {
  const auto n = static_cast<u32>(body.size());
  std::string out;
  out.reserve(kFrameHeaderBytes + body.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(body);
  return out;
}

Result<std::optional<std::string>> FrameReader::next() {
  if (buf_.size() < kFrameHeaderBytes) return std::optional<std::string>{};
  u32 n = 0;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) n = (n << 8) | static_cast<u8>(buf_[i]);
  if (n > max_frame_)
    return bad(fmt::format("a frame of {} bytes is over the limit of {} bytes", n, max_frame_));
  if (n == 0) return bad("an empty frame");
  if (buf_.size() < kFrameHeaderBytes + n) return std::optional<std::string>{};
  std::string body = buf_.substr(kFrameHeaderBytes, n);
  buf_.erase(0, kFrameHeaderBytes + n);
  return std::optional<std::string>{std::move(body)};
}

namespace {
constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    u32 n = static_cast<u8>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<u8>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<u8>(bytes[i + 2]);
    out.push_back(kB64[(n >> 18) & 63]);
    out.push_back(kB64[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kB64[n & 63] : '=');
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return make_error(ErrorKind::parse, fmt::format("base64 of {} characters (not a multiple of 4)", text.size()));
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    u32 n = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      u32 d = 0;
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
      } else {
        const size_t at = kB64.find(c);
        if (at == std::string_view::npos || pad > 0)
          return make_error(ErrorKind::parse, fmt::format("base64: bad character at {}", i + k));
        d = static_cast<u32>(at);
      }
      n = (n << 6) | d;
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

}  // namespace ups::daemon
