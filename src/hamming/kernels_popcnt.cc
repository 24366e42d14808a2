// Kernels for x86-64 CPUs with the POPCNT instruction (built with -mpopcnt).
#include "hamming/kernels.h"

namespace childsafe::hamming::internal {
namespace {

inline int Pop64(uint64_t x) { return __builtin_popcountll(x); }

#include "hamming/kernels_scalar.inc"

constexpr Kernels kKernels{Isa::kPopcnt, "popcnt",     Scan,       ScanMulti,
                           Filter,       FilterRanges, ScanRanges, Verify};

}  // namespace

const Kernels& PopcntKernels() { return kKernels; }

}  // namespace childsafe::hamming::internal
