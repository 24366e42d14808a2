#include "imagehash/decode.h"

#include <cstring>
#include <string>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash {

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "jpeg";
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kWebp:
      return "webp";
    case ImageFormat::kGif:
      return "gif";
    case ImageFormat::kBmp:
      return "bmp";
    case ImageFormat::kPpm:
      return "ppm";
  }
  return "unknown";
}

std::string_view ColorModelName(ColorModel model) {
  switch (model) {
    case ColorModel::kGrey:
      return "grey";
    case ColorModel::kRgb:
      return "rgb";
    case ColorModel::kPalette:
      return "palette";
    case ColorModel::kCmyk:
      return "cmyk";
    case ColorModel::kYcck:
      return "ycck";
  }
  return "unknown";
}

Result<ImageFormat> SniffFormat(std::span<const uint8_t> b) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return b.size() >= at + magic.size() &&
           std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
  };
  if (starts("\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (starts("GIF87a") || starts("GIF89a")) return ImageFormat::kGif;
  if (starts("RIFF") && starts("WEBP", 8)) return ImageFormat::kWebp;
  if (starts("BM") && b.size() >= 18) return ImageFormat::kBmp;
  if (b.size() >= 3 && b[0] == 'P' && (b[1] == '5' || b[1] == '6') &&
      (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t' || b[2] == '#')) {
    return ImageFormat::kPpm;
  }
  if (b.empty()) return Fail(Error::Invalid("the file is empty"));
  return Fail(Error::Invalid(
      "not a supported image: expected JPEG, PNG, WebP, GIF, BMP or binary PPM/PGM"));
}

namespace internal {

Status CheckDimensions(ImageFormat format, int64_t width, int64_t height,
                       const DecodeLimits& limits) {
  const std::string name(ImageFormatName(format));
  if (width <= 0 || height <= 0) {
    return Fail(Error::Invalid(name + " image declares a zero or negative size"));
  }
  if (width > limits.max_dimension || height > limits.max_dimension) {
    Error e = Error::TooLarge(name + " image is too large: a side exceeds " +
                              std::to_string(limits.max_dimension) + " pixels");
    e.detail = std::to_string(width) + "x" + std::to_string(height);
    return Fail(std::move(e));
  }
  if (width * height > limits.max_pixels) {
    Error e = Error::TooLarge(name + " image is too large: " + std::to_string(width) + "x" +
                              std::to_string(height) + " exceeds the limit of " +
                              std::to_string(limits.max_pixels) + " pixels");
    return Fail(std::move(e));
  }
  return {};
}

Error Corrupt(ImageFormat format, std::string_view what) {
  Error e = Error::Invalid(std::string(ImageFormatName(format)) + " image is corrupt");
  e.detail = std::string(what);
  return e;
}

Error Truncated(ImageFormat format) {
  return Error::Invalid(std::string(ImageFormatName(format)) + " image is truncated");
}

Error Unsupported(ImageFormat format, std::string_view what) {
  return Error::Invalid(std::string(ImageFormatName(format)) +
                        " variant not supported: " + std::string(what));
}

int ExifOrientationFromTiff(std::span<const uint8_t> t) {
  if (t.size() < 8) return 0;
  bool little;
  if (t[0] == 'I' && t[1] == 'I') {
    little = true;
  } else if (t[0] == 'M' && t[1] == 'M') {
    little = false;
  } else {
    return 0;
  }
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? (t[at] | (t[at + 1] << 8)) : ((t[at] << 8) | t[at + 1]);
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? (uint32_t(t[at]) | uint32_t(t[at + 1]) << 8 | uint32_t(t[at + 2]) << 16 |
                     uint32_t(t[at + 3]) << 24)
                  : (uint32_t(t[at]) << 24 | uint32_t(t[at + 1]) << 16 | uint32_t(t[at + 2]) << 8 |
                     uint32_t(t[at + 3]));
  };
  if (u16(2) != 42) return 0;
  const uint64_t ifd = u32(4);
  if (ifd + 2 > t.size()) return 0;
  const uint32_t entries = u16(ifd);
  for (uint32_t i = 0; i < entries; ++i) {
    const uint64_t at = ifd + 2 + uint64_t{i} * 12;
    if (at + 12 > t.size()) return 0;
    if (u16(at) != 0x0112) continue;
    // SHORT, count 1: the value sits in the first two bytes of the value field.
    if (u16(at + 2) != 3 || u32(at + 4) != 1) return 0;
    const uint32_t v = u16(at + 8);
    return (v >= 1 && v <= 8) ? static_cast<int>(v) : 0;
  }
  return 0;
}

Result<ImageInfo> Probe(ImageFormat format, std::span<const uint8_t> bytes,
                        const DecodeLimits& limits) {
  switch (format) {
    case ImageFormat::kJpeg:
      return ProbeJpeg(bytes, limits);
    case ImageFormat::kPng:
      return ProbePng(bytes, limits);
    case ImageFormat::kWebp:
      return ProbeWebp(bytes, limits);
    case ImageFormat::kGif:
      return ProbeGif(bytes, limits);
    case ImageFormat::kBmp:
      return ProbeBmp(bytes, limits);
    case ImageFormat::kPpm:
      return ProbePpm(bytes, limits);
  }
  return Fail(Error::Internal("unknown image format"));
}

Status Decode(ImageFormat format, std::span<const uint8_t> bytes, const DecodeLimits& limits,
              const JpegOptions& jpeg, RowSink& sink) {
  switch (format) {
    case ImageFormat::kJpeg:
      return DecodeJpeg(bytes, limits, jpeg, sink);
    case ImageFormat::kPng:
      return DecodePng(bytes, limits, sink);
    case ImageFormat::kWebp:
      return DecodeWebp(bytes, limits, sink);
    case ImageFormat::kGif:
      return DecodeGif(bytes, limits, sink);
    case ImageFormat::kBmp:
      return DecodeBmp(bytes, limits, sink);
    case ImageFormat::kPpm:
      return DecodePpm(bytes, limits, sink);
  }
  return Fail(Error::Internal("unknown image format"));
}

}  // namespace internal

Result<ImageInfo> ProbeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  CS_TRY(ImageFormat format, SniffFormat(bytes));
  return internal::Probe(format, bytes, limits);
}

namespace {

class CollectingSink final : public internal::RowSink {
 public:
  explicit CollectingSink(DecodedImage& out) : out_(out) {}
  Status Begin(const ImageInfo& info, int width, int height, int channels) override {
    out_.info = info;
    out_.width = width;
    out_.height = height;
    out_.channels = channels;
    out_.pixels.assign(static_cast<size_t>(width) * height * channels, 0);
    return {};
  }
  void Row(int y, const uint8_t* pixels) override {
    const size_t stride = static_cast<size_t>(out_.width) * out_.channels;
    std::memcpy(out_.pixels.data() + stride * y, pixels, stride);
  }

 private:
  DecodedImage& out_;
};

}  // namespace

Result<DecodedImage> DecodeImage(std::span<const uint8_t> bytes, const DecodeLimits& limits) {
  CS_TRY(ImageFormat format, SniffFormat(bytes));
  DecodedImage image;
  CollectingSink sink(image);
  CS_TRY_STATUS(internal::Decode(format, bytes, limits, internal::JpegOptions{}, sink));
  return image;
}

}  // namespace childsafe::imagehash
