#include "hamming/kernels.h"

#include <initializer_list>

namespace childsafe::hamming::internal {
namespace {

bool CpuHas(Isa isa) {
#if CHILDSAFE_HAMMING_X86
  __builtin_cpu_init();
  switch (isa) {
    case Isa::kGeneric:
      return true;
    case Isa::kPopcnt:
      return __builtin_cpu_supports("popcnt");
    case Isa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    case Isa::kAvx512:
      // GCC's and clang's checks include the OS's support for the wide register state.
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") &&
             __builtin_cpu_supports("popcnt");
  }
  return false;
#else
  return isa == Isa::kGeneric;
#endif
}

const Kernels& Choose() {
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kPopcnt}) {
    if (const Kernels* k = KernelsFor(isa)) return *k;
  }
  return GenericKernels();
}

}  // namespace

const Kernels* KernelsFor(Isa isa) {
  if (!CpuHas(isa)) return nullptr;
  switch (isa) {
    case Isa::kGeneric:
      return &GenericKernels();
#if CHILDSAFE_HAMMING_X86
    case Isa::kPopcnt:
      return &PopcntKernels();
    case Isa::kAvx2:
      return &Avx2Kernels();
    case Isa::kAvx512:
      return &Avx512Kernels();
#else
    default:
      return nullptr;
#endif
  }
  return nullptr;
}

const Kernels& BestKernels() {
  static const Kernels& best = Choose();  // a constant of the machine, decided once
  return best;
}

}  // namespace childsafe::hamming::internal
