// WebP through libwebp 1.2 (return codes, no longjmp). Still images decode straight to RGB (alpha
// dropped: the stored, non-premultiplied colour is used). Animated files hash their first frame
// as libwebp's animation decoder composes it on the canvas (transparent, hence black, where the
// frame does not cover it). The canvas size is checked before anything is allocated.

#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash::internal {

namespace {

Error FromStatus(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return Truncated(ImageFormat::kWebp);
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return Unsupported(ImageFormat::kWebp, "feature");
    case VP8_STATUS_OUT_OF_MEMORY:
      return Error::TooLarge("webp image needs too much memory");
    default:
      return Corrupt(ImageFormat::kWebp, "status " + std::to_string(static_cast<int>(status)));
  }
}

struct DemuxDeleter {
  void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};
struct AnimDeleter {
  void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};

int ExifOrientation(const WebPData& data) {
  std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&data));
  if (!demux) return 0;
  if ((WebPDemuxGetI(demux.get(), WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) == 0) return 0;
  WebPChunkIterator it;
  int orientation = 0;
  if (WebPDemuxGetChunk(demux.get(), "EXIF", 1, &it)) {
    std::span<const uint8_t> tiff(it.chunk.bytes, it.chunk.size);
    // Some writers keep JPEG's "Exif\0\0" prefix inside the chunk.
    if (tiff.size() >= 6 && std::memcmp(tiff.data(), "Exif\0\0", 6) == 0) tiff = tiff.subspan(6);
    orientation = ExifOrientationFromTiff(tiff);
    WebPDemuxReleaseChunkIterator(&it);
  }
  return orientation;
}

Result<ImageInfo> Run(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink* sink,
                      bool* animated) {
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (status != VP8_STATUS_OK) return Fail(FromStatus(status));
  ImageInfo info;
  info.format = ImageFormat::kWebp;
  info.width = features.width;
  info.height = features.height;
  info.color_model = ColorModel::kRgb;
  info.bits_per_sample = 8;
  info.has_alpha = features.has_alpha != 0;
  const WebPData data{bytes.data(), bytes.size()};
  info.exif_orientation = ExifOrientation(data);
  *animated = features.has_animation != 0;
  CS_TRY_STATUS(CheckDimensions(ImageFormat::kWebp, features.width, features.height, limits));
  if (sink == nullptr) return info;

  const int width = features.width;
  const int height = features.height;
  const size_t stride = static_cast<size_t>(width) * 3;
  if (!*animated) {
    std::vector<uint8_t> rgb(stride * height);
    if (WebPDecodeRGBInto(bytes.data(), bytes.size(), rgb.data(), rgb.size(),
                          static_cast<int>(stride)) == nullptr) {
      // Re-run the cheap header parse to tell truncation from corruption.
      WebPDecoderConfig config;
      if (!WebPInitDecoderConfig(&config)) return Fail(Error::Internal("libwebp version mismatch"));
      config.output.colorspace = MODE_RGB;
      const VP8StatusCode why = WebPDecode(bytes.data(), bytes.size(), &config);
      WebPFreeDecBuffer(&config.output);
      return Fail(FromStatus(why == VP8_STATUS_OK ? VP8_STATUS_BITSTREAM_ERROR : why));
    }
    CS_TRY_STATUS(sink->Begin(info, width, height, 3));
    for (int y = 0; y < height; ++y) sink->Row(y, rgb.data() + stride * y);
    return info;
  }

  WebPAnimDecoderOptions options;
  if (!WebPAnimDecoderOptionsInit(&options))
    return Fail(Error::Internal("libwebp version mismatch"));
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, AnimDeleter> decoder(WebPAnimDecoderNew(&data, &options));
  if (!decoder) return Fail(Corrupt(ImageFormat::kWebp, "animation container"));
  WebPAnimInfo anim;
  if (!WebPAnimDecoderGetInfo(decoder.get(), &anim) ||
      static_cast<int>(anim.canvas_width) != width ||
      static_cast<int>(anim.canvas_height) != height) {
    return Fail(Corrupt(ImageFormat::kWebp, "animation canvas"));
  }
  uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(decoder.get(), &canvas, &timestamp) || canvas == nullptr) {
    return Fail(Corrupt(ImageFormat::kWebp, "first animation frame"));
  }
  CS_TRY_STATUS(sink->Begin(info, width, height, 3));
  std::vector<uint8_t> row(stride);
  for (int y = 0; y < height; ++y) {
    const uint8_t* in = canvas + static_cast<size_t>(y) * width * 4;
    for (int x = 0; x < width; ++x) {
      row[3 * x] = in[4 * x];
      row[3 * x + 1] = in[4 * x + 1];
      row[3 * x + 2] = in[4 * x + 2];
    }
    sink->Row(y, row.data());
  }
  return info;
}

}  // namespace

Result<ImageInfo> ProbeWebp(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  bool animated = false;
  return Run(bytes, limits, nullptr, &animated);
}

Status DecodeWebp(std::span<const uint8_t> bytes, const DecodeLimits& limits, RowSink& sink) {
  bool animated = false;
  CS_TRY(ImageInfo info, Run(bytes, limits, &sink, &animated));
  (void)info;
  return {};
}

}  // namespace childsafe::imagehash::internal
