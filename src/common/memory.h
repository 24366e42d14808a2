// Returning freed memory to the operating system.
#pragma once

namespace childsafe {

/// Gives the pages of freed memory back to the kernel: after a large temporary build (the
/// statistics index read from the database, a hash bank's index) the allocator would otherwise
/// keep them (tcmalloc's page heap, glibc's heap) and they would count against the process for
/// good. Uses gperftools' tcmalloc when the program is linked with it (the server is), else glibc's
/// malloc_trim. Cheap to call; call it after builds, not per request.
void ReleaseFreeMemory();

}  // namespace childsafe
