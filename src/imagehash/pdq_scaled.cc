#include "imagehash/pdq_scaled.h"

#include <algorithm>
#include <cmath>

namespace childsafe::imagehash {

namespace {

// Sample index of the reference's decimation (pdq.md §2.4).
int SampleIndex(int i, int size) { return static_cast<int>(((i + 0.5) * size) / 64); }

}  // namespace

std::vector<ScaledPdq::Taps> ScaledPdq::BuildTaps(int full_size, int reduced_size, double footprint,
                                                  double origin) {
  const int n = full_size;
  const int w = JaroszWindowSize(n);
  const int h = (w + 2) / 2;
  // One box pass averages the clipped window [i - (w - h), i + h - 1].
  auto lo = [&](int i) { return std::max(0, i - (w - h)); };
  auto hi = [&](int i) { return std::min(n - 1, i + h - 1); };
  std::vector<Taps> taps(64);
  std::vector<double> kernel;
  for (int s = 0; s < 64; ++s) {
    const int c = SampleIndex(s, n);
    // Two passes: k(x) = 1/|win(c)| * sum over m in win(c) of [x in win(m)] / |win(m)|,
    // accumulated with a difference array over the support [lo(lo(c)), hi(hi(c))].
    const int support_lo = lo(lo(c));
    const int support_hi = hi(hi(c));
    kernel.assign(support_hi - support_lo + 2, 0.0);
    const double outer = 1.0 / (hi(c) - lo(c) + 1);
    for (int m = lo(c); m <= hi(c); ++m) {
      const double a = outer / (hi(m) - lo(m) + 1);
      kernel[lo(m) - support_lo] += a;
      kernel[hi(m) + 1 - support_lo] -= a;
    }
    for (size_t i = 1; i < kernel.size(); ++i) kernel[i] += kernel[i - 1];
    // Integrate over reduced pixels: full pixel x spans [(x - origin)/f, (x + 1 - origin)/f) in
    // reduced coordinates.
    const int first = std::clamp(static_cast<int>(std::floor((support_lo - origin) / footprint)), 0,
                                 reduced_size - 1);
    const int last =
        std::clamp(static_cast<int>(std::ceil((support_hi + 1 - origin) / footprint)) - 1, first,
                   reduced_size - 1);
    std::vector<double> weights(last - first + 1, 0.0);
    for (int x = support_lo; x <= support_hi; ++x) {
      const double k = kernel[x - support_lo];
      if (k == 0.0) continue;
      const double a = (x - origin) / footprint;
      const double b = (x + 1 - origin) / footprint;
      const int p0 = std::max(first, static_cast<int>(std::floor(a)));
      const int p1 = std::min(last, static_cast<int>(std::ceil(b)) - 1);
      for (int p = p0; p <= p1; ++p) {
        const double overlap = std::min(b, p + 1.0) - std::max(a, static_cast<double>(p));
        if (overlap > 0) weights[p - first] += k * overlap * footprint;
      }
    }
    double total = 0;
    for (double v : weights) total += v;
    taps[s].first = first;
    taps[s].weights.resize(weights.size());
    for (size_t i = 0; i < weights.size(); ++i) {
      taps[s].weights[i] = static_cast<float>(total > 0 ? weights[i] / total : 0.0);
    }
  }
  return taps;
}

ScaledPdq::ScaledPdq(int full_width, int full_height, int reduced_width, int reduced_height,
                     double footprint, double origin_x, double origin_y)
    : full_width_(std::max(full_width, 1)),
      full_height_(std::max(full_height, 1)),
      reduced_width_(std::max(reduced_width, 1)),
      reduced_height_(std::max(reduced_height, 1)),
      tiny_(full_width_ < kPdqMinHashableDim || full_height_ < kPdqMinHashableDim),
      row_(reduced_width_, 0.0f),
      acc_(64 * 64, 0.0) {
  if (tiny_) return;
  col_taps_ = BuildTaps(full_width_, reduced_width_, footprint, origin_x);
  row_taps_ = BuildTaps(full_height_, reduced_height_, footprint, origin_y);
}

void ScaledPdq::CommitRow() {
  if (tiny_ || rows_in_ >= reduced_height_) {
    ++rows_in_;
    return;
  }
  const int p = rows_in_++;
  // Skip sample rows whose support ended above this row.
  while (first_active_row_ < 64 &&
         row_taps_[first_active_row_].first +
                 static_cast<int>(row_taps_[first_active_row_].weights.size()) <=
             p) {
    ++first_active_row_;
  }
  if (first_active_row_ >= 64 || row_taps_[first_active_row_].first > p) return;
  float projected[64];
  for (int j = 0; j < 64; ++j) {
    const Taps& t = col_taps_[j];
    const float* src = row_.data() + t.first;
    float sum = 0.0f;
    for (size_t k = 0; k < t.weights.size(); ++k) sum += t.weights[k] * src[k];
    projected[j] = sum;
  }
  for (int i = first_active_row_; i < 64 && row_taps_[i].first <= p; ++i) {
    const Taps& t = row_taps_[i];
    const int k = p - t.first;
    if (k >= static_cast<int>(t.weights.size())) continue;
    const double wgt = t.weights[k];
    double* out = acc_.data() + i * 64;
    for (int j = 0; j < 64; ++j) out[j] += wgt * projected[j];
  }
}

Matrix64 ScaledPdq::FinishBuffer() {
  Matrix64 out{};
  if (tiny_) return out;
  for (int i = 0; i < 64 * 64; ++i) out[i] = static_cast<float>(acc_[i]);
  return out;
}

PdqResult ScaledPdq::Finish(bool with_dihedral) {
  if (tiny_) {
    PdqResult r;
    r.has_dihedral = with_dihedral;
    return r;
  }
  return PdqFromBuffer64(FinishBuffer(), with_dihedral);
}

}  // namespace childsafe::imagehash
