// Fuzzes upschedd's wire protocol: any byte stream, cut into frames by the
// FrameReader, gives requests or clear errors, never a crash; a request
// that parses encodes back to one that parses the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using namespace ups::daemon;
  // The whole input as one body, as a response, and as a stream of frames
  // fed in pieces of 7 bytes.
  if (auto r = parse_request(bytes)) {
    auto again = parse_request(encode_request(*r));
    if (!again || again->verb != r->verb || again->load.object != r->load.object || again->name != r->name ||
        again->load.bandwidth != r->load.bandwidth || again->submit.workload != r->submit.workload ||
        again->submit.preset != r->submit.preset || again->submit.sim != r->submit.sim ||
        again->submit.policy.object != r->submit.policy.object || again->attach.job != r->attach.job ||
        again->attach.task != r->attach.task || again->attach.cls != r->attach.cls)
      std::abort();
  }
  (void)parse_response(bytes);
  FrameReader reader(4096);
  for (size_t at = 0; at < size; at += 7) {
    reader.feed(bytes.substr(at, 7));
    for (;;) {
      auto f = reader.next();
      if (!f) return 0;  // the stream is unusable from here
      if (!*f) break;
      (void)parse_request(**f);
    }
  }
  return 0;
}
