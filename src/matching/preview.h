#pragma once
// The preview of a kept evidence image that staff see by default: strongly blurred and tiny, so
// that nobody is shown abuse material needlessly. It is enough to tell a photograph from a
// screenshot or a drawing, and to recognise an image one has already seen; it does not show what
// the image depicts.
//
// Pure compute: image bytes in, PNG bytes out. Thread-safe (reentrant).

#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "imagehash/decode.h"

namespace childsafe::matching {

/// The longest side of a preview, in pixels.
inline constexpr int kPreviewMaxSide = 24;

/// Decodes `image` (within `limits`), averages it down to at most `max_side` pixels on its longer
/// side (every source pixel counts; no sampling that could keep a detail), blurs the result twice
/// with a 3x3 box, and encodes it as an 8-bit RGB PNG. Errors are the decoder's
/// (kInvalidArgument, kPayloadTooLarge). Memory: the decoded image (3 bytes a pixel) while it runs.
Result<std::string> BlurredPreviewPng(std::span<const uint8_t> image,
                                      const imagehash::DecodeLimits& limits,
                                      int max_side = kPreviewMaxSide);

}  // namespace childsafe::matching
