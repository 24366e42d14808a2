// GIF through giflib 5.2 (return codes, no longjmp), first frame only. Records are read one by one
// (never DGifSlurp, which would decode every frame): extensions are skipped, the first image is
// decoded, and reading stops there, so later frames cost nothing.
//
// Policy: the canvas is the logical screen, grown if the first frame sticks out of it (or if the
// screen is declared 0x0). Where the frame does not cover the canvas, the background colour of
// the global colour table is used (black without one). Transparent pixels keep their palette
// colour (alpha dropped, as elsewhere). A frame without any colour table uses a grey ramp,
// and indices beyond the table are black.

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

struct MemoryReader {
  const uint8_t* data;
  size_t size;
  size_t pos;
  bool hit_end;
};

int ReadGif(GifFileType* gif, GifByteType* out, int length) {
  auto* r = static_cast<MemoryReader*>(gif->UserData);
  if (length <= 0) return 0;
  const size_t want = static_cast<size_t>(length);
  const size_t n = std::min(want, r->size - r->pos);
  if (n < want) r->hit_end = true;
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
  return static_cast<int>(n);
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};

struct Frame {
  int left = 0, top = 0, width = 0, height = 0;
  bool interlaced = false;
  int canvas_width = 0, canvas_height = 0;
  bool transparent = false;
  std::array<uint8_t, 256 * 3> palette{};
  int palette_size = 0;
  std::array<uint8_t, 3> background{};
  int bits = 8;
};

class GifReader {
 public:
  explicit GifReader(std::span<const uint8_t> bytes)
      : reader_{bytes.data(), bytes.size(), 0, false} {
    int error = 0;
    gif_.reset(DGifOpen(&reader_, ReadGif, &error));
  }

  Error Failure(std::string_view where) const {
    if (reader_.hit_end) return Truncated(ImageFormat::kGif);
    const int code = gif_ ? gif_->Error : 0;
    const char* msg = GifErrorString(code);
    return Corrupt(ImageFormat::kGif, std::string(where) + ": " + (msg != nullptr ? msg : "?"));
  }

  bool opened() const { return gif_ != nullptr; }
  GifFileType* gif() { return gif_.get(); }

 private:
  MemoryReader reader_;
  std::unique_ptr<GifFileType, GifCloser> gif_;
};

// Reads records up to and including the first image descriptor.
Result<Frame> ReadToFirstImage(GifReader& reader) {
  GifFileType* gif = reader.gif();
  Frame frame;
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) return Fail(reader.Failure("record"));
    if (type == TERMINATE_RECORD_TYPE) {
      return Fail(Corrupt(ImageFormat::kGif, "no image in file"));
    }
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) return Fail(reader.Failure("extension"));
      if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr) {
        GraphicsControlBlock gcb;
        if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK &&
            gcb.TransparentColor != NO_TRANSPARENT_COLOR) {
          frame.transparent = true;
        }
      }
      while (ext != nullptr) {
        if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) return Fail(reader.Failure("extension"));
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) return Fail(reader.Failure("image descriptor"));
    const GifImageDesc& d = gif->Image;
    frame.left = d.Left;
    frame.top = d.Top;
    frame.width = d.Width;
    frame.height = d.Height;
    frame.interlaced = d.Interlace;
    frame.canvas_width = std::max<int>(gif->SWidth, d.Left + d.Width);
    frame.canvas_height = std::max<int>(gif->SHeight, d.Top + d.Height);
    const ColorMapObject* map = d.ColorMap != nullptr ? d.ColorMap : gif->SColorMap;
    if (map != nullptr && map->Colors != nullptr) {
      frame.palette_size = std::clamp(map->ColorCount, 0, 256);
      frame.bits = map->BitsPerPixel;
      for (int i = 0; i < frame.palette_size; ++i) {
        frame.palette[3 * i] = map->Colors[i].Red;
        frame.palette[3 * i + 1] = map->Colors[i].Green;
        frame.palette[3 * i + 2] = map->Colors[i].Blue;
      }
    } else {
      frame.palette_size = 256;
      for (int i = 0; i < 256; ++i) {
        frame.palette[3 * i] = frame.palette[3 * i + 1] = frame.palette[3 * i + 2] =
            static_cast<uint8_t>(i);
      }
    }
    const ColorMapObject* global = gif->SColorMap;
    if (global != nullptr && global->Colors != nullptr && gif->SBackGroundColor >= 0 &&
        gif->SBackGroundColor < global->ColorCount) {
      const GifColorType c = global->Colors[gif->SBackGroundColor];
      frame.background = {c.Red, c.Green, c.Blue};
    }
    return frame;
  }
}

ImageInfo InfoOf(const Frame& f) {
  ImageInfo info;
  info.format = ImageFormat::kGif;
  info.width = f.canvas_width;
  info.height = f.canvas_height;
  info.color_model = ColorModel::kPalette;
  info.bits_per_sample = f.bits;
  info.has_alpha = f.transparent;
  return info;
}

Result<ImageInfo> Run(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink* sink) {
  GifReader reader(bytes);
  if (!reader.opened()) return Fail(reader.Failure("header"));
  CS_TRY(Frame f, ReadToFirstImage(reader));
  const ImageInfo info = InfoOf(f);
  CS_TRY_STATUS(CheckDimensions(ImageFormat::kGif, f.canvas_width, f.canvas_height, limits));
  if (f.width <= 0 || f.height <= 0) return Fail(Corrupt(ImageFormat::kGif, "empty frame"));
  if (sink == nullptr) return info;

  const int cw = f.canvas_width;
  const int ch = f.canvas_height;
  CS_TRY_STATUS(sink->Begin(info, cw, ch, 3));
  std::vector<GifPixelType> line(f.width);
  auto to_rgb = [&](const GifPixelType* indices, uint8_t* out) {
    for (int x = 0; x < f.width; ++x) {
      const int i = indices[x];
      if (i < f.palette_size) {
        std::memcpy(out + 3 * x, f.palette.data() + 3 * i, 3);
      } else {
        out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = 0;
      }
    }
  };
  const bool covers = f.left == 0 && f.top == 0 && f.width == cw && f.height == ch;
  if (covers && !f.interlaced) {
    // The common case streams: one index line and one RGB line.
    std::vector<uint8_t> rgb(static_cast<size_t>(cw) * 3);
    for (int y = 0; y < ch; ++y) {
      if (DGifGetLine(reader.gif(), line.data(), f.width) == GIF_ERROR) {
        return Fail(reader.Failure("pixels"));
      }
      to_rgb(line.data(), rgb.data());
      sink->Row(y, rgb.data());
    }
    return info;
  }
  // Otherwise compose on a canvas (3 bytes per canvas pixel).
  const size_t stride = static_cast<size_t>(cw) * 3;
  std::vector<uint8_t> canvas(stride * ch);
  for (size_t i = 0; i < canvas.size(); i += 3) std::memcpy(&canvas[i], f.background.data(), 3);
  std::vector<int> row_order;
  row_order.reserve(f.height);
  if (f.interlaced) {
    static constexpr int kStart[4] = {0, 4, 2, 1};
    static constexpr int kStep[4] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass) {
      for (int y = kStart[pass]; y < f.height; y += kStep[pass]) row_order.push_back(y);
    }
  } else {
    for (int y = 0; y < f.height; ++y) row_order.push_back(y);
  }
  std::vector<uint8_t> rgb(static_cast<size_t>(f.width) * 3);
  for (int y : row_order) {
    if (DGifGetLine(reader.gif(), line.data(), f.width) == GIF_ERROR) {
      return Fail(reader.Failure("pixels"));
    }
    to_rgb(line.data(), rgb.data());
    std::memcpy(canvas.data() + stride * (f.top + y) + static_cast<size_t>(f.left) * 3, rgb.data(),
                rgb.size());
  }
  for (int y = 0; y < ch; ++y) sink->Row(y, canvas.data() + stride * y);
  return info;
}

}  // namespace

Result<ImageInfo> ProbeGif(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  return Run(bytes, limits, nullptr);
}

Status DecodeGif(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink) {
  CS_TRY(ImageInfo info, Run(bytes, limits, &sink));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
