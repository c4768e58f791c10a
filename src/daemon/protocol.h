// The wire protocol between `upsched` (the client) and upschedd
// (docs/daemon.md, "Protocol"). A message is a frame: a 4-byte big-endian
// length, then that many bytes of one JSON object. Every message carries the
// protocol version `v`; a request names its `verb` and its arguments, a
// response says `ok` with a `result`, or not, with an `error` and the
// `rule` that decided. Frames over kMaxFrameBytes are refused from their
// length alone, before a byte of the body is buffered.
//
// The parsers take any bytes: malformed, truncated or oversized input is an
// Error naming what is wrong (the fuzzer fuzz/daemon_protocol_fuzz.cpp
// holds them to it), never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "base/types.h"
#include "core/core.h"

namespace ups::daemon {

inline constexpr u32 kProtocolVersion = 1;
// A frame's body at most: a policy object (base64) with room to spare.
inline constexpr size_t kMaxFrameBytes = 1u << 20;
inline constexpr size_t kFrameHeaderBytes = 4;

enum class Verb : u8 { load, replace, unload, list, logs, status, attach, submit, stats };

std::string_view verb_name(Verb v);  // "load"

struct LoadArgs {
  std::string object_name;  // the client's file name, for messages ("simple.bpf.o")
  std::string object;       // the object file's bytes (base64 on the wire)
  std::string name;         // the class name; empty: the object's own
  ChainSlot slot = ChainSlot::below_fair;
  std::string cpus;         // "0-1"; empty: what the grant allows
  double bandwidth = 0;     // above fair: the CPU share asked for; 0: the grant's limit
};

// Work for the daemon: a workload file's text (the language of `upsched
// run`/`sim`) or a built-in preset, run as the submitter's tasks.
struct SubmitArgs {
  std::string workload;       // the file's text; or
  std::string workload_name;  // its file name (picks TOML/JSON; in messages)
  std::string preset;         // a built-in preset
  std::string cls;            // the class its tasks go to (the caller's own; root any); "" = fair
  std::string duration;       // tasks still running then end ("2s"); "" = until they exit
  // A simulator session instead, under the caller's grant: the report comes
  // back. `policy` (optional) is its class, loaded as the caller.
  bool sim = false;
  LoadArgs policy;
  u32 sim_cpus = 2;
};

// Moves tasks to a class: one task, or every live task of a job.
struct AttachArgs {
  std::string cls;  // "fair" or a loaded class
  u64 job = 0;
  u64 task = 0;
};

struct Request {
  Verb verb = Verb::status;
  LoadArgs load;     // verbs load and replace (replace: load.name is the class)
  std::string name;  // verb unload: the class; verb logs: one class ("" = all the caller's)
  SubmitArgs submit;
  AttachArgs attach;
};

struct Response {
  bool ok = false;
  nlohmann::json result = nlohmann::json::object();  // ok
  std::string error;                                 // !ok: what was refused and why
  std::string rule;                                  // the rule that decided (either way)
};

// A refusal: what was refused and why, and the rule that decided.
inline Response refused(std::string error, std::string rule) {
  Response r;
  r.error = std::move(error);
  r.rule = std::move(rule);
  return r;
}

// One frame's body <-> a message. Errors name the field ("load.cpus: must
// be a string").
Result<Request> parse_request(std::string_view body);
std::string encode_request(const Request& r);
Result<Response> parse_response(std::string_view body);
std::string encode_response(const Response& r);

// A body with its length prefix.
std::string frame(std::string_view body);

// Reassembles frames from a byte stream read in pieces of any size. Once it
// reports an error (an oversized length) the stream is unusable: the
// connection is to be closed.
class FrameReader {
public:
  explicit FrameReader(size_t max_frame = kMaxFrameBytes) : max_frame_(max_frame) {}
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete body, nullopt while one is incomplete.
  Result<std::optional<std::string>> next();
  // Bytes received and not yet returned as a frame (a partial frame).
  size_t buffered() const { return buf_.size(); }

private:
  size_t max_frame_;
  std::string buf_;
};

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace ups::daemon
