// Allowed includes (tests/data/layering/README.md); "sim/world.h" in a comment is not an include.
#pragma once
#include "core/core.h"
#include "base/types.h"
