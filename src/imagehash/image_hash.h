#pragma once
// HashImage: file bytes in, PDQ hash + quality (+ the 8 dihedral hashes) + MD5/SHA-1/SHA-256 out.
// The entry point the CLI (`childsafe hash`), the match service and the bank importers call.
//
// Pure compute: bytes in memory, values out; no files, clock or globals. Thread-safe: call it
// from any number of threads at once (each call owns its decoder and buffers).
//
// Cost: one decode plus O(pixels) float work for the blur. Memory: the decoder's buffers (small
// for baseline JPEG and non-interlaced PNG, up to ~3-8 bytes/pixel for progressive JPEG,
// interlaced PNG, WebP and composed GIF frames) plus O(width x height/128) floats for PDQ; when
// EXIF orientation is applied, two float copies of the (decoded) image, 8 bytes/pixel. Measured:
// a 12 Mpx JPEG hashes in ~60-75 ms exact, ~16 ms fast, growing the process by < 5 MB
// (docs/performance.md).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/result.h"
#include "imagehash/decode.h"
#include "imagehash/digest.h"
#include "imagehash/hash256.h"
#include "imagehash/pdq.h"

namespace childsafe::imagehash {

/// Which pre-processing the PDQ core sees (docs/imagehash.md, "Flavours").
enum class PdqFlavor {
  /// The core runs on the full-resolution luma. What the Java reference, `pdqhash` (pip) and
  /// hence python-threatexchange/HMA produce. The default.
  kFullRes,
  /// The reference C++ tool (pdq-photo-hasher): images with a side > 512 are first squashed to
  /// exactly 512x512 by nearest neighbour, ignoring the aspect ratio.
  kRef512,
};
std::string_view PdqFlavorName(PdqFlavor flavor);  // "fullres", "ref512"

enum class HashMode {
  /// Decode at full size: the hash equals the reference's (bit-exact for equal pixels).
  kExact,
  /// For large JPEGs (fullres flavour), decode only the luma at a reduced scale in the DCT domain
  /// (libjpeg-turbo scale_num/8), keeping at least `fast_min_side` pixels on the shorter side. The
  /// hash is then close to, not equal to, the exact one: see docs/imagehash.md for the measured
  /// distance distribution. Other inputs fall back to the exact path (reported in `path`).
  kFast,
};

/// The path actually taken for one image.
enum class HashPath { kExact, kFast };
std::string_view HashPathName(HashPath path);  // "exact", "fast"

struct HashOptions {
  PdqFlavor flavor = PdqFlavor::kFullRes;
  HashMode mode = HashMode::kExact;
  /// Fast mode only: the scaled JPEG keeps at least this many pixels on its shorter side. At 256
  /// the measured distance to the exact hash was at most 4 bits (median 0) over 60 generated
  /// photos and at most 2 on the test photos; 512 gives at most 2, 128 at most 4, 64 up to 20.
  int fast_min_side = 256;
  /// Also compute the 8 dihedral hashes (from the same DCT; costs ~0.1 ms).
  bool dihedral = false;
  /// Rotate/mirror the pixels as the EXIF orientation tag says before hashing. Off by default:
  /// the reference tools and HMA hash the stored pixels, so hash lists were built that way.
  bool apply_exif_orientation = false;
  /// Compute MD5/SHA-1/SHA-256 of the file bytes.
  bool digests = true;
  DecodeLimits limits;
};

struct ImageHashes {
  Hash256 pdq;
  int quality = 0;  // 0..100; below kPdqRecommendedMinQuality the hash should not be matched
  bool has_dihedral = false;
  /// Indexed by Dihedral; dihedral[0] == pdq. Valid when has_dihedral.
  std::array<Hash256, kDihedralCount> dihedral{};
  bool has_digests = false;
  FileDigests digests;
  /// The file as stored: format, size, colour model, alpha, EXIF orientation.
  ImageInfo info;
  PdqFlavor flavor = PdqFlavor::kFullRes;
  HashPath path = HashPath::kExact;
  /// The size of the luma the PDQ core saw (after fast-path scaling, orientation, ref512).
  int hashed_width = 0;
  int hashed_height = 0;
  bool orientation_applied = false;

  bool QualityOk() const { return quality >= kPdqRecommendedMinQuality; }
};

/// Hashes an image file held in memory.
/// Errors: kInvalidArgument for an empty file, an unrecognised or unsupported format, a
/// truncated or corrupt file (the message names the format and the problem; the detail carries
/// the decoder's words); kPayloadTooLarge when the declared size exceeds options.limits.
Result<ImageHashes> HashImage(std::span<const uint8_t> bytes, const HashOptions& options = {});

/// The fast path's JPEG scale (numerator over 8) for a stored size: the smallest that keeps
/// min(scaled width, scaled height) >= min_side, or 8 (no scaling). O(1).
int FastJpegScale(int width, int height, int min_side);

/// Applies an EXIF orientation (1..8) to a luma image: the result is what a viewer displays.
/// Orientation 1 or an invalid value returns the input unchanged. O(pixels).
LumaImage ApplyOrientation(const LumaImage& luma, int orientation);

}  // namespace childsafe::imagehash
