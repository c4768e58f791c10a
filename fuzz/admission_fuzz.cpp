// Fuzzes the admission-file parser: any input gives a config or a located
// error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "security/admission.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = ups::security::AdmissionConfig::parse(text, "fuzz.toml");
  if (cfg) {
    (void)cfg->grant_for(ups::Principal{1000, 1000});
    (void)cfg->find_principal("alice");
  } else {
    (void)cfg.error().to_string();
  }
  return 0;
}
