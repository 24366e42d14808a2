#include "imagehash/image_hash.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "imagehash/decoder_internal.h"

namespace childsafe::imagehash {

std::string_view PdqFlavorName(PdqFlavor flavor) {
  return flavor == PdqFlavor::kRef512 ? "ref512" : "fullres";
}

std::string_view HashPathName(HashPath path) { return path == HashPath::kFast ? "fast" : "exact"; }

int FastJpegScale(int width, int height, int min_side) {
  const int shorter = std::min(width, height);
  for (int num = 1; num < 8; ++num) {
    // libjpeg's scaled size is ceil(size * num / 8).
    const int64_t scaled = (int64_t{shorter} * num + 7) / 8;
    if (scaled >= min_side) return num;
  }
  return 8;
}

LumaImage ApplyOrientation(const LumaImage& in, int orientation) {
  if (orientation < 2 || orientation > 8) return in;
  const int w = in.width;
  const int h = in.height;
  const bool swap = orientation >= 5;
  LumaImage out;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.pixels.resize(in.pixels.size());
  auto src = [&](int r, int c) { return in.pixels[static_cast<size_t>(r) * w + c]; };
  for (int r = 0; r < out.height; ++r) {
    float* dst = out.pixels.data() + static_cast<size_t>(r) * out.width;
    for (int c = 0; c < out.width; ++c) {
      switch (orientation) {
        case 2:
          dst[c] = src(r, w - 1 - c);
          break;  // mirror left-right
        case 3:
          dst[c] = src(h - 1 - r, w - 1 - c);
          break;  // rotate 180
        case 4:
          dst[c] = src(h - 1 - r, c);
          break;  // mirror top-bottom
        case 5:
          dst[c] = src(c, r);
          break;  // transpose
        case 6:
          dst[c] = src(h - 1 - c, r);
          break;  // rotate 90 clockwise
        case 7:
          dst[c] = src(h - 1 - c, w - 1 - r);
          break;  // anti-transpose
        case 8:
          dst[c] = src(c, w - 1 - r);
          break;  // rotate 90 counter-clockwise
      }
    }
  }
  return out;
}

namespace {

void RowToLuma(const uint8_t* in, int channels, int width, float* out) {
  if (channels == 1) {
    for (int x = 0; x < width; ++x) out[x] = static_cast<float>(in[x]);
  } else {
    for (int x = 0; x < width; ++x) out[x] = LumaFromRgb(in[3 * x], in[3 * x + 1], in[3 * x + 2]);
  }
}

// Feeds float luma rows of a (width x height) image to the PDQ core, applying the ref512
// nearest-neighbour squash when the flavour asks for it.
class LumaFeeder {
 public:
  LumaFeeder(int width, int height, PdqFlavor flavor)
      : squash_(flavor == PdqFlavor::kRef512 && (width > kRef512Size || height > kRef512Size)),
        pipeline_(squash_ ? kRef512Size : width, squash_ ? kRef512Size : height) {
    if (squash_) {
      scratch_.resize(width);
      src_cols_.resize(kRef512Size);
      src_rows_.resize(kRef512Size);
      for (int i = 0; i < kRef512Size; ++i) {
        src_cols_[i] = NearestSourceIndex(i, width, kRef512Size);
        src_rows_[i] = NearestSourceIndex(i, height, kRef512Size);
      }
    }
  }

  float* RowBuffer() { return squash_ ? scratch_.data() : pipeline_.RowBuffer(); }

  void CommitRow() {
    const int y = rows_++;
    if (!squash_) {
      pipeline_.CommitRow();
      return;
    }
    while (next_out_ < kRef512Size && src_rows_[next_out_] == y) {
      float* out = pipeline_.RowBuffer();
      for (int x = 0; x < kRef512Size; ++x) out[x] = scratch_[src_cols_[x]];
      pipeline_.CommitRow();
      ++next_out_;
    }
  }

  int hashed_width() const { return pipeline_.width(); }
  int hashed_height() const { return pipeline_.height(); }
  PdqResult Finish(bool dihedral) { return pipeline_.Finish(dihedral); }

 private:
  bool squash_;
  PdqPipeline pipeline_;
  std::vector<float> scratch_;
  std::vector<int> src_cols_;
  std::vector<int> src_rows_;
  int rows_ = 0;
  int next_out_ = 0;
};

// Streams decoded rows straight into the PDQ core.
class PdqSink final : public internal::RowSink {
 public:
  explicit PdqSink(PdqFlavor flavor) : flavor_(flavor) {}
  Status Begin(const ImageInfo&, int width, int height, int channels) override {
    width_ = width;
    channels_ = channels;
    feeder_.emplace(width, height, flavor_);
    return {};
  }
  void Row(int, const uint8_t* pixels) override {
    RowToLuma(pixels, channels_, width_, feeder_->RowBuffer());
    feeder_->CommitRow();
  }
  LumaFeeder* feeder() { return feeder_ ? &*feeder_ : nullptr; }

 private:
  PdqFlavor flavor_;
  int width_ = 0;
  int channels_ = 3;
  std::optional<LumaFeeder> feeder_;
};

// Collects the whole luma image (for EXIF orientation, which needs random access).
class LumaCollectSink final : public internal::RowSink {
 public:
  Status Begin(const ImageInfo&, int width, int height, int channels) override {
    luma_.width = width;
    luma_.height = height;
    channels_ = channels;
    luma_.pixels.assign(static_cast<size_t>(width) * height, 0.0f);
    return {};
  }
  void Row(int y, const uint8_t* pixels) override {
    RowToLuma(pixels, channels_, luma_.width,
              luma_.pixels.data() + static_cast<size_t>(y) * luma_.width);
  }
  LumaImage& luma() { return luma_; }

 private:
  LumaImage luma_;
  int channels_ = 3;
};

}  // namespace

Result<ImageHashes> HashImage(std::span<const uint8_t> bytes, const HashOptions& options) {
  CS_TRY(ImageFormat format, SniffFormat(bytes));
  CS_TRY(ImageInfo info, internal::Probe(format, bytes, options.limits));

  ImageHashes out;
  out.info = info;
  out.flavor = options.flavor;
  if (options.digests) {
    out.digests = ComputeDigests(bytes);
    out.has_digests = true;
  }

  internal::JpegOptions jpeg;
  const bool fast_capable =
      format == ImageFormat::kJpeg && options.flavor == PdqFlavor::kFullRes &&
      (info.color_model == ColorModel::kRgb || info.color_model == ColorModel::kGrey);
  if (options.mode == HashMode::kFast && fast_capable) {
    const int scale = FastJpegScale(info.width, info.height, std::max(1, options.fast_min_side));
    if (scale < 8) {
      jpeg.scale_num = scale;
      jpeg.luma_only = true;
      out.path = HashPath::kFast;
    }
  }

  const int orientation = info.exif_orientation;
  PdqResult pdq;
  if (options.apply_exif_orientation && orientation >= 2 && orientation <= 8) {
    LumaCollectSink sink;
    CS_TRY_STATUS(internal::Decode(format, bytes, options.limits, jpeg, sink));
    const LumaImage oriented = ApplyOrientation(sink.luma(), orientation);
    LumaFeeder feeder(oriented.width, oriented.height, options.flavor);
    for (int y = 0; y < oriented.height; ++y) {
      std::copy_n(oriented.pixels.data() + static_cast<size_t>(y) * oriented.width, oriented.width,
                  feeder.RowBuffer());
      feeder.CommitRow();
    }
    out.hashed_width = feeder.hashed_width();
    out.hashed_height = feeder.hashed_height();
    out.orientation_applied = true;
    pdq = feeder.Finish(options.dihedral);
  } else {
    PdqSink sink(options.flavor);
    CS_TRY_STATUS(internal::Decode(format, bytes, options.limits, jpeg, sink));
    LumaFeeder* feeder = sink.feeder();
    if (feeder == nullptr) return Fail(Error::Internal("decoder produced no image"));
    out.hashed_width = feeder->hashed_width();
    out.hashed_height = feeder->hashed_height();
    pdq = feeder->Finish(options.dihedral);
  }
  out.pdq = pdq.hash;
  out.quality = pdq.quality;
  out.has_dihedral = pdq.has_dihedral;
  out.dihedral = pdq.dihedral;
  return out;
}

}  // namespace childsafe::imagehash
