// PNG through libpng 1.6. libpng reports fatal errors by longjmp to png_jmpbuf(); every function
// here that calls setjmp holds only trivially destructible locals, and C++ buffers are owned by
// the caller's frame, which the jump never unwinds.
//
// Policy (decode.h): palette -> RGB, grey (any depth) -> 8-bit grey, alpha and tRNS dropped,
// 16-bit scaled to 8 with rounding. Interlaced images are de-interlaced into a full buffer;
// others stream one row at a time. The default (IDAT) image of an APNG is the one decoded.

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

struct PngState {
  png_structp png;
  png_infop info;
  const uint8_t* data;
  size_t size;
  size_t pos;
  bool truncated;
  char message[256];
};

void OnPngError(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::strncpy(st->message, msg != nullptr ? msg : "", sizeof st->message - 1);
  png_longjmp(png, 1);
}

void OnPngWarning(png_structp, png_const_charp) {}

void ReadFromMemory(png_structp png, png_bytep out, size_t length) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > st->size - st->pos) {
    st->truncated = true;
    png_error(png, "unexpected end of file");
  }
  std::memcpy(out, st->data + st->pos, length);
  st->pos += length;
}

struct PngHeader {
  png_uint_32 width;
  png_uint_32 height;
  int bit_depth;
  int color_type;
  int interlace;
  bool has_trns;
  int exif_orientation;
  int out_channels;  // 1 or 3 after our transforms
  size_t rowbytes;   // after transforms (16-bit samples still 2 bytes)
  int passes;
};

// Reads the chunks up to the first IDAT and configures the transforms. 0 on success.
int ReadInfo(PngState* st, PngHeader* h, bool configure) {
  if (setjmp(png_jmpbuf(st->png))) return 1;
  png_read_info(st->png, st->info);
  png_get_IHDR(st->png, st->info, &h->width, &h->height, &h->bit_depth, &h->color_type,
               &h->interlace, nullptr, nullptr);
  h->has_trns = png_get_valid(st->png, st->info, PNG_INFO_tRNS) != 0;
  h->exif_orientation = 0;
  png_uint_32 exif_len = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(st->png, st->info, &exif_len, &exif) != 0 && exif != nullptr) {
    h->exif_orientation = ExifOrientationFromTiff(std::span<const uint8_t>(exif, exif_len));
  }
  if (!configure) return 0;
  if (h->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st->png);
  if (h->color_type == PNG_COLOR_TYPE_GRAY && h->bit_depth < 8) {
    png_set_expand_gray_1_2_4_to_8(st->png);
  }
  // Expanding a palette also turns tRNS into an alpha channel; strip that as well.
  if ((h->color_type & PNG_COLOR_MASK_ALPHA) != 0 || h->has_trns) png_set_strip_alpha(st->png);
  h->passes = png_set_interlace_handling(st->png);
  png_read_update_info(st->png, st->info);
  h->out_channels = png_get_channels(st->png, st->info);
  h->rowbytes = png_get_rowbytes(st->png, st->info);
  return 0;
}

// Reads `h->height` rows into `rows` (one buffer per row for interlaced images, else one shared
// row buffer), handing each finished row to emit(). 0 on success.
template <class Emit>
int ReadRows(PngState* st, const PngHeader* h, uint8_t* buffer, bool whole_image, Emit* emit) {
  if (setjmp(png_jmpbuf(st->png))) return 1;
  if (whole_image) {
    for (int pass = 0; pass < h->passes; ++pass) {
      for (png_uint_32 y = 0; y < h->height; ++y) {
        png_read_row(st->png, buffer + static_cast<size_t>(y) * h->rowbytes, nullptr);
      }
    }
    for (png_uint_32 y = 0; y < h->height; ++y) {
      (*emit)(static_cast<int>(y), buffer + static_cast<size_t>(y) * h->rowbytes);
    }
  } else {
    for (png_uint_32 y = 0; y < h->height; ++y) {
      png_read_row(st->png, buffer, nullptr);
      (*emit)(static_cast<int>(y), buffer);
    }
  }
  png_read_end(st->png, nullptr);
  return 0;
}

class PngReader {
 public:
  PngReader(std::span<const uint8_t> bytes) {
    std::memset(&st_, 0, sizeof st_);
    st_.data = bytes.data();
    st_.size = bytes.size();
    st_.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st_, OnPngError, OnPngWarning);
    if (st_.png != nullptr) st_.info = png_create_info_struct(st_.png);
    if (st_.png != nullptr && st_.info != nullptr) {
      png_set_read_fn(st_.png, &st_, ReadFromMemory);
      // Bound what ancillary chunks may cost: 8 MB per chunk (also caps zTXt/iCCP inflation),
      // at most 128 cached ancillary chunks. Pixel buffers are bounded by DecodeLimits.
      png_set_chunk_malloc_max(st_.png, 8u << 20);
      png_set_chunk_cache_max(st_.png, 128);
      png_set_user_limits(st_.png, 0x7fffffff, 0x7fffffff);  // we check DecodeLimits ourselves
      // CRC errors in critical chunks stay errors; in ancillary chunks they are only warnings.
    }
  }
  ~PngReader() {
    if (st_.png != nullptr)
      png_destroy_read_struct(&st_.png, st_.info ? &st_.info : nullptr, nullptr);
  }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  bool ok() const { return st_.png != nullptr && st_.info != nullptr; }
  PngState* state() { return &st_; }

  Error Failure() const {
    if (st_.truncated) return Truncated(ImageFormat::kPng);
    return Corrupt(ImageFormat::kPng, st_.message);
  }

 private:
  PngState st_;
};

ImageInfo InfoOf(const PngHeader& h) {
  ImageInfo info;
  info.format = ImageFormat::kPng;
  info.width = static_cast<int>(std::min<png_uint_32>(h.width, 0x7fffffff));
  info.height = static_cast<int>(std::min<png_uint_32>(h.height, 0x7fffffff));
  info.bits_per_sample = h.bit_depth;
  switch (h.color_type) {
    case PNG_COLOR_TYPE_GRAY:
    case PNG_COLOR_TYPE_GRAY_ALPHA:
      info.color_model = ColorModel::kGrey;
      break;
    case PNG_COLOR_TYPE_PALETTE:
      info.color_model = ColorModel::kPalette;
      break;
    default:
      info.color_model = ColorModel::kRgb;
      break;
  }
  info.has_alpha = (h.color_type & PNG_COLOR_MASK_ALPHA) != 0 || h.has_trns;
  info.exif_orientation = h.exif_orientation;
  return info;
}

// IHDR must be the first chunk, so its size fields sit at a fixed offset; checking them before
// libpng reads further refuses a bomb from its first 24 bytes.
Status CheckIhdr(std::span<const uint8_t> b, const DecodeLimits& limits) {
  if (b.size() < 24 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) return {};  // libpng will say
  auto be32 = [&](size_t at) {
    return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
  };
  const uint32_t width = be32(16);
  const uint32_t height = be32(20);
  if (width > 0x7fffffffu || height > 0x7fffffffu) {
    return Fail(Corrupt(ImageFormat::kPng, "IHDR size above 2^31-1"));
  }
  return CheckDimensions(ImageFormat::kPng, width, height, limits);
}

Result<ImageInfo> Run(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink* sink) {
  CS_TRY_STATUS(CheckIhdr(bytes, limits));
  PngReader reader(bytes);
  if (!reader.ok()) return Fail(Error::Internal("libpng initialisation failed"));
  PngHeader h{};
  if (ReadInfo(reader.state(), &h, sink != nullptr) != 0) return Fail(reader.Failure());
  const ImageInfo info = InfoOf(h);
  CS_TRY_STATUS(CheckDimensions(ImageFormat::kPng, h.width, h.height, limits));
  if (sink == nullptr) return info;
  if (h.out_channels != 1 && h.out_channels != 3) {
    return Fail(Unsupported(ImageFormat::kPng, "unexpected channel count after conversion"));
  }
  const int width = static_cast<int>(h.width);
  const int height = static_cast<int>(h.height);
  const int channels = h.out_channels;
  CS_TRY_STATUS(sink->Begin(info, width, height, channels));

  const bool sixteen = h.bit_depth == 16;
  const bool whole_image = h.passes > 1;
  std::vector<uint8_t> buffer(whole_image ? h.rowbytes * h.height : h.rowbytes);
  std::vector<uint8_t> narrow(sixteen ? static_cast<size_t>(width) * channels : 0);
  auto emit = [&](int y, const uint8_t* row) {
    if (!sixteen) {
      sink->Row(y, row);
      return;
    }
    for (size_t i = 0; i < narrow.size(); ++i) {
      narrow[i] = Scale16To8((uint32_t{row[2 * i]} << 8) | row[2 * i + 1]);
    }
    sink->Row(y, narrow.data());
  };
  if (ReadRows(reader.state(), &h, buffer.data(), whole_image, &emit) != 0) {
    return Fail(reader.Failure());
  }
  return info;
}

}  // namespace

Result<ImageInfo> ProbePng(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return Run(bytes, limits, nullptr);
}

Status DecodePng(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink) {
  CS_TRY(ImageInfo info, Run(bytes, limits, &sink));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
