// Breaks the layering rule on purpose (tests/data/layering/README.md).
  #  include <sim/event_queue.h>
