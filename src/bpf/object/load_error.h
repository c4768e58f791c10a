// Error locations for the loader: "file: what" (section, symbol,
// instruction). One helper so every part of the loader names places alike.
#pragma once

#include <string>

#include "base/result.h"

namespace ups::bpf {

inline SourceLoc where_at(std::string file, std::string what) {
  SourceLoc loc;
  loc.file = std::move(file);
  loc.what = std::move(what);
  return loc;
}

}  // namespace ups::bpf
