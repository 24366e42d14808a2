// Image hashing (PDQ) benchmark.
//
// Workloads, all on JPEGs generated at start-up (photo-like: the test photos in testdata/pdq
// upscaled bilinearly, cropped, with sensor-like noise, a sky gradient and vignetting, encoded by
// libjpeg at qualities 75-92 with 4:2:0 chroma):
//   1. Throughput, images/s and ms/image, per size from 0.3 to 12 megapixels, for
//      a. baseline: a straightforward full decode (DecodeImage to RGB in memory) + luma + the
//         two-buffer PDQ transcription (pdq_reference.h), as most PDQ integrations do it;
//      b. exact:    HashImage, exact mode (streaming PDQ; same hash bit for bit);
//      c. fast:     HashImage, fast mode (DCT-domain 1/8..7/8 scaled luma-only decode).
//      Ratios exact/baseline and fast/baseline are printed per size and for >= 2 Mpx.
//   2. Per-stage cost at 12 Mpx: full RGB decode, scaled luma decode, PDQ core on the luma,
//      digests (MD5+SHA-1+SHA-256).
//   3. Fast-path accuracy: Hamming distance fast vs exact (median, p90, max) for fast_min_side
//      128/256/512 on the test-vector JPEGs and on a generated corpus of 60 images (random sizes
//      0.3-12 Mpx, aspect ratios, crops, qualities 60-95).
// Every exact hash is checked against the baseline (must be identical) before timing is trusted.
//
// Run: build/release/bench/imagehash_bench [--quick]   (from the repository root, or with
// CHILDSAFE_SOURCE_DIR set, so that testdata/pdq is found).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "imagehash/decode.h"
#include "imagehash/decoder_internal.h"
#include "imagehash/digest.h"
#include "imagehash/image_hash.h"
#include "imagehash/pdq_reference.h"

// jpeglib.h needs FILE and size_t declared before it.
// clang-format off
#include <cstdio>
#include <jpeglib.h>
// clang-format on

namespace {

using childsafe::imagehash::DecodedImage;
using childsafe::imagehash::HammingDistance;
using childsafe::imagehash::Hash256;
using childsafe::imagehash::HashImage;
using childsafe::imagehash::HashMode;
using childsafe::imagehash::HashOptions;
using childsafe::imagehash::LumaImage;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string SourceDir() {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/testdata/pdq/";
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Rgb {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // RGB
};

std::vector<Rgb> LoadSources() {
  std::vector<Rgb> out;
  for (const char* path :
       {"reg-test-input/dih/bridge-1-original.jpg", "reg-test-input/dih/bridge-2-rotate-90.jpg",
        "reg-test-input/labelme-subset/q0291.jpg", "reg-test-input/labelme-subset/q1050.jpg",
        "reg-test-input/labelme-subset/q2821.jpg", "reg-test-input/labelme-subset/q0746.jpg"}) {
    auto d = childsafe::imagehash::DecodeImage(ReadFile(SourceDir() + path));
    if (!d || d->channels != 3) continue;
    out.push_back(Rgb{d->width, d->height, std::move(d->pixels)});
  }
  if (out.empty()) {
    std::fprintf(stderr, "imagehash_bench: test photos not found under %s\n", SourceDir().c_str());
    std::exit(2);
  }
  return out;
}

// A photo-like image: a bilinear upscale of a crop of `src`, plus noise, gradient and vignette.
Rgb MakePhoto(const Rgb& src, int width, int height, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const float crop = 0.75f + 0.25f * u(rng);
  const float cw = src.width * crop, ch = src.height * crop;
  const float cx = (src.width - cw) * u(rng), cy = (src.height - ch) * u(rng);
  const float noise_sigma = 2.0f + 4.0f * u(rng);
  const float tint = 20.0f * (u(rng) - 0.5f);
  Rgb out{width, height, std::vector<uint8_t>(static_cast<size_t>(width) * height * 3)};
  std::normal_distribution<float> noise(0.0f, noise_sigma);
  std::vector<float> noise_table(4096);
  for (auto& n : noise_table) n = noise(rng);
  uint32_t lcg = static_cast<uint32_t>(rng());
  for (int y = 0; y < height; ++y) {
    const float sy = cy + (y + 0.5f) * ch / height - 0.5f;
    const int y0 = std::clamp(static_cast<int>(std::floor(sy)), 0, src.height - 1);
    const int y1 = std::min(y0 + 1, src.height - 1);
    const float fy = std::clamp(sy - y0, 0.0f, 1.0f);
    for (int x = 0; x < width; ++x) {
      const float sx = cx + (x + 0.5f) * cw / width - 0.5f;
      const int x0 = std::clamp(static_cast<int>(std::floor(sx)), 0, src.width - 1);
      const int x1 = std::min(x0 + 1, src.width - 1);
      const float fx = std::clamp(sx - x0, 0.0f, 1.0f);
      const float dx = (x - width * 0.5f) / width, dy = (y - height * 0.5f) / height;
      const float vignette = 1.0f - 0.35f * (dx * dx + dy * dy);
      const float gradient = tint * (1.0f - static_cast<float>(y) / height);
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int xx, int yy) {
          return static_cast<float>(src.pixels[(static_cast<size_t>(yy) * src.width + xx) * 3 + c]);
        };
        const float v = (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) +
                        (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
        lcg = lcg * 1664525u + 1013904223u;
        const float n = noise_table[lcg >> 20];
        out.pixels[(static_cast<size_t>(y) * width + x) * 3 + c] =
            static_cast<uint8_t>(std::clamp(v * vignette + gradient + n, 0.0f, 255.0f));
      }
    }
  }
  return out;
}

std::vector<uint8_t> EncodeJpeg(const Rgb& img, int quality) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = img.width;
  cinfo.image_height = img.height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(img.pixels.data() +
                                        static_cast<size_t>(cinfo.next_scanline) * img.width * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> bytes(out, out + out_size);
  std::free(out);
  return bytes;
}

// The straightforward path: decode everything to RGB, make a float luma image, run the
// two-buffer transcription of PDQ.
Hash256 Baseline(const std::vector<uint8_t>& jpeg) {
  auto d = childsafe::imagehash::DecodeImage(jpeg);
  if (!d) std::abort();
  LumaImage luma;
  luma.width = d->width;
  luma.height = d->height;
  luma.pixels.resize(static_cast<size_t>(d->width) * d->height);
  for (size_t i = 0; i < luma.pixels.size(); ++i) {
    const uint8_t* p = d->pixels.data() + i * 3;
    luma.pixels[i] = childsafe::imagehash::LumaFromRgb(p[0], p[1], p[2]);
  }
  return childsafe::imagehash::reference::Pdq(luma).hash;
}

Hash256 Hash(const std::vector<uint8_t>& jpeg, HashMode mode, int min_side = 256) {
  HashOptions o;
  o.mode = mode;
  o.fast_min_side = min_side;
  o.digests = false;
  auto r = HashImage(jpeg, o);
  if (!r) std::abort();
  return r->pdq;
}

// Best of `reps` runs (after one warm-up), in ms.
template <class F>
double BestMs(int reps, F&& f) {
  f();
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, Ms(Clock::now() - t0));
  }
  return best;
}

struct Size {
  int width;
  int height;
};

void PrintDistances(const char* label, std::vector<int> d) {
  if (d.empty()) return;
  std::sort(d.begin(), d.end());
  const int exact_matches = static_cast<int>(std::count(d.begin(), d.end(), 0));
  std::printf("  %-34s n=%3zu  median %2d  p90 %2d  max %2d  (identical: %d)\n", label, d.size(),
              d[d.size() / 2], d[(d.size() * 9) / 10], d.back(), exact_matches);
}

class NullSink final : public childsafe::imagehash::internal::RowSink {
 public:
  childsafe::Status Begin(const childsafe::imagehash::ImageInfo&, int, int, int) override {
    return {};
  }
  void Row(int, const uint8_t* p) override { checksum_ += p[0]; }
  unsigned checksum_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int per_size = quick ? 1 : 3;
  const int reps = quick ? 1 : 3;
  std::mt19937 rng(20250601);
  const std::vector<Rgb> sources = LoadSources();

  std::printf("PDQ image hashing: baseline (full decode + two-buffer PDQ) vs exact vs fast\n");
  std::printf("%d images per size, best of %d runs each, single thread\n\n", per_size, reps);
  const Size sizes[] = {{640, 480},   {1024, 768},  {1600, 1200},
                        {2560, 1920}, {3264, 2448}, {4000, 3000}};
  const int qualities[] = {75, 85, 92};
  std::printf("%-11s %6s | %10s %10s %10s | %9s %9s | %9s %9s %9s | %s\n", "size", "Mpx", "base ms",
              "exact ms", "fast ms", "exact x", "fast x", "base i/s", "exact i/s", "fast i/s",
              "fast dist");
  double big_base = 0, big_exact = 0, big_fast = 0;
  int big_count = 0;
  std::vector<uint8_t> largest;
  for (const Size& s : sizes) {
    double base_ms = 0, exact_ms = 0, fast_ms = 0;
    std::vector<int> dist;
    for (int i = 0; i < per_size; ++i) {
      const Rgb photo = MakePhoto(sources[(i + s.width) % sources.size()], s.width, s.height, rng);
      const auto jpeg = EncodeJpeg(photo, qualities[i % 3]);
      const Hash256 base = Baseline(jpeg);
      const Hash256 exact = Hash(jpeg, HashMode::kExact);
      if (base != exact) {
        std::printf("MISMATCH: exact path differs from baseline at %dx%d\n", s.width, s.height);
        return 1;
      }
      dist.push_back(HammingDistance(exact, Hash(jpeg, HashMode::kFast)));
      base_ms += BestMs(reps, [&] { (void)Baseline(jpeg); });
      exact_ms += BestMs(reps, [&] { (void)Hash(jpeg, HashMode::kExact); });
      fast_ms += BestMs(reps, [&] { (void)Hash(jpeg, HashMode::kFast); });
      if (s.width == 4000) largest = jpeg;
    }
    base_ms /= per_size;
    exact_ms /= per_size;
    fast_ms /= per_size;
    const double mpx = s.width * static_cast<double>(s.height) / 1e6;
    std::sort(dist.begin(), dist.end());
    std::printf(
        "%5dx%-5d %6.2f | %10.1f %10.1f %10.1f | %8.2fx %8.2fx | %9.1f %9.1f %9.1f | median %d max "
        "%d\n",
        s.width, s.height, mpx, base_ms, exact_ms, fast_ms, base_ms / exact_ms, base_ms / fast_ms,
        1000 / base_ms, 1000 / exact_ms, 1000 / fast_ms, dist[dist.size() / 2], dist.back());
    if (mpx >= 2.0) {
      big_base += base_ms;
      big_exact += exact_ms;
      big_fast += fast_ms;
      ++big_count;
    }
  }
  std::printf(
      "\nmulti-megapixel (>= 2 Mpx, %d sizes): exact %.2fx, fast %.2fx the baseline "
      "(goal: fast >= 4x)\n",
      big_count, big_base / big_exact, big_base / big_fast);

  // Per-stage cost on the largest image.
  {
    namespace ih = childsafe::imagehash;
    std::printf("\nPer stage, 4000x3000 JPEG (%zu bytes):\n", largest.size());
    const double decode_rgb = BestMs(reps, [&] { (void)ih::DecodeImage(largest); });
    const int scale = ih::FastJpegScale(4000, 3000, 256);
    const double decode_scaled = BestMs(reps, [&] {
      NullSink sink;
      ih::internal::JpegOptions o;
      o.scale_num = scale;
      o.luma_only = true;
      (void)ih::internal::DecodeJpeg(largest, ih::DecodeLimits{}, o, sink);
    });
    auto d = ih::DecodeImage(largest);
    LumaImage luma;
    luma.width = d->width;
    luma.height = d->height;
    for (size_t i = 0; i < static_cast<size_t>(d->width) * d->height; ++i) {
      luma.pixels.push_back(
          ih::LumaFromRgb(d->pixels[3 * i], d->pixels[3 * i + 1], d->pixels[3 * i + 2]));
    }
    const double core_stream = BestMs(reps, [&] { (void)ih::ComputePdq(luma); });
    const double core_reference = BestMs(reps, [&] { (void)ih::reference::Pdq(luma); });
    const double digests = BestMs(reps, [&] { (void)ih::ComputeDigests(largest); });
    std::printf("  full RGB decode (libjpeg-turbo, ISLOW, fancy upsampling)  %8.1f ms\n",
                decode_rgb);
    std::printf("  scaled luma-only decode (%d/8)                            %8.1f ms\n", scale,
                decode_scaled);
    std::printf("  PDQ core, streaming, on 12 Mpx luma                      %8.1f ms\n",
                core_stream);
    std::printf("  PDQ core, two-buffer transcription, on 12 Mpx luma       %8.1f ms  (%.2fx)\n",
                core_reference, core_reference / core_stream);
    std::printf("  MD5 + SHA-1 + SHA-256 of the file                        %8.1f ms\n", digests);
  }

  // Fast-path accuracy.
  std::printf("\nFast path: Hamming distance to the exact hash\n");
  {
    std::vector<std::vector<uint8_t>> vectors;
    for (const char* path :
         {"reg-test-input/dih/bridge-1-original.jpg", "reg-test-input/dih/bridge-2-rotate-90.jpg",
          "reg-test-input/dih/bridge-3-rotate-180.jpg",
          "reg-test-input/dih/bridge-4-rotate-270.jpg", "reg-test-input/dih/bridge-5-flipx.jpg",
          "reg-test-input/dih/bridge-6-flipy.jpg", "reg-test-input/dih/bridge-7-flip-plus-1.jpg",
          "reg-test-input/dih/bridge-8-flip-minus-1.jpg", "bridge-mods/square-512x512.jpg"}) {
      vectors.push_back(ReadFile(SourceDir() + path));
    }
    std::vector<std::vector<uint8_t>> generated;
    std::uniform_int_distribution<int> mpx_pick(0, 1000);
    const Size aspects[] = {{4, 3}, {3, 2}, {16, 9}, {3, 4}, {2, 3}, {9, 16}, {1, 1}};
    const int count = quick ? 12 : 60;
    for (int i = 0; i < count; ++i) {
      const double mpx = 0.3 * std::pow(40.0, mpx_pick(rng) / 1000.0);  // 0.3 .. 12, log-uniform
      const Size a = aspects[rng() % 7];
      const int w = static_cast<int>(std::sqrt(mpx * 1e6 * a.width / a.height));
      const int h = static_cast<int>(mpx * 1e6 / w);
      const Rgb photo = MakePhoto(sources[rng() % sources.size()], w, h, rng);
      generated.push_back(EncodeJpeg(photo, 60 + static_cast<int>(rng() % 36)));
    }
    for (int min_side : {64, 128, 256, 512}) {
      std::vector<int> dv, dg;
      for (const auto& v : vectors)
        dv.push_back(
            HammingDistance(Hash(v, HashMode::kExact), Hash(v, HashMode::kFast, min_side)));
      for (const auto& g : generated) {
        dg.push_back(
            HammingDistance(Hash(g, HashMode::kExact), Hash(g, HashMode::kFast, min_side)));
      }
      std::printf(" fast_min_side = %d\n", min_side);
      PrintDistances("test vectors (bridge JPEGs)", dv);
      PrintDistances("generated photos 0.3-12 Mpx", dg);
    }
  }
  return 0;
}
