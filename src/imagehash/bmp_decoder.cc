// BMP: our own reader (Debian has no maintained BMP library suitable for hostile input). Every
// read is bounds-checked against the input span; no allocation depends on a field other than the
// checked width x height.
//
// Supported: BITMAPCOREHEADER (12), BITMAPINFOHEADER (40), the 52/56-byte variants, OS/2 2.x (64,
// uncompressed or RLE only), BITMAPV4HEADER (108), BITMAPV5HEADER (124); 1/2/4/8-bit palette
// (uncompressed, RLE8, RLE4), 16-bit (5-5-5 by default, or bit fields), 24-bit BGR, 32-bit
// (BGRX by default, or bit fields); bottom-up and top-down rows. Refused: embedded JPEG/PNG
// (compression 4/5), CMYK variants, top-down RLE. Alpha (a 32-bit alpha mask) is dropped.
// Undefined pixels of RLE images (skipped by delta or end-of-line codes) take palette entry 0.

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

constexpr ImageFormat kFmt = ImageFormat::kBmp;

enum : uint32_t {
  kBiRgb = 0,
  kBiRle8 = 1,
  kBiRle4 = 2,
  kBiBitfields = 3,
  kBiJpeg = 4,
  kBiPng = 5,
  kBiAlphaBitfields = 6,
};

uint16_t U16(std::span<const uint8_t> b, size_t at) { return uint16_t(b[at] | (b[at + 1] << 8)); }
uint32_t U32(std::span<const uint8_t> b, size_t at) {
  return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
         uint32_t(b[at + 3]) << 24;
}

struct BmpHeader {
  int64_t width = 0;
  int64_t height = 0;  // absolute value
  bool top_down = false;
  int bpp = 0;
  uint32_t compression = kBiRgb;
  uint32_t pixel_offset = 0;
  std::array<uint32_t, 4> masks{};         // R, G, B, A
  std::array<uint8_t, 256 * 3> palette{};  // RGB
  int palette_size = 0;
  bool has_alpha = false;
};

struct Channel {
  uint32_t mask = 0;
  int shift = 0;
  uint32_t max = 0;
  static Channel Of(uint32_t mask) {
    Channel c;
    c.mask = mask;
    if (mask == 0) return c;
    c.shift = std::countr_zero(mask);
    c.max = mask >> c.shift;
    return c;
  }
  uint8_t Extract(uint32_t pixel) const {
    if (max == 0) return 0;
    const uint64_t v = (pixel & mask) >> shift;
    return static_cast<uint8_t>((v * 255 + max / 2) / max);
  }
};

Result<BmpHeader> ParseHeader(std::span<const uint8_t> b, const DecodeLimits& limits) {
  if (b.size() < 14 + 12) return Fail(Truncated(kFmt));
  BmpHeader h;
  h.pixel_offset = U32(b, 10);
  const uint32_t dib = U32(b, 14);
  const bool core = dib == 12;
  if (!(core || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124)) {
    return Fail(Unsupported(kFmt, "header size " + std::to_string(dib)));
  }
  if (b.size() < 14 + static_cast<size_t>(dib)) return Fail(Truncated(kFmt));
  int planes;
  if (core) {
    h.width = U16(b, 18);
    h.height = U16(b, 20);
    planes = U16(b, 22);
    h.bpp = U16(b, 24);
  } else {
    const int32_t w = static_cast<int32_t>(U32(b, 18));
    const int32_t ht = static_cast<int32_t>(U32(b, 22));
    h.width = w;
    h.top_down = ht < 0;
    h.height = ht < 0 ? -static_cast<int64_t>(ht) : ht;
    planes = U16(b, 26);
    h.bpp = U16(b, 28);
    h.compression = U32(b, 30);
  }
  if (planes != 1) return Fail(Corrupt(kFmt, "planes != 1"));
  CS_TRY_STATUS(CheckDimensions(kFmt, h.width, h.height, limits));
  switch (h.bpp) {
    case 1:
    case 2:
    case 4:
    case 8:
    case 16:
    case 24:
    case 32:
      break;
    default:
      return Fail(Unsupported(kFmt, std::to_string(h.bpp) + " bits per pixel"));
  }
  switch (h.compression) {
    case kBiRgb:
      break;
    case kBiRle8:
      if (h.bpp != 8) return Fail(Corrupt(kFmt, "RLE8 needs 8 bits per pixel"));
      break;
    case kBiRle4:
      if (h.bpp != 4) return Fail(Corrupt(kFmt, "RLE4 needs 4 bits per pixel"));
      break;
    case kBiBitfields:
    case kBiAlphaBitfields:
      if (dib == 64) return Fail(Unsupported(kFmt, "OS/2 compression"));
      if (h.bpp != 16 && h.bpp != 32) return Fail(Corrupt(kFmt, "bit fields need 16 or 32 bpp"));
      break;
    case kBiJpeg:
      return Fail(Unsupported(kFmt, "embedded JPEG"));
    case kBiPng:
      return Fail(Unsupported(kFmt, "embedded PNG"));
    default:
      return Fail(Unsupported(kFmt, "compression " + std::to_string(h.compression)));
  }
  if ((h.compression == kBiRle8 || h.compression == kBiRle4) && h.top_down) {
    return Fail(Corrupt(kFmt, "top-down RLE"));
  }

  // Bit masks: in the header for 52+ byte headers, else after a 40-byte header when declared.
  size_t after_header = 14 + static_cast<size_t>(dib);
  const bool bitfields = h.compression == kBiBitfields || h.compression == kBiAlphaBitfields;
  if (bitfields) {
    size_t at;
    int count = h.compression == kBiAlphaBitfields ? 4 : 3;
    if (dib >= 52) {
      at = 14 + 40;
      if (dib >= 56) count = 4;
    } else {
      at = after_header;
      after_header += 4 * static_cast<size_t>(count);
    }
    if (b.size() < at + 4 * static_cast<size_t>(count)) return Fail(Truncated(kFmt));
    for (int i = 0; i < count; ++i) h.masks[i] = U32(b, at + 4 * i);
  } else if (h.bpp == 16) {
    h.masks = {0x7C00, 0x03E0, 0x001F, 0};
  } else if (h.bpp == 32) {
    h.masks = {0x00FF0000, 0x0000FF00, 0x000000FF, 0};
    if (dib >= 56 && U32(b, 14 + 52) != 0) h.masks[3] = U32(b, 14 + 52);
  }
  h.has_alpha = h.masks[3] != 0;

  if (h.bpp <= 8) {
    const size_t entry = core ? 3 : 4;
    const uint32_t declared = core ? 0 : U32(b, 46);
    // A declared count above 2^bpp (a "huge palette") is capped: only 2^bpp entries are usable.
    size_t count = size_t{1} << h.bpp;
    if (declared != 0 && declared < count) count = declared;
    const size_t available = after_header <= b.size() ? (b.size() - after_header) / entry : 0;
    count = std::min(count, available);
    if (count == 0) return Fail(Corrupt(kFmt, "palette image without a palette"));
    h.palette_size = static_cast<int>(count);
    for (size_t i = 0; i < count; ++i) {
      const size_t at = after_header + i * entry;
      h.palette[3 * i] = b[at + 2];
      h.palette[3 * i + 1] = b[at + 1];
      h.palette[3 * i + 2] = b[at];
    }
  }
  if (h.pixel_offset >= b.size()) return Fail(Truncated(kFmt));
  return h;
}

ImageInfo InfoOf(const BmpHeader& h) {
  ImageInfo info;
  info.format = kFmt;
  info.width = static_cast<int>(h.width);
  info.height = static_cast<int>(h.height);
  info.color_model = h.bpp <= 8 ? ColorModel::kPalette : ColorModel::kRgb;
  info.bits_per_sample = h.bpp <= 8 ? h.bpp : (h.bpp == 16 ? 5 : 8);
  info.has_alpha = h.has_alpha;
  return info;
}

void PaletteLookup(const BmpHeader& h, uint32_t index, uint8_t* out) {
  if (index < static_cast<uint32_t>(h.palette_size)) {
    std::memcpy(out, h.palette.data() + 3 * index, 3);
  } else {
    out[0] = out[1] = out[2] = 0;
  }
}

// RLE8/RLE4 into an index buffer (row 0 = bottom row, as stored). Stops at end-of-bitmap, at the
// top row, or at the end of the data (truncated unless every row was reached).
Status DecodeRle(std::span<const uint8_t> data, const BmpHeader& h, std::vector<uint8_t>& indices) {
  const int64_t w = h.width;
  const int64_t rows = h.height;
  const bool four = h.compression == kBiRle4;
  int64_t x = 0;
  int64_t y = 0;
  size_t pos = 0;
  auto put = [&](uint8_t v) {
    if (x < w && y < rows) indices[static_cast<size_t>(y * w + x)] = v;
    if (x < w) ++x;  // beyond the width pixels are dropped; x stays bounded
  };
  for (;;) {
    if (y >= rows) return {};
    if (pos + 2 > data.size()) break;
    const uint8_t n = data[pos];
    const uint8_t c = data[pos + 1];
    pos += 2;
    if (n > 0) {
      for (int i = 0; i < n; ++i) put(four ? ((i & 1) ? (c & 0x0F) : (c >> 4)) : c);
      continue;
    }
    if (c == 0) {  // end of line
      x = 0;
      ++y;
    } else if (c == 1) {  // end of bitmap
      return {};
    } else if (c == 2) {  // delta
      if (pos + 2 > data.size()) break;
      x = std::min<int64_t>(x + data[pos], w);
      y += data[pos + 1];
      pos += 2;
    } else {  // absolute run of c pixels, padded to 16 bits
      const size_t bytes = four ? (size_t{c} + 1) / 2 : c;
      if (pos + bytes > data.size()) break;
      for (int i = 0; i < c; ++i) {
        const uint8_t byte = data[pos + (four ? i / 2 : i)];
        put(four ? ((i & 1) ? (byte & 0x0F) : (byte >> 4)) : byte);
      }
      pos += bytes + (bytes & 1);
    }
  }
  return Fail(Truncated(kFmt));
}

Result<ImageInfo> Run(std::span<const uint8_t> b, const DecodeLimits& limits, RowSink* sink) {
  if (b.size() < 2 || b[0] != 'B' || b[1] != 'M') return Fail(Corrupt(kFmt, "magic"));
  CS_TRY(BmpHeader h, ParseHeader(b, limits));
  const ImageInfo info = InfoOf(h);
  if (sink == nullptr) return info;

  const int width = static_cast<int>(h.width);
  const int height = static_cast<int>(h.height);
  const std::span<const uint8_t> data = b.subspan(h.pixel_offset);
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * 3);

  if (h.compression == kBiRle8 || h.compression == kBiRle4) {
    std::vector<uint8_t> indices(static_cast<size_t>(width) * height, 0);
    CS_TRY_STATUS(DecodeRle(data, h, indices));
    CS_TRY_STATUS(sink->Begin(info, width, height, 3));
    for (int y = 0; y < height; ++y) {
      const uint8_t* row = indices.data() + static_cast<size_t>(height - 1 - y) * width;
      for (int x = 0; x < width; ++x) PaletteLookup(h, row[x], rgb.data() + 3 * x);
      sink->Row(y, rgb.data());
    }
    return info;
  }

  const uint64_t stride = ((static_cast<uint64_t>(width) * h.bpp + 31) / 32) * 4;
  const uint64_t last_row_bytes = (static_cast<uint64_t>(width) * h.bpp + 7) / 8;
  // The final row's padding may be missing; its pixels may not.
  if (stride * (height - 1) + last_row_bytes > data.size()) return Fail(Truncated(kFmt));
  CS_TRY_STATUS(sink->Begin(info, width, height, 3));
  const Channel red = Channel::Of(h.masks[0]);
  const Channel green = Channel::Of(h.masks[1]);
  const Channel blue = Channel::Of(h.masks[2]);
  for (int y = 0; y < height; ++y) {
    const int file_row = h.top_down ? y : height - 1 - y;
    const uint8_t* row = data.data() + stride * file_row;
    uint8_t* out = rgb.data();
    switch (h.bpp) {
      case 1:
      case 2:
      case 4:
      case 8: {
        const int per_byte = 8 / h.bpp;
        const uint32_t mask = (1u << h.bpp) - 1;
        for (int x = 0; x < width; ++x) {
          const int shift = 8 - h.bpp * (x % per_byte + 1);
          PaletteLookup(h, (row[x / per_byte] >> shift) & mask, out + 3 * x);
        }
        break;
      }
      case 16:
        for (int x = 0; x < width; ++x) {
          const uint32_t p = uint32_t(row[2 * x]) | uint32_t(row[2 * x + 1]) << 8;
          out[3 * x] = red.Extract(p);
          out[3 * x + 1] = green.Extract(p);
          out[3 * x + 2] = blue.Extract(p);
        }
        break;
      case 24:
        for (int x = 0; x < width; ++x) {
          out[3 * x] = row[3 * x + 2];
          out[3 * x + 1] = row[3 * x + 1];
          out[3 * x + 2] = row[3 * x];
        }
        break;
      case 32:
        for (int x = 0; x < width; ++x) {
          const uint32_t p = uint32_t(row[4 * x]) | uint32_t(row[4 * x + 1]) << 8 |
                             uint32_t(row[4 * x + 2]) << 16 | uint32_t(row[4 * x + 3]) << 24;
          out[3 * x] = red.Extract(p);
          out[3 * x + 1] = green.Extract(p);
          out[3 * x + 2] = blue.Extract(p);
        }
        break;
    }
    sink->Row(y, out);
  }
  return info;
}

}  // namespace

Result<ImageInfo> ProbeBmp(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return Run(bytes, limits, nullptr);
}

Status DecodeBmp(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink) {
  CS_TRY(ImageInfo info, Run(bytes, limits, &sink));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
