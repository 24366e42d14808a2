// ScaledPdq: the full-resolution kernel it integrates must reproduce the exact pipeline's buffer
// when nothing is scaled, and track it closely when the input is block-averaged.

#include "imagehash/pdq_scaled.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace childsafe::imagehash {
namespace {

LumaImage Photo(int w, int h, std::mt19937& rng) {
  std::uniform_real_distribution<float> noise(-20.0f, 20.0f);
  LumaImage l{w, h, std::vector<float>(static_cast<size_t>(w) * h)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float v = 128 + 60 * std::sin(x * 0.021f + 1.3f) * std::cos(y * 0.017f) +
                      40 * std::sin((x + 2 * y) * 0.005f) + noise(rng);
      l.pixels[static_cast<size_t>(y) * w + x] = std::clamp(v, 0.0f, 255.0f);
    }
  }
  return l;
}

Matrix64 Scaled(const LumaImage& reduced, int full_w, int full_h, double footprint) {
  ScaledPdq s(full_w, full_h, reduced.width, reduced.height, footprint);
  for (int y = 0; y < reduced.height; ++y) {
    std::copy_n(reduced.pixels.data() + static_cast<size_t>(y) * reduced.width, reduced.width,
                s.RowBuffer());
    s.CommitRow();
  }
  return s.FinishBuffer();
}

// Block means over f x f blocks (what a DC-only JPEG decode at 1/f gives, before rounding).
LumaImage BlockMeans(const LumaImage& l, int f) {
  LumaImage out{(l.width + f - 1) / f, (l.height + f - 1) / f, {}};
  out.pixels.resize(static_cast<size_t>(out.width) * out.height);
  for (int by = 0; by < out.height; ++by) {
    for (int bx = 0; bx < out.width; ++bx) {
      double sum = 0;
      int n = 0;
      for (int y = by * f; y < std::min(l.height, (by + 1) * f); ++y) {
        for (int x = bx * f; x < std::min(l.width, (bx + 1) * f); ++x, ++n) {
          sum += l.pixels[static_cast<size_t>(y) * l.width + x];
        }
      }
      out.pixels[static_cast<size_t>(by) * out.width + bx] = static_cast<float>(sum / n);
    }
  }
  return out;
}

Matrix64 Exact(const LumaImage& l) {
  PdqPipeline p(l.width, l.height);
  for (int y = 0; y < l.height; ++y) p.Row(l.pixels.data() + static_cast<size_t>(y) * l.width);
  return p.FinishBuffer();
}

TEST(ScaledPdqTest, UnscaledInputReproducesTheExactFilter) {
  std::mt19937 rng(7);
  // Sizes where windows are odd, even, 1, and where edges clip the kernel.
  for (auto [w, h] : {std::pair{100, 77}, std::pair{640, 480}, std::pair{1003, 129},
                      std::pair{129, 1003}, std::pair{300, 300}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    const LumaImage l = Photo(w, h, rng);
    const Matrix64 exact = Exact(l);
    const Matrix64 emulated = Scaled(l, w, h, 1.0);
    float worst = 0;
    for (int i = 0; i < 64 * 64; ++i) worst = std::max(worst, std::abs(exact[i] - emulated[i]));
    EXPECT_LT(worst, 1e-2f);  // only float rounding separates them
    EXPECT_LE(
        HammingDistance(PdqFromBuffer64(exact, false).hash, PdqFromBuffer64(emulated, false).hash),
        2);
  }
}

TEST(ScaledPdqTest, BlockAveragedInputStaysClose) {
  std::mt19937 rng(8);
  for (auto [w, h, f] :
       {std::tuple{1600, 1200, 8}, std::tuple{2000, 1500, 4}, std::tuple{1200, 1600, 2}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " / " + std::to_string(f));
    const LumaImage l = Photo(w, h, rng);
    const Matrix64 exact = Exact(l);
    const LumaImage small = BlockMeans(l, f);
    const Matrix64 emulated = Scaled(small, w, h, f);
    double mean_abs = 0;
    for (int i = 0; i < 64 * 64; ++i) mean_abs += std::abs(exact[i] - emulated[i]);
    EXPECT_LT(mean_abs / (64 * 64), 1.0);
    const PdqResult a = PdqFromBuffer64(exact, false);
    const PdqResult b = PdqFromBuffer64(emulated, false);
    EXPECT_LE(HammingDistance(a.hash, b.hash), 6);
    // Running stock PDQ on the small image is what the emulation avoids; it is further away.
    const PdqResult naive = ComputePdq(small);
    EXPECT_GE(HammingDistance(a.hash, naive.hash), HammingDistance(a.hash, b.hash));
  }
}

// After a 180-degree turn the partial edge block comes first; the origin accounts for it.
TEST(ScaledPdqTest, OriginShiftsFootprintsForReversedAxes) {
  std::mt19937 rng(9);
  const int w = 1003, h = 1005, f = 8;  // neither a multiple of 8
  const LumaImage l = Photo(w, h, rng);
  auto rotate180 = [](const LumaImage& in) {
    LumaImage out = in;
    std::reverse(out.pixels.begin(), out.pixels.end());
    return out;
  };
  const LumaImage small_rotated = rotate180(BlockMeans(l, f));
  const Matrix64 exact = Exact(rotate180(l));
  auto error = [&](double ox, double oy) {
    ScaledPdq s(w, h, small_rotated.width, small_rotated.height, f, ox, oy);
    for (int y = 0; y < small_rotated.height; ++y) {
      std::copy_n(small_rotated.pixels.data() + static_cast<size_t>(y) * small_rotated.width,
                  small_rotated.width, s.RowBuffer());
      s.CommitRow();
    }
    const Matrix64 m = s.FinishBuffer();
    double sum = 0;
    for (int i = 0; i < 64 * 64; ++i) sum += std::abs(m[i] - exact[i]);
    return sum / (64 * 64);
  };
  const double with_origin = error(w - small_rotated.width * f, h - small_rotated.height * f);
  EXPECT_LT(with_origin, 1.0);
  EXPECT_LT(with_origin, error(0, 0));
}

TEST(ScaledPdqTest, TinyFullSizeGivesTheZeroHash) {
  ScaledPdq s(4, 100, 1, 13, 8.0);
  for (int y = 0; y < 13; ++y) {
    s.RowBuffer()[0] = 100.0f * y;
    s.CommitRow();
  }
  const PdqResult r = s.Finish(true);
  EXPECT_EQ(r.hash, Hash256{});
  EXPECT_EQ(r.quality, 0);
}

}  // namespace
}  // namespace childsafe::imagehash
