#pragma once
// Test-only helpers for src/imagehash tests: locating and reading the vectors in testdata/pdq.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "imagehash/decode.h"
#include "imagehash/pdq.h"

namespace childsafe::imagehash::testing {

inline std::string VectorsDir() {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/testdata/pdq/";
}

inline std::vector<uint8_t> ReadVector(const std::string& relative) {
  std::ifstream in(VectorsDir() + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test vector " << relative;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string ReadText(const std::string& relative) {
  std::ifstream in(VectorsDir() + relative);
  EXPECT_TRUE(in.good()) << "missing test file " << relative;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Simple CSV: splits lines on commas, honouring double quotes. Skips the header line.
inline std::vector<std::vector<std::string>> ReadCsv(const std::string& relative) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream text(ReadText(relative));
  std::string line;
  bool header = true;
  while (std::getline(text, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

/// Decodes a vector file to float luma the way the reference does (RGB weights or grey value).
inline LumaImage LumaOf(const std::string& relative) {
  auto bytes = ReadVector(relative);
  auto decoded = DecodeImage(bytes);
  EXPECT_TRUE(decoded) << relative << ": " << decoded.error().ToString();
  LumaImage luma;
  if (!decoded) return luma;
  luma.width = decoded->width;
  luma.height = decoded->height;
  luma.pixels.resize(static_cast<size_t>(luma.width) * luma.height);
  for (size_t i = 0; i < luma.pixels.size(); ++i) {
    const uint8_t* p = decoded->pixels.data() + i * decoded->channels;
    luma.pixels[i] =
        decoded->channels == 1 ? static_cast<float>(p[0]) : LumaFromRgb(p[0], p[1], p[2]);
  }
  return luma;
}

}  // namespace childsafe::imagehash::testing
