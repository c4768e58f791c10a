// Breaks the layering rule on purpose (tests/data/layering/README.md).
#pragma once
#include "core/core.h"
#include "sim/world.h"
