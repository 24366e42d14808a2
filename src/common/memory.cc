#include "common/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// gperftools' tcmalloc, when the program is linked with it: weak, so this works with any allocator.
extern "C" void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

namespace childsafe {

void ReleaseFreeMemory() {
  if (MallocExtension_ReleaseFreeMemory != nullptr) {
    MallocExtension_ReleaseFreeMemory();
    return;
  }
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace childsafe
