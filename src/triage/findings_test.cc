#include "triage/findings.h"

#include <gtest/gtest.h>

#include "testing/services.h"

namespace childsafe::triage {
namespace {

using nlohmann::json;

TEST(Findings, StoredFormRoundTrips) {
  auto engine = testing::RealTriageEngine();
  const std::string text = "Có người lạ đe doạ tung ảnh nóng của em, gọi 0912 345 678.";
  text::TriageResult r = engine->Triage(text);
  ASSERT_FALSE(r.signals.empty());
  auto back = DecodeFindings(EncodeFindings(r, text.size()));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->text_bytes, text.size());
  EXPECT_EQ(back->result.level, r.level);
  EXPECT_EQ(back->result.lexicon_version, r.lexicon_version);
  ASSERT_EQ(back->result.signals.size(), r.signals.size());
  EXPECT_EQ(back->result.signals[0].span, r.signals[0].span);
  EXPECT_EQ(back->result.signals[0].category, r.signals[0].category);
  ASSERT_EQ(back->result.entities.size(), r.entities.size());
  EXPECT_EQ(back->result.entities, r.entities);
  EXPECT_EQ(back->result.categories.size(), r.categories.size());
  // The model's opinion survives the round trip; a record written before the model reads as
  // "no model, from the lexicon".
  text::TriageResult m;
  m.categories.push_back({"fraud", 0.5, text::Level::kMedium, 0.625, false});
  m.model_emergency = 0.875;
  auto mb = DecodeFindings(EncodeFindings(m, 3));
  ASSERT_TRUE(mb) << mb.error().ToString();
  EXPECT_DOUBLE_EQ(mb->result.categories[0].model, 0.625);
  EXPECT_FALSE(mb->result.categories[0].lexicon);
  EXPECT_DOUBLE_EQ(mb->result.model_emergency, 0.875);
  auto old = DecodeFindings(
      "{\"v\":1,\"lexicon\":\"x\",\"n\":3,\"level\":1,\"score\":0.5,\"flags\":0,"
      "\"signals\":[],\"categories\":[[\"fraud\",0.5,1]],\"entities\":[]}");
  ASSERT_TRUE(old) << old.error().ToString();
  EXPECT_EQ(old->result.categories[0].model, -1);
  EXPECT_TRUE(old->result.categories[0].lexicon);
  EXPECT_EQ(old->result.model_emergency, -1);
  json view = FindingsView(m, "abc", {});
  EXPECT_EQ(view["suggested_categories"][0]["source"], "model");
  EXPECT_EQ(view["suggested_categories"][0]["model"], 0.625);
  EXPECT_EQ(view["model_emergency"], 0.875);
  EXPECT_FALSE(DecodeFindings("{\"v\": 1}"));
  EXPECT_FALSE(DecodeFindings("not json"));
  EXPECT_EQ(DecodeFindings("[]").error().code, ErrorCode::kDataLoss);
}

TEST(Findings, ViewGivesSpansInBytesAndUtf16AndTheTypedText) {
  text::TriageResult r;
  r.level = text::Level::kHigh;
  r.score = 0.7;
  // "Bé 😢 bị xâm hại": the emoji is 4 bytes, 2 UTF-16 units.
  const std::string text = "Bé 😢 bị xâm hại";
  const auto b = static_cast<uint32_t>(text.find("xâm"));
  r.signals.push_back({"sexual_abuse_disclosure",
                       {b, static_cast<uint32_t>(text.size())},
                       0.7,
                       0.7,
                       text::kContextUrgent,
                       185});
  r.categories.push_back({"sexual_abuse_disclosure", 0.7, text::Level::kHigh});
  r.text_flags = text::kFlagZeroWidth;
  TaxonomyMap map =
      *TaxonomyMap::Parse("sexual_abuse_disclosure\tviolence.sexual\n", testing::RealTaxonomy());
  Review review;
  review.verdicts["sexual_abuse_disclosure"] = "right";
  json v = FindingsView(r, text, {nullptr, &map, &review});
  const json& s = v["signals"][0];
  EXPECT_EQ(s["text"], "xâm hại");
  EXPECT_EQ(s["begin"], b);
  EXPECT_EQ(s["begin_utf16"], 9);  // B é space 😢(2) space b ị space
  EXPECT_EQ(s["end_utf16"], 16);
  EXPECT_EQ(s["context"], json::array({"urgent"}));
  EXPECT_EQ(s["label_vi"], "sexual_abuse_disclosure");  // no lexicon: the key
  EXPECT_EQ(v["suggested_categories"][0]["taxonomy"], json::array({"violence.sexual"}));
  EXPECT_EQ(v["suggested_categories"][0]["verdict"], "right");
  EXPECT_EQ(v["flags"], json::array({"zero_width"}));
  // Spans beyond the text (a stale record) are clamped, never read out of bounds.
  r.signals[0].span = {1, 9999};
  json clamped = FindingsView(r, "ab", {});
  EXPECT_EQ(clamped["signals"][0]["end"], 2);
  EXPECT_EQ(clamped["signals"][0]["text"], "b");
  // ... and never split a character.
  r.signals[0].span = {2, 3};
  json mid = FindingsView(r, "Bé", {});
  EXPECT_EQ(mid["signals"][0]["begin"], 1);
}

TEST(TaxonomyMap, ChecksEveryRowAgainstTheTaxonomy) {
  const auto& tax = testing::RealTaxonomy();
  auto ok = TaxonomyMap::Parse("# comment\n\nfraud\tonline.scam, online.other\n", tax);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->CodesOf("fraud"), (std::vector<std::string>{"online.scam", "online.other"}));
  EXPECT_TRUE(ok->CodesOf("grooming").empty());
  EXPECT_NE(TaxonomyMap::Parse("fraud\tonline.nope\n", tax).error().message.find("line 1"),
            std::string::npos);
  EXPECT_FALSE(TaxonomyMap::Parse("Fraud\tonline.scam\n", tax));
  EXPECT_FALSE(TaxonomyMap::Parse("fraud\tonline.scam\nfraud\tonline.scam\n", tax));
  EXPECT_FALSE(TaxonomyMap::Parse("fraud online.scam\n", tax));
  EXPECT_FALSE(TaxonomyMap::Parse("fraud\t\n", tax));
  // The repository's map covers every category of the repository's lexicon.
  auto real = TaxonomyMap::Load(testing::SourceDir() + "/data/taxonomy/vn111.v1.triage.tsv", tax);
  ASSERT_TRUE(real) << real.error().ToString();
  for (const auto& c : testing::RealTriageEngine()->lexicon().categories) {
    EXPECT_FALSE(real->CodesOf(c.key).empty()) << c.key;
  }
}

TEST(Findings, EveryContextFlagHasAName) {
  EXPECT_EQ(ContextNames(text::kContextResolved | text::kContextSubsumed | text::kContextPast),
            (std::vector<std::string>{"past", "resolved", "subsumed"}));
}

}  // namespace
}  // namespace childsafe::triage
