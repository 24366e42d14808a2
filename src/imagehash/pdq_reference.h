#pragma once
// A line-by-line transcription of the PDQ specification (pdq.md §2.3-2.4) with two full-image
// float buffers and all four box passes over every pixel, as the reference C++ does it.
//
// It exists for two reasons: it is the oracle the tests compare the streaming PdqPipeline
// against on many image sizes (they must agree bit for bit), and it is the "straightforward"
// baseline in bench/imagehash_bench.cc. Production code should call ComputePdq / HashImage.
//
// Thread-safety: pure functions. Memory: 8 bytes per pixel.

#include "imagehash/pdq.h"

namespace childsafe::imagehash::reference {

/// The reference 1-D box filter: out[i] = mean of in[i-(w-h) .. i+h-1] clipped to [0, n),
/// h = (w+2)/2, computed with one running float sum. `stride` steps between samples.
void Box1D(const float* in, float* out, int n, int stride, int window);

/// Two passes of (rows with JaroszWindowSize(width), then columns with
/// JaroszWindowSize(height)), then decimation to 64x64. 64x64 inputs are copied unfiltered.
Matrix64 BlurAndDecimate(const LumaImage& luma);

/// The whole core: BlurAndDecimate, then PdqFromBuffer64 (zero hash for tiny images).
PdqResult Pdq(const LumaImage& luma, bool with_dihedral = false);

}  // namespace childsafe::imagehash::reference
