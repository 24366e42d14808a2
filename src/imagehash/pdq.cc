#include "imagehash/pdq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace childsafe::imagehash {

namespace {

// Four float lanes; GCC/Clang lower this to SSE on x86-64 (NEON on ARM, scalar elsewhere).
// Lane arithmetic is plain IEEE float, so vectorising across rows or columns keeps every
// per-pixel result bit-identical to the scalar reference.
typedef float V4 __attribute__((vector_size(16)));

constexpr int kBlock = 8;  // rows box-filtered together in the horizontal passes (two V4 chains)

inline V4 Load4(const float* p) {
  V4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store4(float* p, V4 v) { std::memcpy(p, &v, sizeof v); }
inline V4 Splat(float x) { return V4{x, x, x, x}; }

// One 1-D box filter of window `w` over `n` samples, run on kBlock independent lanes at once.
// `t` is lane-interleaved: sample i of lane l is t[i * kBlock + l]. For each output index oi,
// out(oi, lo, hi, count) receives the running sums of lanes 0-3 and 4-7 and the number of
// samples in the window; the output value is sum / count. The order of adds and subtracts is the
// reference's (pdq.md §2.3): accumulate h-1 samples, then grow the window to w, slide it (add
// the entering sample, then subtract the leaving one), then shrink it.
template <class Out>
inline void BoxLanes(const float* t, int n, int w, Out&& out) {
  const int h = (w + 2) / 2;
  V4 s0 = Splat(0.0f);
  V4 s1 = Splat(0.0f);
  int ri = 0;
  int li = 0;
  for (; ri < h - 1; ++ri) {
    s0 += Load4(t + ri * kBlock);
    s1 += Load4(t + ri * kBlock + 4);
  }
  int count = h - 1;
  int oi = 0;
  for (; oi <= w - h; ++oi, ++ri) {
    s0 += Load4(t + ri * kBlock);
    s1 += Load4(t + ri * kBlock + 4);
    ++count;
    out(oi, s0, s1, count);
  }
  for (; oi <= n - h; ++oi, ++ri, ++li) {
    s0 += Load4(t + ri * kBlock);
    s1 += Load4(t + ri * kBlock + 4);
    s0 -= Load4(t + li * kBlock);
    s1 -= Load4(t + li * kBlock + 4);
    out(oi, s0, s1, count);
  }
  for (; oi < n; ++oi, ++li) {
    s0 -= Load4(t + li * kBlock);
    s1 -= Load4(t + li * kBlock + 4);
    --count;
    out(oi, s0, s1, count);
  }
}

// rows (kBlock x width, row-major) -> t (width x kBlock, lane-interleaved).
void Transpose(const float* rows, int width, float* t) {
  for (int i = 0; i < width; ++i) {
    float* dst = t + i * kBlock;
    for (int l = 0; l < kBlock; ++l) dst[l] = rows[l * width + i];
  }
}

// dst[x] = src[x] op ... helpers for the vertical passes (lanes across columns).
inline void AddRow(float* sum, const float* row, int n) {
  int x = 0;
  for (; x + 4 <= n; x += 4) Store4(sum + x, Load4(sum + x) + Load4(row + x));
  for (; x < n; ++x) sum[x] += row[x];
}
inline void SubRow(float* sum, const float* row, int n) {
  int x = 0;
  for (; x + 4 <= n; x += 4) Store4(sum + x, Load4(sum + x) - Load4(row + x));
  for (; x < n; ++x) sum[x] -= row[x];
}
inline void DivRow(const float* sum, int count, float* out, int n) {
  const float c = static_cast<float>(count);
  const V4 cv = Splat(c);
  int x = 0;
  for (; x + 4 <= n; x += 4) Store4(out + x, Load4(sum + x) / cv);
  for (; x < n; ++x) out[x] = sum[x] / c;
}

// The decimation sample index: floor((i + 0.5) * size / 64), in double (pdq.md §2.4).
int DecimationIndex(int i, int size) { return static_cast<int>(((i + 0.5) * size) / 64); }

const std::array<float, 16 * 64>& DctBasis() {
  // D[k][n] = sqrt(2/64) * cos(pi/2/64 * (k+1) * (2n+1)). The scale factor is rounded to float
  // first and then multiplied, in double, by the double cosine; the product is stored as float.
  // (pdq.md §2.6 says only "computed in double": with a double scale about half the DCT outputs
  // differ from the reference's dumps by an ulp. The hashes agree either way on the vectors, but
  // the float features would not be bit-exact.)
  static const std::array<float, 16 * 64> kBasis = [] {
    std::array<float, 16 * 64> d{};
    const float scale = static_cast<float>(std::sqrt(2.0 / 64.0));
    for (int k = 0; k < 16; ++k) {
      for (int n = 0; n < 64; ++n) {
        d[k * 64 + n] =
            static_cast<float>(static_cast<double>(scale) *
                               std::cos((std::numbers::pi / 2.0 / 64.0) * (k + 1) * (2 * n + 1)));
      }
    }
    return d;
  }();
  return kBasis;
}

}  // namespace

std::string_view DihedralName(Dihedral d) {
  switch (d) {
    case Dihedral::kOriginal:
      return "original";
    case Dihedral::kRotate90:
      return "rotate90";
    case Dihedral::kRotate180:
      return "rotate180";
    case Dihedral::kRotate270:
      return "rotate270";
    case Dihedral::kFlipX:
      return "flipx";
    case Dihedral::kFlipY:
      return "flipy";
    case Dihedral::kFlipPlus1:
      return "flipplus1";
    case Dihedral::kFlipMinus1:
      return "flipminus1";
  }
  return "original";
}

int NearestSourceIndex(int i, int in_size, int out_size) {
  return static_cast<int>((static_cast<double>(i) * in_size) / out_size);
}

// ---------------------------------------------------------------------------------------------
// PdqPipeline
//
// Stage A: pass 1, box along rows (window from the width), on blocks of 8 rows, all outputs.
// Stage B: pass 2, box along columns (window from the height), streamed row by row with a ring of
//          the rows still to be subtracted.
// Stage C: pass 3, box along rows; the running sums cover every pixel, but only the 64 sampled
//          columns are divided and kept.
// Stage D: pass 4, box along the 64 kept columns; only the 64 sampled rows are divided and kept.
// That is the reference's filter-then-decimate, with the same float operations per kept value.

PdqPipeline::PdqPipeline(int width, int height)
    : width_(std::max(width, 1)),
      height_(std::max(height, 1)),
      window_h_(JaroszWindowSize(width_)),
      window_v_(JaroszWindowSize(height_)),
      passthrough_(width_ == 64 && height_ == 64),
      tiny_(width_ < kPdqMinHashableDim || height_ < kPdqMinHashableDim) {
  for (int i = 0; i < 64; ++i) {
    sample_cols_[i] = DecimationIndex(i, width_);
    sample_rows_[i] = DecimationIndex(i, height_);
  }
  if (tiny_) {
    block_a_.assign(width_, 0.0f);  // a scratch row for RowBuffer()
    return;
  }
  if (passthrough_) {
    block_a_.assign(64, 0.0f);
    return;
  }
  block_a_.assign(static_cast<size_t>(kBlock) * width_, 0.0f);
  transposed_.assign(static_cast<size_t>(kBlock) * width_, 0.0f);
  sum_b_.assign(width_, 0.0f);
  // Stage A writes a whole block into the ring before stage B consumes it; B still needs the
  // window_v_ rows before the block. Hence window_v_ + kBlock + 1 slots.
  ring_b_.assign(static_cast<size_t>(window_v_ + kBlock + 1) * width_, 0.0f);
  block_c_.assign(static_cast<size_t>(kBlock) * width_, 0.0f);
  ring_d_.assign(static_cast<size_t>(window_v_ + 1) * 64, 0.0f);
}

float* PdqPipeline::RowBuffer() {
  if (tiny_ || passthrough_) return block_a_.data();
  return block_a_.data() + static_cast<size_t>(block_a_rows_) * width_;
}

void PdqPipeline::CommitRow() {
  if (rows_in_ >= height_) return;  // extra rows are ignored (contract violation, but harmless)
  const int y = rows_in_++;
  if (tiny_) return;
  if (passthrough_) {
    std::copy(block_a_.begin(), block_a_.begin() + 64, out_.begin() + y * 64);
    return;
  }
  if (++block_a_rows_ == kBlock) RunRowBlockA();
}

void PdqPipeline::Row(const float* luma) {
  std::memcpy(RowBuffer(), luma, sizeof(float) * width_);
  CommitRow();
}

void PdqPipeline::RunRowBlockA() {
  const int rows = block_a_rows_;
  const int first_row = rows_b_in_;
  const int ring_rows = window_v_ + kBlock + 1;
  Transpose(block_a_.data(), width_, transposed_.data());
  float* dst[kBlock];
  for (int l = 0; l < kBlock; ++l) {
    dst[l] = ring_b_.data() +
             static_cast<size_t>((first_row + std::min(l, rows - 1)) % ring_rows) * width_;
  }
  BoxLanes(transposed_.data(), width_, window_h_, [&](int oi, V4 lo, V4 hi, int count) {
    const V4 c = Splat(static_cast<float>(count));
    const V4 a = lo / c;
    const V4 b = hi / c;
    for (int l = 0; l < rows && l < 4; ++l) dst[l][oi] = a[l];
    for (int l = 4; l < rows; ++l) dst[l][oi] = b[l - 4];
  });
  block_a_rows_ = 0;
  for (int l = 0; l < rows; ++l) PushToStageB(dst[l]);
}

void PdqPipeline::PushToStageB(const float* row) {
  const int w = window_v_;
  const int h = (w + 2) / 2;
  const int r = rows_b_in_++;
  AddRow(sum_b_.data(), row, width_);
  if (r < h - 1) return;
  const int oi = r - (h - 1);
  if (r < w) {
    EmitStageB(oi);  // growing window: count = oi + h
    return;
  }
  const int ring_rows = window_v_ + kBlock + 1;
  SubRow(sum_b_.data(), ring_b_.data() + static_cast<size_t>((r - w) % ring_rows) * width_, width_);
  EmitStageB(oi);
}

void PdqPipeline::EmitStageB(int out_row) {
  const int w = window_v_;
  const int h = (w + 2) / 2;
  const int n = height_;
  int count;
  if (out_row <= w - h) {
    count = out_row + h;
  } else if (out_row <= n - h) {
    count = w;
  } else {
    count = w - (out_row - (n - h));
  }
  DivRow(sum_b_.data(), count, block_c_.data() + static_cast<size_t>(block_c_rows_) * width_,
         width_);
  if (++block_c_rows_ == kBlock) RunRowBlockC();
}

void PdqPipeline::RunRowBlockC() {
  const int rows = block_c_rows_;
  Transpose(block_c_.data(), width_, transposed_.data());
  float kept[kBlock][64] = {};
  int k = 0;
  BoxLanes(transposed_.data(), width_, window_h_, [&](int oi, V4 lo, V4 hi, int count) {
    if (k >= 64 || sample_cols_[k] != oi) return;
    const V4 c = Splat(static_cast<float>(count));
    const V4 a = lo / c;
    const V4 b = hi / c;
    while (k < 64 && sample_cols_[k] == oi) {
      for (int l = 0; l < 4; ++l) kept[l][k] = a[l];
      for (int l = 4; l < kBlock; ++l) kept[l][k] = b[l - 4];
      ++k;
    }
  });
  block_c_rows_ = 0;
  for (int l = 0; l < rows; ++l) PushToStageD(kept[l]);
}

void PdqPipeline::PushToStageD(const float* row64) {
  const int w = window_v_;
  const int h = (w + 2) / 2;
  const int ring_rows = w + 1;
  const int r = rows_d_in_++;
  for (int x = 0; x < 64; ++x) sum_d_[x] += row64[x];
  std::memcpy(ring_d_.data() + static_cast<size_t>(r % ring_rows) * 64, row64, sizeof(float) * 64);
  if (r < h - 1) return;
  const int oi = r - (h - 1);
  if (r >= w) {
    const float* leaving = ring_d_.data() + static_cast<size_t>((r - w) % ring_rows) * 64;
    for (int x = 0; x < 64; ++x) sum_d_[x] -= leaving[x];
  }
  EmitStageD(oi);
}

void PdqPipeline::EmitStageD(int out_row) {
  if (next_sample_row_ >= 64 || sample_rows_[next_sample_row_] != out_row) return;
  const int w = window_v_;
  const int h = (w + 2) / 2;
  const int n = height_;
  int count;
  if (out_row <= w - h) {
    count = out_row + h;
  } else if (out_row <= n - h) {
    count = w;
  } else {
    count = w - (out_row - (n - h));
  }
  const float c = static_cast<float>(count);
  float row[64];
  for (int x = 0; x < 64; ++x) row[x] = sum_d_[x] / c;
  while (next_sample_row_ < 64 && sample_rows_[next_sample_row_] == out_row) {
    std::memcpy(out_.data() + next_sample_row_ * 64, row, sizeof row);
    ++next_sample_row_;
  }
}

void PdqPipeline::FlushAll() {
  if (block_a_rows_ > 0) RunRowBlockA();
  // Stage B, phase 4: the window shrinks over the last h-1 rows.
  {
    const int w = window_v_;
    const int h = (w + 2) / 2;
    const int n = height_;
    const int ring_rows = window_v_ + kBlock + 1;
    for (int oi = n - h + 1; oi < n; ++oi) {
      const int li = oi - (w - h + 1);
      SubRow(sum_b_.data(), ring_b_.data() + static_cast<size_t>(li % ring_rows) * width_, width_);
      EmitStageB(oi);
    }
  }
  if (block_c_rows_ > 0) RunRowBlockC();
  {
    const int w = window_v_;
    const int h = (w + 2) / 2;
    const int n = height_;
    const int ring_rows = w + 1;
    for (int oi = n - h + 1; oi < n; ++oi) {
      const int li = oi - (w - h + 1);
      const float* leaving = ring_d_.data() + static_cast<size_t>(li % ring_rows) * 64;
      for (int x = 0; x < 64; ++x) sum_d_[x] -= leaving[x];
      EmitStageD(oi);
    }
  }
}

Matrix64 PdqPipeline::FinishBuffer() {
  if (finished_) return out_;
  finished_ = true;
  // Rows never given count as zero (callers are expected to give them all).
  while (rows_in_ < height_) {
    std::fill_n(RowBuffer(), width_, 0.0f);
    CommitRow();
  }
  if (tiny_) {
    out_.fill(0.0f);
    return out_;
  }
  if (!passthrough_) FlushAll();
  return out_;
}

PdqResult PdqPipeline::Finish(bool with_dihedral) {
  const bool tiny = tiny_;
  Matrix64 buffer = FinishBuffer();
  if (tiny) {
    PdqResult r;
    r.has_dihedral = with_dihedral;
    return r;
  }
  return PdqFromBuffer64(buffer, with_dihedral);
}

// ---------------------------------------------------------------------------------------------

PdqResult ComputePdq(const LumaImage& luma, bool with_dihedral) {
  PdqPipeline pipeline(luma.width, luma.height);
  for (int y = 0; y < luma.height; ++y) {
    pipeline.Row(luma.pixels.data() + static_cast<size_t>(y) * luma.width);
  }
  return pipeline.Finish(with_dihedral);
}

int PdqQuality(const Matrix64& a) {
  int gradient_sum = 0;
  for (int i = 0; i < 63; ++i) {
    for (int j = 0; j < 64; ++j) {
      const float u = a[i * 64 + j];
      const float v = a[(i + 1) * 64 + j];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 63; ++j) {
      const float u = a[i * 64 + j];
      const float v = a[i * 64 + j + 1];
      const int d = static_cast<int>(((u - v) * 100) / 255);
      gradient_sum += std::abs(d);
    }
  }
  return std::min(100, gradient_sum / 90);
}

Matrix16 Dct64To16(const Matrix64& a) {
  const auto& d = DctBasis();
  // T = D A: T[k][n] = sum over m ascending of D[k][m] * A[m][n] (float accumulator per n).
  std::array<float, 16 * 64> t{};
  for (int k = 0; k < 16; ++k) {
    float* trow = t.data() + k * 64;
    for (int m = 0; m < 64; ++m) {
      const float dkm = d[k * 64 + m];
      const float* arow = a.data() + m * 64;
      for (int n = 0; n < 64; ++n) trow[n] += dkm * arow[n];
    }
  }
  // B = T D^T: B[k][l] = sum over n ascending of T[k][n] * D[l][n].
  Matrix16 b{};
  for (int k = 0; k < 16; ++k) {
    for (int l = 0; l < 16; ++l) {
      float s = 0.0f;
      for (int n = 0; n < 64; ++n) s += t[k * 64 + n] * d[l * 64 + n];
      b[k * 16 + l] = s;
    }
  }
  return b;
}

Hash256 ThresholdAtMedian(const Matrix16& dct) {
  Matrix16 sorted = dct;
  std::nth_element(sorted.begin(), sorted.begin() + 127, sorted.end());
  const float median = sorted[127];
  Hash256 hash;
  for (int b = 0; b < 256; ++b) {
    if (dct[b] > median) hash.SetBit(b);
  }
  return hash;
}

Matrix16 DihedralDct(const Matrix16& a, Dihedral d) {
  // Reversing the sample order multiplies DCT-II frequency u by (-1)^u, with u = index + 1, so
  // an odd index (even frequency) keeps its sign. Rotations and diagonal flips also transpose.
  Matrix16 b{};
  for (int k = 0; k < 16; ++k) {
    for (int l = 0; l < 16; ++l) {
      const float v = a[k * 16 + l];
      const bool k_odd = (k & 1) != 0;
      const bool l_odd = (l & 1) != 0;
      const bool sum_even = ((k + l) & 1) == 0;
      switch (d) {
        case Dihedral::kOriginal:
          b[k * 16 + l] = v;
          break;
        case Dihedral::kRotate90:
          b[l * 16 + k] = l_odd ? v : -v;
          break;
        case Dihedral::kRotate180:
          b[k * 16 + l] = sum_even ? v : -v;
          break;
        case Dihedral::kRotate270:
          b[l * 16 + k] = k_odd ? v : -v;
          break;
        case Dihedral::kFlipX:
          b[k * 16 + l] = k_odd ? v : -v;
          break;
        case Dihedral::kFlipY:
          b[k * 16 + l] = l_odd ? v : -v;
          break;
        case Dihedral::kFlipPlus1:
          b[l * 16 + k] = v;
          break;
        case Dihedral::kFlipMinus1:
          b[l * 16 + k] = sum_even ? v : -v;
          break;
      }
    }
  }
  return b;
}

PdqResult PdqFromBuffer64(const Matrix64& buffer, bool with_dihedral) {
  PdqResult r;
  r.quality = PdqQuality(buffer);
  const Matrix16 dct = Dct64To16(buffer);
  r.hash = ThresholdAtMedian(dct);
  if (with_dihedral) {
    r.has_dihedral = true;
    r.dihedral[0] = r.hash;
    for (int i = 1; i < kDihedralCount; ++i) {
      r.dihedral[i] = ThresholdAtMedian(DihedralDct(dct, static_cast<Dihedral>(i)));
    }
  }
  return r;
}

}  // namespace childsafe::imagehash
