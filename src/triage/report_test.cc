#include "triage/report.h"

#include <gtest/gtest.h>

#include "testing/services.h"

namespace childsafe::triage {
namespace {

TEST(TriageReport, HighlightsWhatTheChildTypedInBothLanguages) {
  auto engine = testing::RealTriageEngine();
  TaxonomyMap map = *TaxonomyMap::Load(testing::SourceDir() + "/data/taxonomy/vn111.v1.triage.tsv",
                                       testing::RealTaxonomy());
  const std::string text = "Em muốn tự tử ngay bây giờ.";
  std::string out = FormatTriageReport(engine->Triage(text), text, *engine, map, {});
  EXPECT_NE(out.find("KHẨN CẤP / emergency"), std::string::npos) << out;
  EXPECT_NE(out.find("⟦muốn tự tử⟧"), std::string::npos) << out;
  EXPECT_NE(out.find("mental_health.suicidal"), std::string::npos) << out;
  EXPECT_NE(out.find("đang xảy ra / happening now"), std::string::npos) << out;
  std::string colored = FormatTriageReport(engine->Triage(text), text, *engine, map, {true});
  EXPECT_NE(colored.find("\x1b[7mmuốn tự tử\x1b[0m"), std::string::npos);
  // The shipped model's probability is shown beside each suggested category.
  EXPECT_NE(out.find("mô hình / model p="), std::string::npos) << out;
}

TEST(TriageReport, HostileCharactersCannotSteerTheTerminal) {
  auto engine = testing::RealTriageEngine();
  TaxonomyMap map;
  const std::string text =
      "x\x1b[2Jy \xE2\x80\xAE"
      "abc \xE2\x80\x8B";
  std::string out = FormatTriageReport(engine->Triage(text), text, *engine, map, {});
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("\\x1B[2Jy"), std::string::npos) << out;
  EXPECT_NE(out.find("<U+202E>"), std::string::npos) << out;
  EXPECT_NE(out.find("<U+200B>"), std::string::npos) << out;
  std::string low = FormatTriageReport(engine->Triage("Xin chào"), "Xin chào", *engine, map, {});
  EXPECT_NE(low.find("THẤP / low"), std::string::npos);
  EXPECT_NE(low.find("không có / none"), std::string::npos);
}

TEST(EvalGoals, SaysWhichGoalIsMet) {
  text::EvalReport r;
  r.emergency = {95, 5, 5};  // recall 0.95
  r.overall = {80, 20, 0};   // precision 0.80
  bool met = true;
  std::string out = FormatEvalGoals(r, {}, &met);
  EXPECT_FALSE(met);
  EXPECT_NE(out.find("0.950  ≥ 0.95  ĐẠT / met"), std::string::npos) << out;
  EXPECT_NE(out.find("0.800  ≥ 0.85  CHƯA ĐẠT / not met"), std::string::npos) << out;
  r.overall = {90, 10, 0};
  FormatEvalGoals(r, {}, &met);
  EXPECT_TRUE(met);
}

}  // namespace
}  // namespace childsafe::triage
