// Binary Netpbm: P6 (RGB) and P5 (grey), maxval 1..65535. Used for the pre-decoded test vectors
// (exact pixels with no JPEG decoder involved). Samples with maxval != 255 are scaled to 0..255
// with rounding; two-byte samples (maxval > 255) are big-endian as the format says.

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

constexpr ImageFormat kFmt = ImageFormat::kPpm;

bool IsSpace(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct PpmHeader {
  int channels = 3;
  int64_t width = 0;
  int64_t height = 0;
  uint32_t maxval = 255;
  size_t data_offset = 0;
};

Result<PpmHeader> ParseHeader(std::span<const uint8_t> b, const DecodeLimits& limits) {
  if (b.size() < 3 || b[0] != 'P' || (b[1] != '5' && b[1] != '6')) {
    return Fail(Corrupt(kFmt, "magic"));
  }
  PpmHeader h;
  h.channels = b[1] == '6' ? 3 : 1;
  size_t pos = 2;
  int64_t values[3] = {0, 0, 0};
  for (int field = 0; field < 3; ++field) {
    // Whitespace and comments before each number.
    for (;;) {
      if (pos >= b.size()) return Fail(Truncated(kFmt));
      if (IsSpace(b[pos])) {
        ++pos;
      } else if (b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r') ++pos;
      } else {
        break;
      }
    }
    if (b[pos] < '0' || b[pos] > '9') return Fail(Corrupt(kFmt, "header number expected"));
    int64_t v = 0;
    while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') {
      v = v * 10 + (b[pos] - '0');
      if (v > (int64_t{1} << 32)) return Fail(Corrupt(kFmt, "header number too large"));
      ++pos;
    }
    values[field] = v;
  }
  // Exactly one whitespace character separates the header from the raster.
  if (pos >= b.size()) return Fail(Truncated(kFmt));
  if (!IsSpace(b[pos])) return Fail(Corrupt(kFmt, "header not followed by whitespace"));
  ++pos;
  h.width = values[0];
  h.height = values[1];
  if (values[2] < 1 || values[2] > 65535) return Fail(Corrupt(kFmt, "maxval out of range"));
  h.maxval = static_cast<uint32_t>(values[2]);
  h.data_offset = pos;
  CS_TRY_STATUS(CheckDimensions(kFmt, h.width, h.height, limits));
  return h;
}

Result<ImageInfo> Run(std::span<const uint8_t> b, const DecodeLimits& limits, RowSink* sink) {
  CS_TRY(PpmHeader h, ParseHeader(b, limits));
  ImageInfo info;
  info.format = kFmt;
  info.width = static_cast<int>(h.width);
  info.height = static_cast<int>(h.height);
  info.color_model = h.channels == 3 ? ColorModel::kRgb : ColorModel::kGrey;
  info.bits_per_sample = std::bit_width(h.maxval);
  if (sink == nullptr) return info;

  const int bytes_per_sample = h.maxval > 255 ? 2 : 1;
  const size_t samples = static_cast<size_t>(h.width) * h.channels;
  const size_t stride = samples * bytes_per_sample;
  if ((b.size() - h.data_offset) / stride < static_cast<size_t>(h.height)) {
    return Fail(Truncated(kFmt));
  }
  CS_TRY_STATUS(sink->Begin(info, info.width, info.height, h.channels));
  const bool identity = h.maxval == 255;
  std::vector<uint8_t> row(identity ? 0 : samples);
  for (int y = 0; y < info.height; ++y) {
    const uint8_t* in = b.data() + h.data_offset + stride * y;
    if (identity) {
      sink->Row(y, in);
      continue;
    }
    for (size_t i = 0; i < samples; ++i) {
      uint32_t v = bytes_per_sample == 2 ? (uint32_t{in[2 * i]} << 8 | in[2 * i + 1]) : in[i];
      v = std::min(v, h.maxval);  // samples above maxval are invalid; clamp rather than wrap
      row[i] = static_cast<uint8_t>((v * 255 + h.maxval / 2) / h.maxval);
    }
    sink->Row(y, row.data());
  }
  return info;
}

}  // namespace

Result<ImageInfo> ProbePpm(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return Run(bytes, limits, nullptr);
}

Status DecodePpm(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink) {
  CS_TRY(ImageInfo info, Run(bytes, limits, &sink));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
