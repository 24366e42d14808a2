// Golden data for the normaliser: a digest of everything Normalize() returns (both views, every
// span, mark, token, entity and flag) for about six thousand inputs, in
// src/text/testdata/normalize_golden.tsv. Any change to what the normaliser produces changes a
// digest, so an optimisation that must keep behaviour exactly (the streaming fast path) is
// checked against what the engine did before it; a deliberate change regenerates the file:
//   CHILDSAFE_UPDATE_GOLDEN=1 build/<dir>/src/text/text_test --gtest_filter='NormalizeGolden*'
// and the diff of the file shows which inputs changed.
//
// Inputs: deterministic random messages built from ordinary sentences, words and pieces that
// exercise every rule (split words, runs, look-alikes, marks, entities, invalid UTF-8, invisible
// characters), with a PRNG of our own so the inputs are the same everywhere. They are generated
// here, not read from data/, so editing the tuning set or the fuzz corpus does not move them.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "text/normalize.h"

namespace childsafe::text {
namespace {

std::string Root() {
  const char* root = std::getenv("CHILDSAFE_SOURCE_DIR");
  EXPECT_NE(root, nullptr);
  return root != nullptr ? root : ".";
}

class Digest {
 public:
  void Bytes(std::string_view s) {
    U64(s.size());
    for (unsigned char c : s) Byte(c);
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(v >> (8 * i)));
  }
  uint64_t value() const { return h_; }

 private:
  void Byte(unsigned char c) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
  uint64_t h_ = 1469598103934665603ULL;
};

uint64_t DigestOf(const NormalizedText& r) {
  Digest d;
  d.Bytes(r.canonical);
  for (const Span& s : r.canonical_spans) d.U64(uint64_t{s.begin} << 32 | s.end);
  d.Bytes(r.folded);
  for (const Span& s : r.folded_spans) d.U64(uint64_t{s.begin} << 32 | s.end);
  d.Bytes(std::string_view(reinterpret_cast<const char*>(r.folded_marks.data()),
                           r.folded_marks.size()));
  for (const Token& t : r.tokens) {
    d.U64(uint64_t{t.begin} << 32 | t.end);
    d.U64(uint64_t{t.sentence} << 32 | t.clause);
    d.U64(static_cast<uint64_t>(t.kind));
  }
  for (const Entity& e : r.entities) {
    d.U64(static_cast<uint64_t>(e.kind));
    d.U64(uint64_t{e.span.begin} << 32 | e.span.end);
    d.Bytes(e.value);
  }
  d.U64(r.flags);
  d.U64(r.original_size);
  return d.value();
}

// splitmix64: the same sequence on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t s_;
};

// Pieces a message is made of: ordinary words (most of the text), and every kind of thing the
// normaliser treats specially.
const std::vector<std::string>& Words() {
  static const std::vector<std::string> w = {
      "em",   "anh",    "chị",  "muốn",  "chết",  "tự",   "tử",    "không", "được", "người", "hòa",
      "hoà",  "thuỷ",   "khoẻ", "Việt",  "NAM",   "Đi",   "đâu",   "cứu",   "với",  "mẹ",    "bố",
      "dọa",  "tung",   "ảnh",  "từng",  "xâm",   "hại",  "học",   "sinh",  "lớp",  "ở",     "à",
      "ạ",    "ko",     "k",    "mún",   "dc",    "đc",   "ny",    "e",     "a",    "t",     "m",
      "bao",  "h",      "giờ",  "khum",  "hok",   "song", "nua",   "cuu",   "toi",  "voi",   "quá",
      "gì",   "giữa",   "quả",  "tiến",  "hoàng", "café", "naïve", "ü",     "xin",  "lỗi",   "the",
      "kill", "myself", "I'm",  "don't", "OK",    "uy",   "thủy",  "khỏe",  "qua",  "gia",   "yêu",
      "ỷ",    "Ý",      "ly",   "lý",    "kĩ",    "kỹ",   "mĩ",    "mỹ",    "tí",   "tý",    "quý",
      "quí",  "ig",     "fb",   "zalo",  "tele",  "ib",   "bh",    "r",     "oy",   "hnay",  "1",
      "2",    "17tr",   "500k", "2024",  "5",     "lớp8", "x",     "y",     "i"};
  return w;
}

const std::vector<std::string>& Tricky() {
  static const std::vector<std::string> t = {"t.ự",
                                             "t.ử",
                                             "c h ế t",
                                             "c-h-ế-t",
                                             "tự_tử",
                                             "tự.tử",
                                             "k.o",
                                             "m.u.n",
                                             "a.b.c.d",
                                             "TP.HCM",
                                             "v.v...",
                                             "cứuuuu",
                                             "emmmm",
                                             "chếtttt",
                                             "khônggggg",
                                             "tửửử",
                                             "tửuuu",
                                             "cuuuu",
                                             "uuuuuu",
                                             "úúu",
                                             "ưuuu",
                                             "n0",
                                             "d0a",
                                             "4nh",
                                             "$ex",
                                             "@nh",
                                             "ch3t",
                                             "100$",
                                             "@3336",
                                             "\u0441h\u1EBFt",
                                             "\u0441\u0430\u0441h",
                                             "\u0441\u0435\u043A\u0441",
                                             "ＡＢＣ",
                                             "b\u0301",
                                             "x\u0301\u0302\u0303",
                                             "Vi\u0065\u0323\u0302t",
                                             "muo\u0302\u0301n",
                                             "ch\u1EBF\u200Bt",
                                             "\u202Etext\u202C",
                                             "\u200B",
                                             "\u200D",
                                             "\u00AD",
                                             "\uFE0F",
                                             "😂",
                                             "😂😂",
                                             "\xFF",
                                             "\xC3",
                                             "\xE1\xBA",
                                             "\xF4\x90\x80\x80",
                                             "0912 345 678",
                                             "0912345678",
                                             "+84 912 345 678",
                                             "+84912345678",
                                             "111",
                                             "1800 1567",
                                             "024 3825 1234",
                                             "500.000",
                                             "500.000đ",
                                             "1,5",
                                             "3.14",
                                             "a9.000",
                                             "508,0912345678",
                                             "https://lua-dao.xyz/qua",
                                             "www.abc.com",
                                             "abc.com.",
                                             "a.b@gmail.com",
                                             "@be_na",
                                             "@be_na.",
                                             "t.me/abc",
                                             "ig: be_na",
                                             "fb: nguyen.van.a",
                                             "zalo: 0912345678",
                                             "e k b",
                                             "a b c d e",
                                             "1 2 3 4",
                                             "...!!!",
                                             ", . ,",
                                             "?",
                                             "!",
                                             ";",
                                             "…",
                                             "。",
                                             "，",
                                             "\n",
                                             "\r\n",
                                             "\u2028",
                                             "\t",
                                             "\u00A0",
                                             "  ",
                                             "-",
                                             "_",
                                             "*",
                                             "~",
                                             "+",
                                             "|",
                                             "^",
                                             "'",
                                             "`",
                                             "\u2019",
                                             "\u00B7",
                                             "\u2022",
                                             "(",
                                             ")",
                                             "\"",
                                             "\u201C",
                                             "«",
                                             ":",
                                             "đ",
                                             "Đ",
                                             "ĐĐ",
                                             "d.d",
                                             "o.o.o",
                                             "\u0430",
                                             "\u03B1\u03B2",
                                             "ﬁ",
                                             "Å",
                                             "ǅ",
                                             "Ⅻ",
                                             "①",
                                             "٣",
                                             "\u0E01\u0E34",
                                             "\u05D0",
                                             "\u0627",
                                             "中文",
                                             "\u0301",
                                             "\u0323\u0302",
                                             "a\u0308",
                                             "ơ\u0301",
                                             "u\u031B",
                                             "ư\u0301u",
                                             "uụe",
                                             "nghiêng",
                                             "gịa",
                                             "quốc",
                                             "giữ",
                                             "ngoằn",
                                             "khuya"};
  return t;
}

// Whole sentences of the kind most messages are made of.
const std::vector<std::string>& Sentences() {
  static const std::vector<std::string> s = {
      "Chào anh chị, em là học sinh lớp 8 ở Nghệ An.",
      "Hôm nay em đi học về muộn vì phải trực nhật.",
      "cho e hoi tong dai co lam viec vao cuoi tuan khong a",
      "Số điện thoại của mẹ em là 0912 345 678 nếu cần liên lạc.",
      "hnay e dc diem 9 mon van, vui qua hihi",
      "Em dùng Facebook và Zalo để nói chuyện với bạn bè.",
      "e mún tự tử lắm r, k ai hỉu e",
      "mình muốn t ự t ử",
      "Nó dọa tung ảnh nóng của em lên nhóm lớp nếu em không chuyển 5 triệu.",
      "n0 d0a tung 4nh cua e len mang",
      "Bố em say rượu, đang cầm dao đòi giết mẹ. Cứu em với!!!",
      "Có người tự xưng là công an bắt em thuê khách sạn ở một mình.",
      "bao h e mới đc về nhà ạ???",
      "ib zalo: 0912.345.678 nhé, hoặc ig: be.na_09",
      "Em sợ.   Nó dọa, em khóc!!! Sao vậy?",
      "i'm going to end my life tonight",
      "Bài kiểm tra này giết tôi mất thôi 😂",
  };
  return s;
}

const char* const kSeparators[] = {" ", " ", " ", " ",  " ",   "  ",  ", ",  ". ", "! ", "? ",
                                   ".", "-", "_", "\n", "...", " - ", " . ", "!!", ",",  ""};

std::string RandomMessage(Rng& rng) {
  std::string s;
  const size_t pieces = 1 + rng.Below(rng.Below(4) == 0 ? 60 : 14);
  for (size_t i = 0; i < pieces; ++i) {
    const size_t kind = rng.Below(12);
    if (kind >= 10) {
      s += Sentences()[rng.Below(Sentences().size())];
    } else if (kind < 6) {
      s += Words()[rng.Below(Words().size())];
    } else if (kind < 9) {
      s += Tricky()[rng.Below(Tricky().size())];
    } else {
      // A random code point from the ranges the tables cover, and a few beyond.
      static constexpr uint32_t kRanges[][2] = {
          {0x20, 0x7F},     {0xA0, 0x250},    {0x300, 0x370},   {0x370, 0x530},
          {0x1E00, 0x1F00}, {0x2000, 0x2070}, {0xFF00, 0xFFF0}, {0x1F600, 0x1F650}};
      const auto& r = kRanges[rng.Below(std::size(kRanges))];
      const uint32_t cp = r[0] + static_cast<uint32_t>(rng.Below(r[1] - r[0]));
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    s += kSeparators[rng.Below(std::size(kSeparators))];
  }
  if (rng.Below(8) == 0) {
    // Upper case some of it (ASCII only: enough to reach the case-folding paths).
    for (char& c : s) {
      if (c >= 'a' && c <= 'z' && rng.Below(3) == 0) c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return s;
}

struct Input {
  std::string name;
  std::string text;
};

std::vector<Input> Inputs() {
  std::vector<Input> inputs;
  for (size_t i = 0; i < Sentences().size(); ++i) {
    inputs.push_back({"sentence/" + std::to_string(i), Sentences()[i]});
  }
  for (size_t i = 0; i < Tricky().size(); ++i) {
    inputs.push_back({"tricky/" + std::to_string(i), Tricky()[i]});
  }
  Rng rng(111);
  for (int i = 0; i < 6000; ++i) {
    inputs.push_back({"random/" + std::to_string(i), RandomMessage(rng)});
  }
  return inputs;
}

std::string Hex(uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(v));
  return buffer;
}

// A fixed teencode table (a part of data/text/teencode.tsv), so that editing the shipped table
// does not move the digests.
std::vector<TeencodeEntry> Teencode() {
  static const char* const kRows[][2] = {
      {"k", "không"},      {"ko", "không"},    {"hok", "không"},    {"khum", "không"},
      {"hông", "không"},   {"đc", "được"},     {"dc", "được"},      {"r", "rồi"},
      {"oy", "rồi"},       {"z", "vậy"},       {"vs", "với"},       {"j", "gì"},
      {"h", "giờ"},        {"bh", "bao giờ"},  {"bt", "biết"},      {"bít", "biết"},
      {"t", "tôi"},        {"m", "mày"},       {"e", "em"},         {"a", "anh"},
      {"ny", "người yêu"}, {"ng", "người"},    {"mn", "mọi người"}, {"mún", "muốn"},
      {"mun", "muốn"},     {"fb", "facebook"}, {"ig", "instagram"}, {"ib", "nhắn tin"},
      {"s", "sao"},        {"tr", "triệu"},    {"hnay", "hôm nay"}, {"1", "một"},
      {"2", "hai"},        {"thui", "thôi"},   {"lun", "luôn"},     {"iu", "yêu"}};
  std::vector<TeencodeEntry> table;
  int line = 0;
  for (const auto& row : kRows) table.push_back({row[0], row[1], ++line});
  return table;
}

TEST(NormalizeGoldenTest, EveryOutputIsUnchanged) {
  const std::string root = Root();
  auto normalizer = Normalizer::Create(Teencode());
  ASSERT_TRUE(normalizer.has_value()) << normalizer.error().ToString();

  const std::string path = root + "/src/text/testdata/normalize_golden.tsv";
  const std::vector<Input> inputs = Inputs();
  ASSERT_GT(inputs.size(), 6000u);
  std::vector<std::pair<std::string, std::string>> actual;  // name -> "both<TAB>folded-only"
  for (const Input& in : inputs) {
    const NormalizedText both = normalizer->Normalize(in.text);
    const NormalizedText folded = normalizer->Normalize(in.text, {.canonical = false});
    // The folded-only run must agree with the folded half of the full run.
    EXPECT_EQ(folded.folded, both.folded) << in.name;
    EXPECT_EQ(folded.folded_spans, both.folded_spans) << in.name;
    actual.emplace_back(in.name, Hex(DigestOf(both)) + "\t" + Hex(DigestOf(folded)));
  }

  if (std::getenv("CHILDSAFE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "# Digests of Normalize() with the test's teencode table (normalize_golden_test.cc).\n"
           "# name\tdigest (both views)\tdigest (folded view only)\n";
    for (const auto& [name, digests] : actual) out << name << '\t' << digests << '\n';
    GTEST_SKIP() << "wrote " << path;
  }

  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path << " (run with CHILDSAFE_UPDATE_GOLDEN=1 to create it)";
  std::map<std::string, std::string> expected;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  EXPECT_EQ(expected.size(), actual.size());
  int shown = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const auto& [name, digests] = actual[i];
    const auto it = expected.find(name);
    if (it != expected.end() && it->second == digests) continue;
    ADD_FAILURE() << name << ": digest changed";
    if (shown++ < 5) {
      const NormalizedText r = normalizer->Normalize(inputs[i].text);
      std::printf("  input:     %s\n  canonical: %s\n  folded:   %s\n", inputs[i].text.c_str(),
                  r.canonical.c_str(), r.folded.c_str());
    }
  }
}

// Whether the fast paths give exactly what the full machinery gives on the whole text, in both
// views.
::testing::AssertionResult FastAgreesWithFull(const Normalizer& normalizer,
                                              const std::string& text) {
  for (const bool canonical : {true, false}) {
    const NormalizedText fast = normalizer.Normalize(text, {.canonical = canonical});
    const NormalizedText full =
        internal::NormalizeWithoutFastPath(normalizer, text, {.canonical = canonical});
    if (DigestOf(fast) != DigestOf(full)) {
      return ::testing::AssertionFailure() << (canonical ? "canonical" : "folded") << ": " << text;
    }
  }
  return ::testing::AssertionSuccess();
}

// The streaming fast path for simple words must give exactly what the full machinery gives on
// the whole text (the fuzz target checks the same on random input).
TEST(NormalizeGoldenTest, FastPathAgreesWithTheFullMachinery) {
  auto normalizer = Normalizer::Create(Teencode());
  ASSERT_TRUE(normalizer.has_value());
  for (const Input& in : Inputs()) ASSERT_TRUE(FastAgreesWithFull(*normalizer, in.text)) << in.name;
}

// The gaps the fast path takes itself (a space before any letter, one punctuation mark and a
// space), next to everything that must still go to the full machinery: marks, invisible and
// not-NFC characters, look-alikes, entities, digits of other scripts, several marks in a row.
TEST(NormalizeGoldenTest, FastPathGapsAgreeWithTheFullMachinery) {
  auto normalizer = Normalizer::Create(Teencode());
  ASSERT_TRUE(normalizer.has_value());
  const std::vector<std::string> words = {
      "em", "đi", "ở",   "ảnh", "ÔNG",     "Ấy",         "khong",       "chết",       "x",
      "12", "١٢", "@nh", "$ex", "a\u0301", "e\xCC\x81m", "http://x.vn", "0912345678", "ж"};
  const std::vector<std::string> gaps = {
      " ",         ", ",      ". ", "? ", "! ", "; ",  ": ",   ") ", "\" ",
      "  ",        "\t",      "\n", ",",  ".",  " , ", "... ", "- ", "\xE2\x80\x8B ",
      " \xCC\x81", "\xC2\xA0"};
  size_t checked = 0;
  for (const std::string& gap : gaps) {
    for (const std::string& before : {std::string("xin"), std::string("chào")}) {
      for (const std::string& after : words) {
        ASSERT_TRUE(
            FastAgreesWithFull(*normalizer, "Bạn " + before + gap + after + " nhé" + gap + "ừ"));
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, gaps.size() * 2 * words.size());
}

// The short step (a word neither fast lane takes, emitted on its own when a cut follows it) next
// to words of its own kind, which the full machinery may join with it ("c h ế t", digit groups,
// "t.ự"), at the start and end of the text and between ordinary words.
TEST(NormalizeGoldenTest, ShortStepsAgreeWithTheFullMachinery) {
  auto normalizer = Normalizer::Create(Teencode());
  ASSERT_TRUE(normalizer.has_value());
  const std::vector<std::string> words = {
      "e",     "ở",   "E",  "a",   "k",  "đ", "9",   "123",          "Facebook",
      "cứuuu", "ooo", "n0", "4nh", "x2", "ж", "t.ự", "0912 345 678", "http://x.vn",
      "@user", "chết"};
  const std::vector<std::string> gaps = {" ", ", ", ". ", " - "};
  size_t checked = 0;
  for (const std::string& before : {std::string(), std::string("Bạn ")}) {
    for (const std::string& after : {std::string(), std::string("nhé"), std::string("e")}) {
      for (const std::string& gap : gaps) {
        for (const std::string& first : words) {
          for (const std::string& second : words) {
            ASSERT_TRUE(
                FastAgreesWithFull(*normalizer, before + first + gap + second + gap + after));
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 2 * 3 * gaps.size() * words.size() * words.size());
  // Three one-letter words are still joined when the short step reads the first of them.
  EXPECT_EQ(normalizer->Normalize("Bạn c h ế t nhé").folded, " ban chet nhe ");
}

// The normaliser reuses its scratch buffers on a thread from one call to the next: a text
// normalised after a long one, or after one that failed over to NFC, comes out as it does first.
TEST(NormalizeGoldenTest, ReusedBuffersLeaveNoTrace) {
  auto normalizer = Normalizer::Create(Teencode());
  ASSERT_TRUE(normalizer.has_value());
  const std::string text = "t.ự t.ử đi, c h ế t... ko mun song nua 0912 345 678";
  const uint64_t first = DigestOf(normalizer->Normalize(text));
  std::string long_text;
  for (int i = 0; i < 20000; ++i) long_text += "c h ế t, x.y.z ";
  EXPECT_FALSE(normalizer->Normalize(long_text).folded.empty());
  EXPECT_EQ(DigestOf(normalizer->Normalize(text)), first);
  EXPECT_FALSE(normalizer->Normalize("hoa\xCC\x80 e\xCC\x81m").folded.empty());  // not NFC
  EXPECT_EQ(DigestOf(normalizer->Normalize(text)), first);
}

}  // namespace
}  // namespace childsafe::text
