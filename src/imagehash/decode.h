#pragma once
// Image decoders for hashing: JPEG (libjpeg-turbo), PNG (libpng), WebP (libwebp), GIF (giflib,
// first frame), BMP (our own reader) and binary PPM/PGM (for the test vectors). Every decoder
// turns the file into 8-bit greyscale or 8-bit RGB rows, top to bottom, under one policy
// (docs/imagehash.md, "Decoder policy"):
//
//  * Pixels are hashed as stored. EXIF orientation is read and reported but not applied unless
//    the caller asks (HashOptions::apply_exif_orientation): the reference C++ tool, the Java
//    reference and python-threatexchange all hash unrotated pixels.
//  * Alpha is dropped (the stored colour is used, as Pillow's convert("RGB") does); a GIF's
//    transparent index keeps its palette colour.
//  * Palette images become RGB; greyscale stays one channel (luma = grey value).
//  * 16-bit samples are scaled to 8 bits with rounding: (v * 255 + 32767) / 65535.
//  * CMYK and YCCK JPEGs are converted to RGB as R = (255-C)(255-K)/255 (Adobe-inverted data
//    first un-inverted). No colour management: ICC profiles and gamma are ignored.
//
// Hostile input: the format is recognised from magic bytes, never from a file name. The
// declared size is checked against DecodeLimits before any pixel buffer is allocated; a file
// that is not an image, is truncated, or is corrupt beyond what the decoder can recover is
// refused with ErrorCode::kInvalidArgument; a file over the limits with kPayloadTooLarge. Decoder
// memory: per-row buffers for baseline JPEG, non-interlaced PNG, full-frame GIF and BMP; up to
// 3 bytes/pixel for WebP and composed GIF frames, 6 for interlaced PNG, and at most
// 8 x max_pixels bytes of coefficients for progressive JPEG (enforced through libjpeg).
//
// Thread-safety: all functions are reentrant; no global state (each call owns its decoder).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe::imagehash {

enum class ImageFormat { kJpeg, kPng, kWebp, kGif, kBmp, kPpm };
/// "jpeg", "png", "webp", "gif", "bmp", "ppm".
std::string_view ImageFormatName(ImageFormat format);

/// How colour was stored in the file (before our conversion to grey or RGB).
enum class ColorModel { kGrey, kRgb, kPalette, kCmyk, kYcck };
std::string_view ColorModelName(ColorModel model);

struct DecodeLimits {
  /// Refuse images whose declared width x height exceeds this (kPayloadTooLarge). The default
  /// admits a 108-megapixel phone photo's 12000x9000 and refuses 30000x30000.
  int64_t max_pixels = 120'000'000;
  /// Refuse a side longer than this (kPayloadTooLarge); bounds per-row buffers.
  int max_dimension = 65535;
  /// Progressive JPEGs with more scans than this are refused (a known CPU-exhaustion trick).
  int max_jpeg_scans = 500;
};

/// What the header says, read without decoding pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;
  int height = 0;
  ColorModel color_model = ColorModel::kRgb;
  int bits_per_sample = 8;  // as stored: 1..16
  bool has_alpha = false;   // an alpha channel, tRNS chunk, or GIF transparency was present
  /// EXIF orientation tag 1..8 when present and valid, else 0 (JPEG APP1, PNG eXIf, WebP EXIF).
  int exif_orientation = 0;
};

/// Recognises the format from the first bytes; kInvalidArgument when none matches.
Result<ImageFormat> SniffFormat(std::span<const uint8_t> bytes);

/// Reads the header only and checks it against `limits`. O(header size) for every format but
/// GIF (whose first image descriptor may follow extension blocks) and PNG/JPEG metadata.
Result<ImageInfo> ProbeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

/// A decoded image: 8-bit samples, `channels` = 1 (grey) or 3 (RGB), rows top to bottom.
struct DecodedImage {
  ImageInfo info;
  int width = 0;  // equal to info.width/height (orientation is not applied here)
  int height = 0;
  int channels = 3;
  std::vector<uint8_t> pixels;  // width * height * channels
};

/// Decodes the whole image (or the first frame) into memory under the policy above. Uses
/// width x height x channels bytes for the result, plus the decoder's own buffers.
Result<DecodedImage> DecodeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace childsafe::imagehash
