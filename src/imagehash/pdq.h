#pragma once
// PDQ core: luma in, (256-bit hash, quality) out, bit-exact with Meta's reference for equal luma
// (the normative layer of PDQ; see docs/imagehash.md and /work/shared/reference/pdq.md §2).
//
// The core is a streaming pipeline: rows of float luma go in top to bottom and the four 1-D
// Jarosz box passes run as the rows arrive, so memory is O(width x window) floats (window =
// ceil(height / 128)) instead of two full-image float buffers. Every float operation happens in
// the same order as the reference (running sums, float/int divisions, DCT accumulation order),
// and the library is compiled with -ffp-contract=off, so results are bit-identical to the
// straightforward implementation in pdq_reference.h, which the tests use as an oracle.
//
// Thread-safety: free functions are pure and reentrant. A PdqPipeline is a single-threaded
// object; use one per image (they are cheap).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "imagehash/hash256.h"

namespace childsafe::imagehash {

/// Images with a side below this hash to all zeros with quality 0 (as the reference does).
inline constexpr int kPdqMinHashableDim = 5;
/// Quality below this is "too featureless to match" (pdq/README; pytx drops such hashes).
inline constexpr int kPdqRecommendedMinQuality = 50;

/// A float luma image, row-major, `pixels.size() == width * height`.
struct LumaImage {
  int width = 0;
  int height = 0;
  std::vector<float> pixels;
};

/// The 64x64 buffer after blur and decimation (row-major) and the 16x16 DCT output
/// (row k = vertical frequency k+1, column l = horizontal frequency l+1).
using Matrix64 = std::array<float, 64 * 64>;
using Matrix16 = std::array<float, 16 * 16>;

/// The eight dihedral orientations, in the order of the reference and of
/// PdqResult::dihedral. Meanings as checked on the upstream `dih/` files: rotate90 is 90°
/// counter-clockwise, flipx mirrors top/bottom, flipy left/right, flipplus1 is the transpose,
/// flipminus1 the anti-transpose.
enum class Dihedral {
  kOriginal = 0,
  kRotate90,
  kRotate180,
  kRotate270,
  kFlipX,
  kFlipY,
  kFlipPlus1,
  kFlipMinus1,
};
inline constexpr int kDihedralCount = 8;
/// "original", "rotate90", ... "flipminus1" (the reference's names).
std::string_view DihedralName(Dihedral d);

struct PdqResult {
  Hash256 hash;
  int quality = 0;  // 0..100
  /// Filled only when requested: hashes of the 8 orientations computed from one DCT, indexed by
  /// Dihedral. dihedral[0] == hash.
  std::array<Hash256, kDihedralCount> dihedral{};
  bool has_dihedral = false;
};

/// Luma of one 8-bit RGB pixel exactly as the reference computes it: float
/// 0.299*R + 0.587*G + 0.114*B, evaluated left to right, not rounded. Bit-exact only where
/// multiply-adds are not fused: compile callers with -ffp-contract=off (this library is).
inline float LumaFromRgb(uint8_t r, uint8_t g, uint8_t b) {
  return 0.299f * static_cast<float>(r) + 0.587f * static_cast<float>(g) +
         0.114f * static_cast<float>(b);
}

/// Jarosz box-filter window for a dimension: ceil(dimension / 128). O(1).
constexpr int JaroszWindowSize(int dimension) { return (dimension + 127) / 128; }

/// Streaming PDQ core. Usage: construct with the luma size, call Row() once per row from top to
/// bottom (or write into RowBuffer() and call CommitRow()), then Finish(). Memory: about
/// (ceil(height/128) + 34) x width floats. Time: O(width x height); four box passes, of which the
/// last two only divide and store at the 64 sampled positions.
class PdqPipeline {
 public:
  /// width, height >= 1. (Images below kPdqMinHashableDim are accepted and give a zero hash.)
  PdqPipeline(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  int rows_received() const { return rows_in_; }

  /// A buffer of width() floats for the next row; fill it, then CommitRow().
  float* RowBuffer();
  void CommitRow();
  /// Copies one row of width() floats in.
  void Row(const float* luma);

  /// The 64x64 blurred, decimated buffer. Requires exactly height() rows to have been given.
  /// Callable once.
  Matrix64 FinishBuffer();
  /// Hash and quality (and the 8 dihedral hashes if `with_dihedral`). Callable once.
  PdqResult Finish(bool with_dihedral);

 private:
  void RunRowBlockA();
  void PushToStageB(const float* row);
  void EmitStageB(int out_row);
  void RunRowBlockC();
  void PushToStageD(const float* row64);
  void EmitStageD(int out_row);
  void FlushAll();

  int width_;
  int height_;
  int window_h_;      // along rows (horizontal), from width
  int window_v_;      // along columns (vertical), from height
  bool passthrough_;  // 64x64 input: the reference skips the filter
  bool tiny_;         // a side < kPdqMinHashableDim
  int rows_in_ = 0;

  // Stage A (pass 1, rows): incoming rows collect in an 8-row block.
  std::vector<float> block_a_;  // 8 x width
  int block_a_rows_ = 0;
  std::vector<float> transposed_;  // width x 8, shared by stages A and C

  // Stage B (pass 2, columns): running column sums and a ring of the last window_v_+1 rows.
  std::vector<float> sum_b_;
  std::vector<float> ring_b_;  // (window_v_ + 1) x width
  int rows_b_in_ = 0;

  // Stage C (pass 3, rows, output only at the 64 sampled columns).
  std::vector<float> block_c_;  // 8 x width
  int block_c_rows_ = 0;
  std::array<int, 64> sample_cols_{};

  // Stage D (pass 4, columns of the 64 sampled values, output only at the sampled rows).
  std::array<float, 64> sum_d_{};
  std::vector<float> ring_d_;  // (window_v_ + 1) x 64
  int rows_d_in_ = 0;
  std::array<int, 64> sample_rows_{};
  int next_sample_row_ = 0;

  Matrix64 out_{};
  bool finished_ = false;
};

/// Hash of a whole luma image. O(width x height).
PdqResult ComputePdq(const LumaImage& luma, bool with_dihedral = false);

/// The later stages, exposed for tests against the reference's intermediate dumps and for
/// callers that need PDQ's float features.
/// Quality metric on the 64x64 buffer: min(100, sum of |truncated 100*gradient/255| / 90).
int PdqQuality(const Matrix64& buffer);
/// B = D A D^T with the 16x64 DCT-II basis (rows 1..16, scaled by sqrt(2/64)).
Matrix16 Dct64To16(const Matrix64& buffer);
/// Bit 16k+l set iff dct[k][l] is strictly above the lower median (sorted[127]).
Hash256 ThresholdAtMedian(const Matrix16& dct);
/// The DCT of the image transformed by `d`, obtained from the original's DCT by sign flips and
/// transposition (exact; see pdq.cc for the rules).
Matrix16 DihedralDct(const Matrix16& dct, Dihedral d);
/// Hash, quality and optionally the dihedral hashes from a finished 64x64 buffer.
PdqResult PdqFromBuffer64(const Matrix64& buffer, bool with_dihedral);

/// Nearest-neighbour source index used by the reference tool's 512x512 pre-resize: output index
/// `i` of `out_size` reads source index floor(i * in_size / out_size), computed in double.
int NearestSourceIndex(int i, int in_size, int out_size);
/// The reference CLI squashes to exactly 512x512 when either side exceeds 512 ("ref512").
inline constexpr int kRef512Size = 512;

}  // namespace childsafe::imagehash
