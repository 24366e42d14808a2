// The index file format: exact bytes (so the documented format cannot drift), round trips, and
// refusal of every kind of damage.
#include "hamming/index_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "hamming/crc32c.h"
#include "hamming/synthetic.h"

namespace childsafe::hamming {
namespace {

using imagehash::Hash256;

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("hamming_index_file_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void WriteBytes(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// The layout in docs/formats/hamming-index.md, byte for byte.
TEST(IndexFileTest, BytesFollowTheDocumentedFormat) {
  auto h = Hash256::FromHex("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22");
  ASSERT_TRUE(h);
  const std::vector<IndexEntry> one = {{*h, 0x0102030405060708ULL}};
  const std::vector<uint8_t> file = EncodeIndexFile(one);
  ASSERT_EQ(file.size(), 64u + 40u + 8u);
  const auto header = std::span(file).first(64);
  EXPECT_EQ(Hex(header.first(32)),
            "43534841"
            "4d494458"            // "CSHAMIDX"
            "01000000"            // version 1
            "40000000"            // header size 64
            "28000000"            // record size 40
            "00000000"            // flags
            "0100000000000000");  // 1 record
  EXPECT_EQ(Hex(header.subspan(32, 28)), std::string(56, '0'));
  const uint32_t header_crc = Crc32c(header.first(60));
  EXPECT_EQ(header[60], header_crc & 0xff);
  EXPECT_EQ(header[63], header_crc >> 24);
  // Record: the 256-bit integer little-endian (the hex read backwards), then the id.
  EXPECT_EQ(Hex(std::span(file).subspan(64, 40)),
            "229b9c4e9cb3e6331d1e6296d52e6eb3f0638f03220a37064fa8f4e0cef0f8f8"
            "0807060504030201");
  const auto trailer = std::span(file).last(8);
  const uint32_t records_crc = Crc32c(std::span(file).subspan(64, 40));
  EXPECT_EQ(trailer[0], records_crc & 0xff);
  EXPECT_EQ(trailer[3], records_crc >> 24);
  EXPECT_EQ(std::string(trailer.begin() + 4, trailer.end()), "CSIE");
}

TEST(IndexFileTest, EncodeDecodeRoundTrip) {
  for (size_t n : {0, 1, 2, 1000}) {
    const auto entries = synthetic::Random(n, 100 + n);
    auto decoded = DecodeIndexFile(EncodeIndexFile(entries));
    ASSERT_TRUE(decoded) << decoded.error().ToString();
    EXPECT_EQ(*decoded, entries);
  }
}

TEST(IndexFileTest, SaveReadLoadRoundTripKeepsEveryLiveEntryAndSearchResult) {
  TempDir dir;
  auto data = synthetic::Clustered(50000, 7);  // spans an indexed segment and the buffer
  HammingIndex index(std::span<const IndexEntry>(data).first(45000));
  index.Add(std::span(data).subspan(45000));
  ASSERT_EQ(index.Remove(std::vector<uint64_t>{3, 44999, 49999}), 3u);
  const std::string path = dir.File("bank.idx");
  ASSERT_TRUE(SaveIndexFile(index.Snapshot(), path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp." + std::to_string(::getpid())));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  auto entries = ReadIndexFile(path);
  ASSERT_TRUE(entries) << entries.error().ToString();
  EXPECT_EQ(entries->size(), 49997u);
  std::vector<uint64_t> ids;
  for (const IndexEntry& e : *entries) ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_FALSE(std::binary_search(ids.begin(), ids.end(), 3));
  EXPECT_TRUE(std::binary_search(ids.begin(), ids.end(), 4));

  auto loaded = LoadIndexFile(path);
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  EXPECT_EQ(loaded->size(), index.size());
  std::mt19937_64 rng(8);
  for (int i = 0; i < 20; ++i) {
    const Hash256 q = synthetic::FlipBits(data[rng() % data.size()].hash, i, rng);
    EXPECT_EQ(*loaded->Search(q), *index.Search(q));
  }
  // The file is byte-identical to encoding the same entries in the same order.
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes, EncodeIndexFile(*entries));
}

TEST(IndexFileTest, RefusesEverySingleByteCorruption) {
  const auto file = EncodeIndexFile(synthetic::Random(3, 9));
  for (size_t i = 0; i < file.size(); ++i) {
    for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
      auto bad = file;
      bad[i] ^= flip;
      auto r = DecodeIndexFile(bad);
      ASSERT_FALSE(r) << "byte " << i << " flip " << int(flip) << " was accepted";
      EXPECT_TRUE(r.error().code == ErrorCode::kDataLoss ||
                  r.error().code == ErrorCode::kFailedPrecondition)
          << r.error().ToString();
    }
  }
}

TEST(IndexFileTest, RefusesTruncatedAndOverlongFiles) {
  TempDir dir;
  const auto file = EncodeIndexFile(synthetic::Random(5, 10));
  for (size_t len = 0; len < file.size(); ++len) {
    auto r = DecodeIndexFile(std::span(file).first(len));
    ASSERT_FALSE(r) << "length " << len;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  }
  auto longer = file;
  longer.push_back(0);
  auto r = DecodeIndexFile(longer);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unexpected bytes"), std::string::npos) << r.error().message;

  // The same through the file reader, with a message that names the problem.
  const std::string path = dir.File("cut.idx");
  WriteBytes(path, std::span(file).first(file.size() - 30));
  auto read = ReadIndexFile(path);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(read.error().message.find("truncated"), std::string::npos) << read.error().message;
}

TEST(IndexFileTest, ReportsNewerVersionsForeignFilesAndMissingFiles) {
  TempDir dir;
  auto file = EncodeIndexFile(synthetic::Random(2, 11));
  // A well-formed header claiming version 2.
  file[8] = 2;
  const uint32_t crc = Crc32c(std::span(file).first(60));
  for (int i = 0; i < 4; ++i) file[60 + i] = static_cast<uint8_t>(crc >> (8 * i));
  auto r = DecodeIndexFile(file);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("version 2"), std::string::npos);

  const std::string text = "needle,haystack\n0123,4567\n" + std::string(200, 'x');
  r = DecodeIndexFile(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a childsafe hamming index"), std::string::npos);

  auto missing = ReadIndexFile(dir.File("nothing-here.idx"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ReadIndexFile(dir.File("")).error().code, ErrorCode::kDataLoss);  // a directory
}

TEST(IndexFileTest, SaveLeavesTheOldFileWhenTheTargetCannotBeWritten) {
  TempDir dir;
  HammingIndex index(synthetic::Random(10, 12));
  auto s = SaveIndexFile(index.Snapshot(), dir.File("no/such/dir/bank.idx"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace childsafe::hamming
