// Kernels for any x86-64 (or other) CPU: no popcount instruction assumed.
#include "hamming/kernels.h"

namespace childsafe::hamming::internal {
namespace {

// Portable bit count (SWAR). Without -mpopcnt, __builtin_popcountll is a libgcc call.
inline int Pop64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

#include "hamming/kernels_scalar.inc"

constexpr Kernels kKernels{Isa::kGeneric, "generic",    Scan,       ScanMulti,
                           Filter,        FilterRanges, ScanRanges, Verify};

}  // namespace

const Kernels& GenericKernels() { return kKernels; }

}  // namespace childsafe::hamming::internal
