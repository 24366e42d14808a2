#include "matching/preview.h"

#include <gtest/gtest.h>

#include "imagehash/test_images.h"

namespace childsafe::matching {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(PreviewTest, IsTinyAndCarriesNoDetail) {
  // A sharp 1-pixel checkerboard with a white square in one corner.
  const int w = 640, h = 480;
  std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t v = ((x + y) % 2) ? 255 : 0;
      if (x < 160 && y < 120) v = 255;
      for (int c = 0; c < 3; ++c) rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = v;
    }
  }
  auto png = imagehash::testing::EncodePng(
      {.width = w, .height = h, .color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8, .data = rgb});
  auto preview = BlurredPreviewPng(png, {});
  ASSERT_TRUE(preview) << preview.error().ToString();
  auto decoded = imagehash::DecodeImage(Bytes(*preview));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->width, kPreviewMaxSide);
  EXPECT_EQ(decoded->height, kPreviewMaxSide * 3 / 4);
  // The checkerboard is gone (uniform grey), the bright corner survives only as a soft patch.
  const auto& p = decoded->pixels;
  auto at = [&](int x, int y) {
    return static_cast<int>(p[(static_cast<size_t>(y) * decoded->width + x) * 3]);
  };
  EXPECT_NEAR(at(20, 15), 128, 3);
  EXPECT_NEAR(at(21, 16), 128, 3);
  EXPECT_GT(at(0, 0), 200);
  EXPECT_LT(at(6, 4), at(0, 0));  // the corner's edge is smeared
  EXPECT_GT(at(6, 4), 128);
}

TEST(PreviewTest, RefusesWhatTheDecoderRefuses) {
  auto bomb = BlurredPreviewPng(imagehash::testing::PngHeaderOnly(30000, 30000), {});
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().code, ErrorCode::kPayloadTooLarge);
  std::vector<uint8_t> junk(100, 7);
  EXPECT_EQ(BlurredPreviewPng(junk, {}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace childsafe::matching
