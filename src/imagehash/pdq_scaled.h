#pragma once
// Approximate PDQ of a full-resolution image from a reduced rendition of it, such as a JPEG
// decoded at M/8 scale in the DCT domain (the fast path of HashImage).
//
// Running stock PDQ on the small image gives a different hash (10-16 bits away on the test
// photos at 1/8 scale): PDQ's window is ceil(size/128), so a smaller image gets a relatively
// wider blur, and its 64 sample points fall elsewhere. Instead, this emulates the
// full-resolution filter: for each of the 64 sample rows and columns it builds PDQ's exact
// full-resolution kernel (two clipped box passes of window ceil(full/128), centred on the
// reference's sample index) and integrates it over the footprint of each reduced pixel, whose
// value is taken as the mean of the full-resolution pixels it covers (true for DCT-domain
// scaling up to rounding). The 64x64 buffer is the separable weighted sum; quality, DCT and
// threshold are the normal ones. Not bit-exact: measured distances to the exact hash are in
// docs/imagehash.md.
//
// Thread-safety: one object per image, single-threaded. Memory: O(reduced width) floats plus
// the weight tables, O(64 x full size / 64 x 2) floats. Time: O(reduced pixels x 2).

#include <vector>

#include "imagehash/pdq.h"

namespace childsafe::imagehash {

class ScaledPdq {
 public:
  /// `footprint`: full-resolution pixels per reduced pixel along each axis (8/M for a JPEG decoded
  /// at M/8). Reduced pixel p covers full-resolution [origin + p * footprint,
  /// origin + (p + 1) * footprint), with origin 0 for a decoded image as stored. When an axis was
  /// reversed after decoding (EXIF orientation), the partial edge block is now at the start:
  /// pass origin = full - reduced * footprint (<= 0) for that axis.
  ScaledPdq(int full_width, int full_height, int reduced_width, int reduced_height,
            double footprint, double origin_x = 0.0, double origin_y = 0.0);

  int reduced_width() const { return reduced_width_; }
  int reduced_height() const { return reduced_height_; }

  /// Rows of the reduced image, top to bottom, reduced_width floats each.
  float* RowBuffer() { return row_.data(); }
  void CommitRow();

  Matrix64 FinishBuffer();
  PdqResult Finish(bool with_dihedral);

 private:
  struct Taps {
    int first = 0;  // first reduced index with a non-zero weight
    std::vector<float> weights;
  };
  static std::vector<Taps> BuildTaps(int full_size, int reduced_size, double footprint,
                                     double origin);

  int full_width_;
  int full_height_;
  int reduced_width_;
  int reduced_height_;
  bool tiny_;
  std::vector<Taps> col_taps_;  // 64 sample columns
  std::vector<Taps> row_taps_;  // 64 sample rows
  std::vector<float> row_;
  int rows_in_ = 0;
  int first_active_row_ = 0;
  std::vector<double> acc_;  // 64 x 64
};

}  // namespace childsafe::imagehash
