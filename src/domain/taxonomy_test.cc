#include "domain/taxonomy.h"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace childsafe::domain {
namespace {

TEST(TaxonomyTest, RealTaxonomyHasWhatTheHotlineRecords) {
  const Taxonomy& t = testing::RealTaxonomy();
  EXPECT_EQ(t.version(), "vn111-2025.1");
  EXPECT_EQ(t.KindOf("child_about_self"), CallKind::kData);
  EXPECT_EQ(t.KindOf("about_child"), CallKind::kData);
  for (auto code : {"silent", "blank", "prank", "hang_up", "wrong_number", "abusive", "test",
                    "information_request", "thanks", "follow_up"}) {
    EXPECT_EQ(t.KindOf(code), CallKind::kNonData) << code;
  }
  for (auto code : {"phone", "web", "app", "zalo", "facebook", "email", "chat", "walk_in"}) {
    EXPECT_TRUE(t.channels().Contains(code)) << code;
  }
  EXPECT_EQ(t.centres().size(), 3u);
  EXPECT_EQ(t.outcomes().at(*t.outcomes().Find("counselling")).label.vi, "Tư vấn");
  EXPECT_EQ(t.outcomes().at(*t.outcomes().Find("intervention_connection")).label.vi,
            "Can thiệp kết nối");
  EXPECT_EQ(t.outcomes().at(*t.outcomes().Find("report")).label.vi, "Phản ánh");
}

TEST(TaxonomyTest, OnlineSetIsCompleteAndFlagged) {
  const Taxonomy& t = testing::RealTaxonomy();
  for (auto code : {"online.sexual_abuse_exploitation", "online.sextortion", "online.grooming",
                    "online.csam", "online.nonconsensual_images", "online.cyberbullying",
                    "online.harmful_content", "online.scam", "online.kidnapping_scam",
                    "online.privacy_doxxing", "online.impersonation_hacking",
                    "online.excessive_gaming"}) {
    auto i = t.FindSubcategory(code);
    ASSERT_TRUE(i) << code;
    EXPECT_TRUE(t.subcategory(*i).online) << code;
    EXPECT_FALSE(t.subcategory(*i).chi.category.empty()) << code;
  }
  EXPECT_FALSE(t.subcategory(*t.FindSubcategory("violence.physical")).online);
  // Every category has an "Unspecified/Other" subcategory, like CHI's framework.
  for (const auto& c : t.categories().codes()) {
    EXPECT_TRUE(t.FindSubcategory(c.code + ".other")) << c.code;
  }
}

TEST(TaxonomyTest, AgeBandsCoverChildhood) {
  const Taxonomy& t = testing::RealTaxonomy();
  auto code = [&](std::optional<int> age) { return t.child_age_bands().at(t.ChildAgeBandOf(age)).code; };
  EXPECT_EQ(code(0), "0-5");
  EXPECT_EQ(code(11), "11-13");
  EXPECT_EQ(code(15), "14-15");
  EXPECT_EQ(code(17), "16-17");
  EXPECT_EQ(code(std::nullopt), "unknown");
}

TEST(TaxonomyTest, RejectsBrokenDocumentsNamingThePath) {
  EXPECT_FALSE(Taxonomy::Parse("not json"));
  EXPECT_FALSE(Taxonomy::Parse("[]"));
  nlohmann::json doc = nlohmann::json::parse(
      std::ifstream(testing::SourceDir() + "/data/taxonomy/vn111.v1.json"));
  ASSERT_TRUE(Taxonomy::Parse(doc.dump()));

  auto broken = doc;
  broken["outcomes"].erase(0);  // drops "counselling", which the software relies on
  auto r = Taxonomy::Parse(broken.dump());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at(0).field, "/outcomes");

  broken = doc;
  broken["categories"][1]["subcategories"][0]["code"] = "online.sextortion";  // wrong parent + dup
  r = Taxonomy::Parse(broken.dump());
  ASSERT_FALSE(r);
  EXPECT_GE(r.error().fields.size(), 2u);

  broken = doc;
  broken["call_types"][0]["kind"] = "maybe";
  r = Taxonomy::Parse(broken.dump());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at(0).field, "/call_types/0/kind");

  broken = doc;
  broken["child_age_bands"][1]["min"] = 3;  // overlaps 0-5
  EXPECT_FALSE(Taxonomy::Parse(broken.dump()));
}

}  // namespace
}  // namespace childsafe::domain
