// The PDQ core against the reference's intermediate dumps (testdata/pdq/intermediate) and against
// the straightforward transcription in pdq_reference.h on many image sizes.

#include "imagehash/pdq.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include "imagehash/pdq_reference.h"
#include "imagehash/test_util.h"

namespace childsafe::imagehash {
namespace {

using testing::LumaOf;
using testing::ReadText;

struct Dump {
  std::vector<float> luma_head;
  int window_rows = 0;  // along rows (horizontal)
  int window_cols = 0;  // along columns (vertical)
  int quality = -1;
  Matrix64 buffer{};
  Matrix16 dct{};
  std::string hash;
};

std::vector<float> ParseFloats(const std::string& s, char sep) {
  std::vector<float> out;
  std::string token;
  std::istringstream in(s);
  while (std::getline(in, token, sep)) {
    if (token.empty()) continue;
    out.push_back(std::strtof(token.c_str(), nullptr));
  }
  return out;
}

Dump ParseDump(const std::string& name) {
  Dump d;
  std::istringstream in(ReadText("intermediate/" + name));
  std::string line;
  enum { kNone, kBuffer, kDct } section = kNone;
  int row = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# luma[0][0..3]", 0) == 0) {
      d.luma_head = ParseFloats(line.substr(line.find('=') + 1), ' ');
    } else if (line.rfind("# jarosz window", 0) == 0) {
      std::sscanf(line.c_str(),
                  "# jarosz window along rows (horizontal) = %d, along cols (vertical) = %d",
                  &d.window_rows, &d.window_cols);
    } else if (line.rfind("# quality=", 0) == 0) {
      d.quality = std::atoi(line.c_str() + 10);
    } else if (line.rfind("# section buffer64x64", 0) == 0) {
      section = kBuffer;
      row = 0;
    } else if (line.rfind("# section dct16x16", 0) == 0) {
      section = kDct;
      row = 0;
    } else if (line.rfind("# hash=", 0) == 0) {
      d.hash = line.substr(7);
    } else if (!line.empty() && line[0] != '#') {
      const auto values = ParseFloats(line, ',');
      if (section == kBuffer && row < 64 && values.size() == 64) {
        std::copy(values.begin(), values.end(), d.buffer.begin() + row * 64);
        ++row;
      } else if (section == kDct && row < 16 && values.size() == 16) {
        std::copy(values.begin(), values.end(), d.dct.begin() + row * 16);
        ++row;
      } else {
        ADD_FAILURE() << name << ": unexpected line " << line.substr(0, 40);
      }
    }
  }
  return d;
}

LumaImage Squash512(const LumaImage& in) {
  LumaImage out;
  out.width = out.height = kRef512Size;
  out.pixels.resize(kRef512Size * kRef512Size);
  for (int y = 0; y < kRef512Size; ++y) {
    const int sy = NearestSourceIndex(y, in.height, kRef512Size);
    for (int x = 0; x < kRef512Size; ++x) {
      const int sx = NearestSourceIndex(x, in.width, kRef512Size);
      out.pixels[y * kRef512Size + x] = in.pixels[static_cast<size_t>(sy) * in.width + sx];
    }
  }
  return out;
}

void ExpectMatchesDump(const LumaImage& luma, const std::string& dump_name) {
  SCOPED_TRACE(dump_name);
  const Dump d = ParseDump(dump_name);
  ASSERT_EQ(d.luma_head.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(luma.pixels[i], d.luma_head[i]) << "luma " << i;
  EXPECT_EQ(JaroszWindowSize(luma.width), d.window_rows);
  EXPECT_EQ(JaroszWindowSize(luma.height), d.window_cols);

  PdqPipeline pipeline(luma.width, luma.height);
  for (int y = 0; y < luma.height; ++y)
    pipeline.Row(luma.pixels.data() + static_cast<size_t>(y) * luma.width);
  const Matrix64 buffer = pipeline.FinishBuffer();
  int mismatches = 0;
  for (int i = 0; i < 64 * 64; ++i) {
    if (buffer[i] != d.buffer[i] && ++mismatches <= 5) {
      ADD_FAILURE() << "buffer64 [" << i / 64 << "][" << i % 64 << "] = " << buffer[i]
                    << ", reference " << d.buffer[i];
    }
  }
  EXPECT_EQ(mismatches, 0);
  // The straightforward transcription agrees too.
  EXPECT_EQ(reference::BlurAndDecimate(luma), buffer);

  EXPECT_EQ(PdqQuality(d.buffer), d.quality);
  const Matrix16 dct = Dct64To16(d.buffer);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(dct[i], d.dct[i]) << "dct [" << i / 16 << "][" << i % 16 << "]";
  EXPECT_EQ(ThresholdAtMedian(d.dct).ToHex(), d.hash);
  EXPECT_EQ(ComputePdq(luma).hash.ToHex(), d.hash);
}

TEST(PdqIntermediateTest, WeePpmWindowsOfOne) {
  // 34x42: windows of 1 are not the identity in float (add-then-subtract rounds), and the
  // decimation repeats samples.
  ExpectMatchesDump(LumaOf("derived-ppm/wee.ppm"), "wee.ppm.intermediate.txt");
}

TEST(PdqIntermediateTest, Q0122PpmWindowsOfTwo) {
  ExpectMatchesDump(LumaOf("derived-ppm/q0122.ppm"), "q0122.ppm.intermediate.txt");
}

TEST(PdqIntermediateTest, LPngFullResolution) {
  ExpectMatchesDump(LumaOf("misc-images/modes/L.png"), "L.png.fullres.intermediate.txt");
}

TEST(PdqIntermediateTest, LPngAfterRef512Squash) {
  ExpectMatchesDump(Squash512(LumaOf("misc-images/modes/L.png")), "L.png.ref512.intermediate.txt");
}

TEST(PdqCoreTest, JaroszWindowExamplesFromTheSpec) {
  EXPECT_EQ(JaroszWindowSize(1600), 13);
  EXPECT_EQ(JaroszWindowSize(1004), 8);
  EXPECT_EQ(JaroszWindowSize(512), 4);
  EXPECT_EQ(JaroszWindowSize(256), 2);
  EXPECT_EQ(JaroszWindowSize(128), 1);
  EXPECT_EQ(JaroszWindowSize(129), 2);
  EXPECT_EQ(JaroszWindowSize(1), 1);
}

TEST(PdqCoreTest, BoxFilterAveragesTheClippedWindow) {
  // Window 8 has one more sample on the right: output i averages [i-3, i+4].
  std::vector<float> in(20), out(20);
  for (int i = 0; i < 20; ++i) in[i] = static_cast<float>(i * i);
  reference::Box1D(in.data(), out.data(), 20, 1, 8);
  for (int i = 0; i < 20; ++i) {
    double sum = 0;
    int n = 0;
    for (int j = std::max(0, i - 3); j <= std::min(19, i + 4); ++j, ++n) sum += in[j];
    EXPECT_NEAR(out[i], sum / n, 1e-3) << i;
  }
}

LumaImage RandomLuma(int w, int h, std::mt19937& rng, bool smooth) {
  LumaImage luma;
  luma.width = w;
  luma.height = h;
  luma.pixels.resize(static_cast<size_t>(w) * h);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const float noise = LumaFromRgb(byte(rng), byte(rng), byte(rng));
      luma.pixels[static_cast<size_t>(y) * w + x] =
          smooth ? 0.25f * noise + 96.0f * (1.0f + std::sin(x * 0.05f) * std::cos(y * 0.031f))
                 : noise;
    }
  }
  return luma;
}

// The streaming pipeline must agree bit for bit with the two-buffer transcription, including at
// sizes where windows, blocks of 8 rows and ring buffers hit their edge cases.
TEST(PdqCoreTest, StreamingPipelineIsBitIdenticalToTheStraightforwardTranscription) {
  std::mt19937 rng(111);
  const int sizes[][2] = {{5, 5},     {5, 300},   {300, 5},   {7, 9},     {63, 64},   {64, 63},
                          {64, 64},   {65, 65},   {127, 129}, {128, 128}, {129, 257}, {200, 13},
                          {13, 200},  {256, 256}, {333, 517}, {640, 480}, {1025, 31}, {31, 1025},
                          {1600, 90}, {90, 1600}, {8, 8},     {16, 17},   {1, 100},   {100, 1}};
  for (const auto& s : sizes) {
    for (bool smooth : {false, true}) {
      SCOPED_TRACE(std::to_string(s[0]) + "x" + std::to_string(s[1]) + (smooth ? " smooth" : ""));
      const LumaImage luma = RandomLuma(s[0], s[1], rng, smooth);
      const PdqResult fast = ComputePdq(luma, true);
      const PdqResult slow = reference::Pdq(luma, true);
      EXPECT_EQ(fast.hash, slow.hash);
      EXPECT_EQ(fast.quality, slow.quality);
      EXPECT_EQ(fast.dihedral, slow.dihedral);
      if (s[0] >= kPdqMinHashableDim && s[1] >= kPdqMinHashableDim) {
        PdqPipeline p(luma.width, luma.height);
        for (int y = 0; y < luma.height; ++y)
          p.Row(luma.pixels.data() + static_cast<size_t>(y) * luma.width);
        const Matrix64 a = p.FinishBuffer();
        const Matrix64 b = reference::BlurAndDecimate(luma);
        EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof a), 0);
      }
    }
  }
}

TEST(PdqCoreTest, TinyImagesHashToZeroWithQualityZero) {
  std::mt19937 rng(5);
  for (const auto& s : {std::pair{4, 100}, std::pair{100, 4}, std::pair{1, 1}}) {
    const PdqResult r = ComputePdq(RandomLuma(s.first, s.second, rng, false), true);
    EXPECT_EQ(r.hash, Hash256{});
    EXPECT_EQ(r.quality, 0);
    for (const auto& h : r.dihedral) EXPECT_EQ(h, Hash256{});
  }
}

TEST(PdqCoreTest, NonDegenerateHashesHaveHalfTheBitsSet) {
  std::mt19937 rng(9);
  const PdqResult r = ComputePdq(RandomLuma(300, 200, rng, true), true);
  EXPECT_EQ(r.hash.PopCount(), 128);
  EXPECT_GE(r.quality, 50);
  for (const auto& h : r.dihedral) EXPECT_EQ(h.PopCount(), 128);
}

// DihedralDct must equal the DCT of the physically transformed 64x64 buffer (up to float
// summation order), which pins down every sign and transposition rule.
TEST(PdqCoreTest, DihedralDctMatchesTheDctOfTheTransformedBuffer) {
  std::mt19937 rng(31);
  Matrix64 a{};
  std::uniform_real_distribution<float> v(0.0f, 255.0f);
  for (auto& x : a) x = v(rng);
  const Matrix16 dct = Dct64To16(a);
  auto transformed = [&](Dihedral d) {
    Matrix64 t{};
    for (int r = 0; r < 64; ++r) {
      for (int c = 0; c < 64; ++c) {
        float value = 0;
        switch (d) {
          case Dihedral::kOriginal:
            value = a[r * 64 + c];
            break;
          case Dihedral::kRotate90:
            value = a[c * 64 + (63 - r)];
            break;  // counter-clockwise
          case Dihedral::kRotate180:
            value = a[(63 - r) * 64 + (63 - c)];
            break;
          case Dihedral::kRotate270:
            value = a[(63 - c) * 64 + r];
            break;
          case Dihedral::kFlipX:
            value = a[(63 - r) * 64 + c];
            break;
          case Dihedral::kFlipY:
            value = a[r * 64 + (63 - c)];
            break;
          case Dihedral::kFlipPlus1:
            value = a[c * 64 + r];
            break;
          case Dihedral::kFlipMinus1:
            value = a[(63 - c) * 64 + (63 - r)];
            break;
        }
        t[r * 64 + c] = value;
      }
    }
    return t;
  };
  for (int i = 0; i < kDihedralCount; ++i) {
    const auto d = static_cast<Dihedral>(i);
    SCOPED_TRACE(std::string(DihedralName(d)));
    const Matrix16 expected = Dct64To16(transformed(d));
    const Matrix16 got = DihedralDct(dct, d);
    for (int k = 0; k < 256; ++k) EXPECT_NEAR(got[k], expected[k], 2e-3) << k;
  }
}

TEST(PdqCoreTest, QualityCountsTruncatedGradients) {
  Matrix64 flat{};
  flat.fill(128.0f);
  EXPECT_EQ(PdqQuality(flat), 0);
  // Vertical stripes of 0 and 255: 64 rows x 63 horizontal gradients of 100 each.
  Matrix64 stripes{};
  for (int i = 0; i < 64 * 64; ++i) stripes[i] = (i % 2) ? 255.0f : 0.0f;
  EXPECT_EQ(PdqQuality(stripes), 100);  // 403200 / 90 = 4480, capped at 100
  // A single step of 2.6 levels between columns 31 and 32: |trunc(260/255)| = 1 per row.
  Matrix64 step{};
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 64; ++c) step[r * 64 + c] = c < 32 ? 10.0f : 12.6f;
  }
  EXPECT_EQ(PdqQuality(step), 64 / 90);
}

TEST(PdqCoreTest, MedianThresholdIsStrictAndUsesTheLowerMedian) {
  Matrix16 dct{};
  for (int i = 0; i < 256; ++i) dct[i] = static_cast<float>(i);
  const Hash256 h = ThresholdAtMedian(dct);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(h.Bit(b), b > 127) << b;
  // With ties at the median only values strictly above it are set.
  dct.fill(1.0f);
  for (int i = 200; i < 256; ++i) dct[i] = 2.0f;
  EXPECT_EQ(ThresholdAtMedian(dct).PopCount(), 56);
}

}  // namespace
}  // namespace childsafe::imagehash
