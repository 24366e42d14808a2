#pragma once
// Internal to src/imagehash: the row-sink interface every decoder writes into, and the
// per-format entry points. Not part of the module's public API.

#include <cstdint>
#include <span>

#include "common/result.h"
#include "imagehash/decode.h"

namespace childsafe::imagehash::internal {

/// Receives decoded rows. Begin() is called once with the output size (which for a scaled JPEG
/// decode is smaller than the stored size) and the channel count (1 or 3); then Row() exactly
/// `height` times, y = 0, 1, ... in order. A sink may refuse in Begin() (e.g. limits).
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual Status Begin(const ImageInfo& info, int width, int height, int channels) = 0;
  virtual void Row(int y, const uint8_t* pixels) = 0;
};

/// JPEG decode settings beyond the shared limits.
struct JpegOptions {
  /// libjpeg-turbo scales by scale_num/8 in the DCT domain (1..8). 8 = full size.
  int scale_num = 8;
  /// Decode only the luma (Y) channel as greyscale: skips chroma IDCT, upsampling and colour
  /// conversion. Used only by the fast path; not bit-exact with RGB-derived luma.
  bool luma_only = false;
};

Result<ImageInfo> ProbeJpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Result<ImageInfo> ProbePng(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Result<ImageInfo> ProbeWebp(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Result<ImageInfo> ProbeGif(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Result<ImageInfo> ProbeBmp(std::span<const uint8_t> bytes, const DecodeLimits& limits);
Result<ImageInfo> ProbePpm(std::span<const uint8_t> bytes, const DecodeLimits& limits);

Status DecodeJpeg(std::span<const uint8_t> bytes, const DecodeLimits& limits,
                  const JpegOptions& options, RowSink& sink);
Status DecodePng(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink);
Status DecodeWebp(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink);
Status DecodeGif(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink);
Status DecodeBmp(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink);
Status DecodePpm(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink);

/// Dispatches on the sniffed format.
Result<ImageInfo> Probe(ImageFormat format, std::span<const uint8_t> bytes,
                        const DecodeLimits& limits);
Status Decode(ImageFormat format, std::span<const uint8_t> bytes, const DecodeLimits& limits,
              const JpegOptions& jpeg, RowSink& sink);

/// Shared checks and errors, so every decoder words them the same way.
Status CheckDimensions(ImageFormat format, int64_t width, int64_t height,
                       const DecodeLimits& limits);
Error Corrupt(ImageFormat format, std::string_view what);
Error Truncated(ImageFormat format);
Error Unsupported(ImageFormat format, std::string_view what);

/// Orientation from an EXIF/TIFF block ("II*\0" or "MM\0*" header first). 0 when absent or
/// malformed; never reads outside `tiff`.
int ExifOrientationFromTiff(std::span<const uint8_t> tiff);

/// 16-bit to 8-bit with rounding.
inline uint8_t Scale16To8(uint32_t v) { return static_cast<uint8_t>((v * 255 + 32767) / 65535); }

}  // namespace childsafe::imagehash::internal
