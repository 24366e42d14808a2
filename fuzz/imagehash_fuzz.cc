// Fuzz target for the image loader and PDQ: every decoder (sniffed from the bytes), the header
// probe, both hash modes and both flavours. Limits are lowered so each input stays fast and small
// under libFuzzer's default memory cap; the checks below must hold for whatever gets through.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "imagehash/decode.h"
#include "imagehash/image_hash.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace childsafe::imagehash;  // NOLINT: fuzz entry point
  const std::span<const uint8_t> bytes(data, size);
  DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_dimension = 8192;
  limits.max_jpeg_scans = 100;

  auto info = ProbeImage(bytes, limits);
  auto decoded = DecodeImage(bytes, limits);
  if (decoded) {
    Check(decoded->width > 0 && decoded->height > 0);
    Check(static_cast<int64_t>(decoded->width) * decoded->height <= limits.max_pixels);
    Check(decoded->channels == 1 || decoded->channels == 3);
    Check(decoded->pixels.size() ==
          static_cast<size_t>(decoded->width) * decoded->height * decoded->channels);
    Check(static_cast<bool>(info));  // anything that decodes must also probe
    Check(info->width == decoded->width && info->height == decoded->height);
  }

  HashOptions options;
  options.limits = limits;
  options.dihedral = true;
  options.digests = false;
  options.apply_exif_orientation = (size & 1) != 0;
  auto exact = HashImage(bytes, options);
  if (exact) {
    Check(exact->quality >= 0 && exact->quality <= 100);
    Check(exact->dihedral[0] == exact->pdq);
    Check(static_cast<bool>(decoded));  // same decoder, same verdict
  }
  options.mode = HashMode::kFast;
  options.flavor = (size & 2) != 0 ? PdqFlavor::kRef512 : PdqFlavor::kFullRes;
  auto fast = HashImage(bytes, options);
  if (fast && exact) Check(fast->info.width == exact->info.width);
  return 0;
}
