#include "imagehash/image_hash.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "imagehash/decoder_internal.h"
#include "imagehash/pdq_scaled.h"

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

// Adapts ScaledPdq (the fast path's full-resolution emulation) to the feeder interface.
class ScaledFeeder {
 public:
  ScaledFeeder(int full_width, int full_height, int reduced_width, int reduced_height,
               double footprint, double origin_x = 0.0, double origin_y = 0.0)
      : pdq_(full_width, full_height, reduced_width, reduced_height, footprint, origin_x,
             origin_y) {}
  float* RowBuffer() { return pdq_.RowBuffer(); }
  void CommitRow() { pdq_.CommitRow(); }
  int hashed_width() const { return pdq_.reduced_width(); }
  int hashed_height() const { return pdq_.reduced_height(); }
  PdqResult Finish(bool dihedral) { return pdq_.Finish(dihedral); }

 private:
  ScaledPdq pdq_;
};

// What the core needs to know about the rows it will receive.
struct Plan {
  PdqFlavor flavor = PdqFlavor::kFullRes;
  bool fast = false;
  double footprint = 1.0;  // full-resolution pixels per decoded pixel (fast path)
  int full_width = 0;      // size of the (oriented) full-resolution image
  int full_height = 0;
};

// Streams decoded rows straight into the PDQ core (exact) or its scaled emulation (fast).
template <class Feeder>
class StreamSink final : public internal::RowSink {
 public:
  explicit StreamSink(const Plan& plan) : plan_(plan) {}
  Status Begin(const ImageInfo&, int width, int height, int channels) override {
    width_ = width;
    channels_ = channels;
    if constexpr (std::is_same_v<Feeder, LumaFeeder>) {
      feeder_.emplace(width, height, plan_.flavor);
    } else {
      feeder_.emplace(plan_.full_width, plan_.full_height, width, height, plan_.footprint);
    }
    return {};
  }
  void Row(int, const uint8_t* pixels) override {
    RowToLuma(pixels, channels_, width_, feeder_->RowBuffer());
    feeder_->CommitRow();
  }
  Feeder* feeder() { return feeder_ ? &*feeder_ : nullptr; }

 private:
  Plan plan_;
  int width_ = 0;
  int channels_ = 3;
  std::optional<Feeder> feeder_;
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

template <class Feeder>
Result<PdqResult> Stream(ImageFormat format, std::span<const uint8_t> bytes,
                         const HashOptions& options, const internal::JpegOptions& jpeg,
                         const Plan& plan, ImageHashes& out) {
  StreamSink<Feeder> sink(plan);
  CS_TRY_STATUS(internal::Decode(format, bytes, options.limits, jpeg, sink));
  Feeder* feeder = sink.feeder();
  if (feeder == nullptr) return Fail(Error::Internal("decoder produced no image"));
  out.hashed_width = feeder->hashed_width();
  out.hashed_height = feeder->hashed_height();
  return feeder->Finish(options.dihedral);
}

template <class Feeder>
PdqResult FeedWhole(Feeder& feeder, const LumaImage& luma, bool dihedral, ImageHashes& out) {
  for (int y = 0; y < luma.height; ++y) {
    std::copy_n(luma.pixels.data() + static_cast<size_t>(y) * luma.width, luma.width,
                feeder.RowBuffer());
    feeder.CommitRow();
  }
  out.hashed_width = feeder.hashed_width();
  out.hashed_height = feeder.hashed_height();
  return feeder.Finish(dihedral);
}

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
  const bool orient = options.apply_exif_orientation && orientation >= 2 && orientation <= 8;
  const bool swap = orient && orientation >= 5;
  Plan plan;
  plan.flavor = options.flavor;
  plan.fast = out.path == HashPath::kFast;
  plan.footprint = 8.0 / jpeg.scale_num;
  plan.full_width = swap ? info.height : info.width;
  plan.full_height = swap ? info.width : info.height;

  PdqResult pdq;
  if (orient) {
    LumaCollectSink sink;
    CS_TRY_STATUS(internal::Decode(format, bytes, options.limits, jpeg, sink));
    const LumaImage oriented = ApplyOrientation(sink.luma(), orientation);
    out.orientation_applied = true;
    if (plan.fast) {
      // Displayed axes that run backwards through the stored image (mirrors, 180 degrees, one
      // axis of each quarter turn) start with the partial edge block of the JPEG's 8x8 grid.
      static constexpr bool kReverseX[9] = {false, false, true, true, false,
                                            false, true,  true, false};
      static constexpr bool kReverseY[9] = {false, false, false, true, true,
                                            false, false, true,  true};
      const double origin_x =
          kReverseX[orientation] ? plan.full_width - oriented.width * plan.footprint : 0.0;
      const double origin_y =
          kReverseY[orientation] ? plan.full_height - oriented.height * plan.footprint : 0.0;
      ScaledFeeder feeder(plan.full_width, plan.full_height, oriented.width, oriented.height,
                          plan.footprint, origin_x, origin_y);
      pdq = FeedWhole(feeder, oriented, options.dihedral, out);
    } else {
      LumaFeeder feeder(oriented.width, oriented.height, options.flavor);
      pdq = FeedWhole(feeder, oriented, options.dihedral, out);
    }
  } else if (plan.fast) {
    CS_TRY(pdq, (Stream<ScaledFeeder>(format, bytes, options, jpeg, plan, out)));
  } else {
    CS_TRY(pdq, (Stream<LumaFeeder>(format, bytes, options, jpeg, plan, out)));
  }
  out.pdq = pdq.hash;
  out.quality = pdq.quality;
  out.has_dihedral = pdq.has_dihedral;
  out.dihedral = pdq.dihedral;
  return out;
}

}  // namespace childsafe::imagehash
