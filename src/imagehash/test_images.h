#pragma once
// Test-only encoders: build small images of every format in memory with the same Debian libraries
// (libjpeg, libpng, giflib, libwebp), or by hand (BMP, PPM), so the decoder policy tests control
// every pixel and header field.

#include <gif_lib.h>
#include <png.h>
#include <webp/encode.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

// jpeglib.h needs FILE and size_t declared before it.
// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

namespace childsafe::imagehash::testing {

// ---- JPEG ---------------------------------------------------------------------------------------

/// Encodes `pixels` (width x height x components, components 1, 3 or 4) as a baseline JPEG.
/// For 4 components the data is written as CMYK with libjpeg's Adobe marker.
inline std::vector<uint8_t> EncodeJpeg(const std::vector<uint8_t>& pixels, int width, int height,
                                       int components, int quality = 95, bool progressive = false) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + static_cast<size_t>(cinfo.next_scanline) *
                                                            width * components);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> bytes(out, out + out_size);
  free(out);
  return bytes;
}

/// A TIFF block with one IFD holding only the orientation tag.
inline std::vector<uint8_t> ExifTiff(int orientation, bool big_endian = false) {
  std::vector<uint8_t> t;
  auto u16 = [&](unsigned v) {
    if (big_endian) {
      t.push_back(uint8_t(v >> 8));
      t.push_back(uint8_t(v));
    } else {
      t.push_back(uint8_t(v));
      t.push_back(uint8_t(v >> 8));
    }
  };
  auto u32 = [&](uint32_t v) {
    if (big_endian) {
      u16(v >> 16);
      u16(v & 0xffff);
    } else {
      u16(v & 0xffff);
      u16(v >> 16);
    }
  };
  t.push_back(big_endian ? 'M' : 'I');
  t.push_back(big_endian ? 'M' : 'I');
  u16(42);
  u32(8);
  u16(1);       // one entry
  u16(0x0112);  // Orientation
  u16(3);       // SHORT
  u32(1);
  u16(orientation);
  u16(0);
  u32(0);  // no next IFD
  return t;
}

/// Inserts an APP1 Exif segment right after SOI.
inline std::vector<uint8_t> WithExifOrientation(const std::vector<uint8_t>& jpeg, int orientation,
                                                bool big_endian = false) {
  const std::vector<uint8_t> tiff = ExifTiff(orientation, big_endian);
  const size_t length = 2 + 6 + tiff.size();
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.push_back(0xFF);
  out.push_back(0xE1);
  out.push_back(uint8_t(length >> 8));
  out.push_back(uint8_t(length));
  const char exif[6] = {'E', 'x', 'i', 'f', 0, 0};
  out.insert(out.end(), exif, exif + 6);
  out.insert(out.end(), tiff.begin(), tiff.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// ---- PNG ----------------------------------------------------------------------------------------

struct PngSpec {
  int width = 0;
  int height = 0;
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<png_color> palette{};
  std::vector<uint8_t> trns{};  // palette alpha
  /// Rows packed as libpng expects for (color_type, bit_depth): 16-bit samples big-endian.
  std::vector<uint8_t> data{};
};

inline std::vector<uint8_t> EncodePng(const PngSpec& spec) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> rows(spec.height);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return {};
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, size_t n) {
        auto* v = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(p));
        v->insert(v->end(), data, data + n);
      },
      nullptr);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) {
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  }
  if (!spec.trns.empty()) {
    png_set_tRNS(png, info, spec.trns.data(), static_cast<int>(spec.trns.size()), nullptr);
  }
  png_write_info(png, info);
  const size_t rowbytes = spec.data.size() / spec.height;
  for (int y = 0; y < spec.height; ++y) {
    rows[y] = const_cast<png_bytep>(spec.data.data() + rowbytes * y);
  }
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

/// A PNG signature plus an IHDR chunk (with a correct CRC) declaring the given size, and nothing
/// else: enough to test header checks without any pixel data.
inline std::vector<uint8_t> PngHeaderOnly(uint32_t width, uint32_t height) {
  std::vector<uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n',
                            0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  auto be32 = [&](uint32_t v) {
    b.push_back(uint8_t(v >> 24));
    b.push_back(uint8_t(v >> 16));
    b.push_back(uint8_t(v >> 8));
    b.push_back(uint8_t(v));
  };
  be32(width);
  be32(height);
  b.push_back(8);  // depth
  b.push_back(2);  // RGB
  b.push_back(0);
  b.push_back(0);
  b.push_back(0);
  const uLong crc = crc32(0, b.data() + 12, 17);
  be32(static_cast<uint32_t>(crc));
  return b;
}

// ---- GIF ----------------------------------------------------------------------------------------

struct GifSpec {
  int screen_width = 0;
  int screen_height = 0;
  int left = 0;
  int top = 0;
  int width = 0;
  int height = 0;
  bool interlaced = false;
  int background = 0;
  int transparent = -1;
  std::vector<GifColorType> colors{};  // global table (power-of-two size)
  std::vector<uint8_t> indices{};      // width x height, in display order
  bool second_frame = false;
};

inline std::vector<uint8_t> EncodeGif(const GifSpec& spec) {
  std::vector<uint8_t> out;
  int error = 0;
  GifFileType* gif = EGifOpen(
      &out,
      [](GifFileType* g, const GifByteType* data, int n) {
        auto* v = static_cast<std::vector<uint8_t>*>(g->UserData);
        v->insert(v->end(), data, data + n);
        return n;
      },
      &error);
  ColorMapObject* map = GifMakeMapObject(static_cast<int>(spec.colors.size()), spec.colors.data());
  EGifSetGifVersion(gif, true);
  EGifPutScreenDesc(gif, spec.screen_width, spec.screen_height, 8, spec.background, map);
  if (spec.transparent >= 0) {
    GraphicsControlBlock gcb{};
    gcb.TransparentColor = spec.transparent;
    gcb.DisposalMode = DISPOSAL_UNSPECIFIED;
    GifByteType ext[4];
    const size_t n = EGifGCBToExtension(&gcb, ext);
    EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext);
  }
  EGifPutImageDesc(gif, spec.left, spec.top, spec.width, spec.height, spec.interlaced, nullptr);
  std::vector<int> order;
  if (spec.interlaced) {
    const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
    for (int p = 0; p < 4; ++p) {
      for (int y = start[p]; y < spec.height; y += step[p]) order.push_back(y);
    }
  } else {
    for (int y = 0; y < spec.height; ++y) order.push_back(y);
  }
  for (int y : order) {
    EGifPutLine(
        gif, const_cast<GifPixelType*>(spec.indices.data() + static_cast<size_t>(y) * spec.width),
        spec.width);
  }
  if (spec.second_frame) {
    EGifPutImageDesc(gif, 0, 0, spec.width, spec.height, false, nullptr);
    std::vector<GifPixelType> zeros(spec.width, 0);
    for (int y = 0; y < spec.height; ++y) EGifPutLine(gif, zeros.data(), spec.width);
  }
  EGifCloseFile(gif, &error);
  GifFreeMapObject(map);
  return out;
}

// ---- WebP ---------------------------------------------------------------------------------------

inline std::vector<uint8_t> EncodeWebpLossless(const std::vector<uint8_t>& pixels, int width,
                                               int height, bool rgba) {
  uint8_t* out = nullptr;
  const size_t n = rgba ? WebPEncodeLosslessRGBA(pixels.data(), width, height, width * 4, &out)
                        : WebPEncodeLosslessRGB(pixels.data(), width, height, width * 3, &out);
  std::vector<uint8_t> bytes(out, out + n);
  WebPFree(out);
  return bytes;
}

// ---- BMP / PPM (by hand) ------------------------------------------------------------------------

inline void PutLe16(std::vector<uint8_t>& b, unsigned v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
inline void PutLe32(std::vector<uint8_t>& b, uint32_t v) {
  PutLe16(b, v & 0xffff);
  PutLe16(b, v >> 16);
}

struct BmpSpec {
  int32_t width = 0;
  int32_t height = 0;  // negative: top-down
  int bpp = 24;
  uint32_t compression = 0;
  uint32_t header_size = 40;
  std::vector<uint32_t> masks{};        // after a 40-byte header, or inside a larger one
  std::vector<uint8_t> palette_bgrx{};  // 4 bytes per entry
  uint32_t colors_used = 0;
  std::vector<uint8_t> pixels{};  // exactly as stored (rows padded by the caller)
};

inline std::vector<uint8_t> EncodeBmp(const BmpSpec& s) {
  std::vector<uint8_t> b = {'B', 'M'};
  const bool masks_after = s.header_size == 40 && !s.masks.empty();
  const uint32_t offset = 14 + s.header_size + (masks_after ? 4 * s.masks.size() : 0) +
                          static_cast<uint32_t>(s.palette_bgrx.size());
  PutLe32(b, offset + static_cast<uint32_t>(s.pixels.size()));
  PutLe32(b, 0);
  PutLe32(b, offset);
  PutLe32(b, s.header_size);
  PutLe32(b, static_cast<uint32_t>(s.width));
  PutLe32(b, static_cast<uint32_t>(s.height));
  PutLe16(b, 1);
  PutLe16(b, s.bpp);
  PutLe32(b, s.compression);
  PutLe32(b, static_cast<uint32_t>(s.pixels.size()));
  PutLe32(b, 2835);
  PutLe32(b, 2835);
  PutLe32(b, s.colors_used);
  PutLe32(b, 0);
  if (s.header_size > 40) {
    for (size_t i = 0; i < 4; ++i) PutLe32(b, i < s.masks.size() ? s.masks[i] : 0);
    while (b.size() < 14 + s.header_size) b.push_back(0);
  } else if (masks_after) {
    for (uint32_t m : s.masks) PutLe32(b, m);
  }
  b.insert(b.end(), s.palette_bgrx.begin(), s.palette_bgrx.end());
  b.insert(b.end(), s.pixels.begin(), s.pixels.end());
  return b;
}

inline std::vector<uint8_t> EncodePnm(char kind, int width, int height, int maxval,
                                      const std::vector<uint8_t>& samples) {
  std::string header = std::string("P") + kind + "\n# test\n" + std::to_string(width) + " " +
                       std::to_string(height) + "\n" + std::to_string(maxval) + "\n";
  std::vector<uint8_t> b(header.begin(), header.end());
  b.insert(b.end(), samples.begin(), samples.end());
  return b;
}

}  // namespace childsafe::imagehash::testing
