// Allowed includes (tests/data/layering/README.md).
#include "sim/world.h"
#include "workload/workload.h"
