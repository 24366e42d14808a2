#include "domain/provinces.h"

#include <gtest/gtest.h>

#include <map>

#include "testing/testing.h"

namespace childsafe::domain {
namespace {

TEST(ProvincesTest, LoadsBothSchemesWithTheirMapping) {
  const Provinces& p = testing::RealProvinces();
  EXPECT_EQ(p.units63().size(), 63u);
  EXPECT_EQ(p.units34().size(), 34u);
  // The code pitfall of shared/reference/provinces.md: new units reuse another old code.
  EXPECT_EQ(p.Find(ProvinceScheme::k63, "10")->successor, "15");  // Lào Cai -> code of Yên Bái
  EXPECT_EQ(p.Find(ProvinceScheme::k63, "27")->successor, "24");  // Bắc Ninh -> 24
  EXPECT_EQ(p.Find(ProvinceScheme::k63, "89")->successor, "91");  // An Giang -> 91
  EXPECT_EQ(p.Find(ProvinceScheme::k34, "91")->name_vi, "An Giang");
}

TEST(ProvincesTest, CallCentresServe28And16And19Provinces) {
  std::map<std::string, int> count;
  for (const auto& u : testing::RealProvinces().units63()) count[u.centre]++;
  EXPECT_EQ(count["hanoi"], 28);
  EXPECT_EQ(count["danang"], 16);
  EXPECT_EQ(count["angiang"], 19);
}

TEST(ProvincesTest, CodesAreValidOnTheirDate) {
  const Provinces& p = testing::RealProvinces();
  LocalDay before = *ParseDate("30/06/2025");
  LocalDay after = *ParseDate("01/07/2025");
  EXPECT_TRUE(p.ValidateOn("27", before, "x"));   // Bắc Ninh (old)
  EXPECT_FALSE(p.ValidateOn("27", after, "x"));   // merged away
  EXPECT_TRUE(p.ValidateOn("24", after, "x"));
  EXPECT_TRUE(p.ValidateOn("15", before, "x"));   // Yên Bái before, Lào Cai after
  EXPECT_EQ(p.CurrentCode("15", before), "15");
  EXPECT_EQ(p.CurrentCode("10", before), "15");
  auto r = p.ValidateOn("99", after, "children/0/province");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at(0).field, "children/0/province");
  EXPECT_EQ(r.error().fields.at(0).code, "unknown_code");
  EXPECT_EQ(p.ValidateOn("27", after, "f").error().fields.at(0).code, "not_allowed");
}

TEST(ProvincesTest, RefusesInconsistentData) {
  testing::TempDir dir;
  EXPECT_FALSE(Provinces::Load(dir.path().string()));  // missing files
}

}  // namespace
}  // namespace childsafe::domain
