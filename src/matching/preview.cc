#include "matching/preview.h"

#include <png.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace childsafe::matching {

namespace {

// One 3x3 box pass over an RGB image, edges clamped.
std::vector<uint8_t> BoxBlur(const std::vector<uint8_t>& in, int w, int h) {
  std::vector<uint8_t> out(in.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        int sum = 0, n = 0;
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            int yy = std::clamp(y + dy, 0, h - 1), xx = std::clamp(x + dx, 0, w - 1);
            sum += in[(static_cast<size_t>(yy) * w + xx) * 3 + c];
            ++n;
          }
        }
        out[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>((sum + n / 2) / n);
      }
    }
  }
  return out;
}

}  // namespace

Result<std::string> BlurredPreviewPng(std::span<const uint8_t> image,
                                      const imagehash::DecodeLimits& limits, int max_side) {
  CS_TRY(imagehash::DecodedImage decoded, imagehash::DecodeImage(image, limits));
  const int sw = decoded.width, sh = decoded.height;
  if (sw <= 0 || sh <= 0)
    return Fail(
        Error::InvalidField("image", field_codes::kInvalidFormat, "the image has no pixels"));
  max_side = std::max(max_side, 1);
  const int ow = sw >= sh ? std::min(sw, max_side) : std::max(1, std::min(sw, max_side * sw / sh));
  const int oh = sh > sw ? std::min(sh, max_side) : std::max(1, std::min(sh, max_side * sh / sw));
  // Area average: each source pixel adds to the output cell it falls in.
  std::vector<uint64_t> sum(static_cast<size_t>(ow) * oh * 3, 0);
  std::vector<uint64_t> count(static_cast<size_t>(ow) * oh, 0);
  std::vector<int> col_of(sw);
  for (int x = 0; x < sw; ++x) col_of[x] = static_cast<int>(static_cast<int64_t>(x) * ow / sw);
  const int ch = decoded.channels;
  for (int y = 0; y < sh; ++y) {
    const int oy = static_cast<int>(static_cast<int64_t>(y) * oh / sh);
    const uint8_t* row = decoded.pixels.data() + static_cast<size_t>(y) * sw * ch;
    for (int x = 0; x < sw; ++x) {
      const size_t cell = static_cast<size_t>(oy) * ow + col_of[x];
      const uint8_t* p = row + static_cast<size_t>(x) * ch;
      sum[cell * 3] += p[0];
      sum[cell * 3 + 1] += p[ch == 3 ? 1 : 0];
      sum[cell * 3 + 2] += p[ch == 3 ? 2 : 0];
      ++count[cell];
    }
  }
  decoded.pixels = {};
  std::vector<uint8_t> rgb(sum.size());
  for (size_t cell = 0; cell < count.size(); ++cell) {
    const uint64_t n = std::max<uint64_t>(count[cell], 1);
    for (int c = 0; c < 3; ++c) rgb[cell * 3 + c] = static_cast<uint8_t>(sum[cell * 3 + c] / n);
  }
  rgb = BoxBlur(BoxBlur(rgb, ow, oh), ow, oh);

  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(ow);
  png.height = static_cast<png_uint_32>(oh);
  png.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, rgb.data(), 0, nullptr)) {
    return Fail(Error::Internal(std::string("png size: ") + png.message));
  }
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, rgb.data(), 0, nullptr)) {
    return Fail(Error::Internal(std::string("png write: ") + png.message));
  }
  out.resize(size);
  return out;
}

}  // namespace childsafe::matching
