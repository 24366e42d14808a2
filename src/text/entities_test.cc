#include <gtest/gtest.h>

#include "text/normalize.h"

namespace childsafe::text {
namespace {

std::vector<std::pair<EntityKind, std::string>> Find(std::string_view text) {
  std::vector<std::pair<EntityKind, std::string>> out;
  for (const Entity& e : ExtractEntities(text)) out.emplace_back(e.kind, e.value);
  return out;
}

using Kinds = std::vector<std::pair<EntityKind, std::string>>;

TEST(EntitiesTest, VietnamesePhoneFormats) {
  EXPECT_EQ(Find("sdt 0912345678"), (Kinds{{EntityKind::kPhone, "+84912345678"}}));
  EXPECT_EQ(Find("gọi 0912 345 678 nhé"), (Kinds{{EntityKind::kPhone, "+84912345678"}}));
  EXPECT_EQ(Find("0912.345.678"), (Kinds{{EntityKind::kPhone, "+84912345678"}}));
  EXPECT_EQ(Find("+84 912 345 678"), (Kinds{{EntityKind::kPhone, "+84912345678"}}));
  EXPECT_EQ(Find("84-987-654-321"), (Kinds{{EntityKind::kPhone, "+84987654321"}}));
  EXPECT_EQ(Find("024 3825 1234"), (Kinds{{EntityKind::kPhone, "+842438251234"}}));
  EXPECT_EQ(Find("1900 1567"), (Kinds{{EntityKind::kPhone, "19001567"}}));
  EXPECT_EQ(Find("gọi 111 ngay"), (Kinds{{EntityKind::kPhone, "111"}}));
  EXPECT_EQ(Find("+1 415 555 0100"), (Kinds{{EntityKind::kPhone, "+14155550100"}}));
}

TEST(EntitiesTest, NumbersThatAreNotPhones) {
  EXPECT_TRUE(Find("chuyển 500.000 đồng").empty());
  EXPECT_TRUE(Find("ngày 12/05/2024").empty());
  EXPECT_TRUE(Find("mất 2 triệu, 17tr, 2024").empty());
  EXPECT_TRUE(Find("0912345678abc").empty());  // glued to letters: not a number on its own
  EXPECT_TRUE(Find("1112").empty());
}

// Full stops after words are not tell-tales (the scan skips them); a dot inside a host is.
TEST(EntitiesTest, FullStopsAreNotHostsButDotsInsideThemAre) {
  EXPECT_TRUE(Find("Em học lớp tám. Nhà em ở xa... Vậy thôi.").empty());
  EXPECT_EQ(Find("Vào lua-dao.xyz. Rồi gửi cho a@b.vn."),
            (Kinds{{EntityKind::kUrl, "lua-dao.xyz"}, {EntityKind::kEmail, "a@b.vn"}}));
  EXPECT_EQ(Find("xem www.abc.-x. rồi @be.na."),
            (Kinds{{EntityKind::kUrl, "www.abc.-x"}, {EntityKind::kHandle, "@be.na"}}));
}

TEST(EntitiesTest, TwoPhonesInARowStaySeparate) {
  const auto found = Find("0912 345 678 và 0987 654 321");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].second, "+84987654321");
}

TEST(EntitiesTest, UrlsEmailsHandles) {
  EXPECT_EQ(Find("vào https://Example.com/Path?x=1."),
            (Kinds{{EntityKind::kUrl, "https://Example.com/Path?x=1"}}));
  EXPECT_EQ(Find("link nhanqua-ff.xyz nhé"), (Kinds{{EntityKind::kUrl, "nhanqua-ff.xyz"}}));
  EXPECT_EQ(Find("t.me/abc và bit.ly/x1"),
            (Kinds{{EntityKind::kUrl, "t.me/abc"}, {EntityKind::kUrl, "bit.ly/x1"}}));
  EXPECT_EQ(Find("www.facebook.com/profile"),
            (Kinds{{EntityKind::kUrl, "www.facebook.com/profile"}}));
  EXPECT_EQ(Find("mail Be.Na@Gmail.com,"), (Kinds{{EntityKind::kEmail, "be.na@gmail.com"}}));
  EXPECT_EQ(Find("ib @Linh_Ng.2008 nha"), (Kinds{{EntityKind::kHandle, "@linh_ng.2008"}}));
}

TEST(EntitiesTest, WordsWithDotsAreNotUrls) {
  EXPECT_TRUE(Find("TP.HCM và v.v").empty());
  EXPECT_TRUE(Find("c.o.n l.i.n.k s.e.x").empty());
  EXPECT_TRUE(Find("@nh ơi").empty());  // too short for a handle: a look-alike "anh"
  EXPECT_TRUE(Find("a@b").empty());
}

TEST(EntitiesTest, SpansAreExact) {
  const std::string text = "Xem ở abc.com. Hoặc gọi 0912345678!";
  const auto entities = ExtractEntities(text);
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(text.substr(entities[0].span.begin, entities[0].span.end - entities[0].span.begin),
            "abc.com");
  EXPECT_EQ(text.substr(entities[1].span.begin, entities[1].span.end - entities[1].span.begin),
            "0912345678");
}

TEST(EntitiesTest, LinearOnHostileInput) {
  std::string dots;
  for (int i = 0; i < 100000; ++i) dots += "a.";
  EXPECT_TRUE(ExtractEntities(dots).empty());
  std::string digits(200000, '9');
  EXPECT_TRUE(ExtractEntities(digits).empty());
  std::string ats(200000, '@');
  EXPECT_TRUE(ExtractEntities(ats).empty());
}

}  // namespace
}  // namespace childsafe::text
