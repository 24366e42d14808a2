#include "imagehash/pdq_reference.h"

#include <vector>

namespace childsafe::imagehash::reference {

void Box1D(const float* in, float* out, int n, int stride, int window) {
  const int h = (window + 2) / 2;
  float sum = 0.0f;
  int count = 0;
  int ri = 0;  // next sample to add
  int li = 0;  // next sample to subtract
  int oi = 0;  // next output
  for (int i = 0; i < h - 1; ++i, ++ri) {
    sum += in[ri * stride];
    ++count;
  }
  for (int i = 0; i < window - h + 1; ++i, ++ri, ++oi) {
    sum += in[ri * stride];
    ++count;
    out[oi * stride] = sum / count;
  }
  for (int i = 0; i < n - window; ++i, ++ri, ++li, ++oi) {
    sum += in[ri * stride];
    sum -= in[li * stride];
    out[oi * stride] = sum / count;
  }
  for (int i = 0; i < h - 1; ++i, ++li, ++oi) {
    sum -= in[li * stride];
    --count;
    out[oi * stride] = sum / count;
  }
}

Matrix64 BlurAndDecimate(const LumaImage& luma) {
  const int w = luma.width;
  const int h = luma.height;
  Matrix64 out{};
  if (w == 64 && h == 64) {
    std::copy(luma.pixels.begin(), luma.pixels.begin() + 64 * 64, out.begin());
    return out;
  }
  std::vector<float> buffer1(luma.pixels);
  std::vector<float> buffer2(buffer1.size());
  const int window_along_rows = JaroszWindowSize(w);
  const int window_along_cols = JaroszWindowSize(h);
  for (int pass = 0; pass < 2; ++pass) {
    for (int y = 0; y < h; ++y) {
      Box1D(buffer1.data() + static_cast<size_t>(y) * w,
            buffer2.data() + static_cast<size_t>(y) * w, w, 1, window_along_rows);
    }
    for (int x = 0; x < w; ++x) {
      Box1D(buffer2.data() + x, buffer1.data() + x, h, w, window_along_cols);
    }
  }
  for (int i = 0; i < 64; ++i) {
    const int y = static_cast<int>(((i + 0.5) * h) / 64);
    for (int j = 0; j < 64; ++j) {
      const int x = static_cast<int>(((j + 0.5) * w) / 64);
      out[i * 64 + j] = buffer1[static_cast<size_t>(y) * w + x];
    }
  }
  return out;
}

PdqResult Pdq(const LumaImage& luma, bool with_dihedral) {
  if (luma.width < kPdqMinHashableDim || luma.height < kPdqMinHashableDim) {
    PdqResult r;
    r.has_dihedral = with_dihedral;
    return r;
  }
  return PdqFromBuffer64(BlurAndDecimate(luma), with_dihedral);
}

}  // namespace childsafe::imagehash::reference
