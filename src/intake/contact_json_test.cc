#include "intake/contact_json.h"

#include <gtest/gtest.h>

#include <set>

namespace childsafe::intake {
namespace {

using nlohmann::json;

const char* kValid = R"({
  "received_at": "2025-06-15T08:00:00+07:00", "channel": "zalo", "centre": "hanoi",
  "counsellor": "tv-1", "call_type": "about_child", "duration_seconds": 300,
  "caller": {"relation": "parent", "phone": "0912345678"},
  "children": [{"age": 9, "gender": "boy", "province": "79", "name": "Bé"}],
  "categories": ["online.cyberbullying"], "outcome": "counselling", "urgency": "non_critical",
  "summary": "Bé bị bắt nạt trên mạng"})";

TEST(ContactJsonTest, DecodesAWellFormedContact) {
  auto c = DecodeContact(*ParseJson(kValid), DecodeMode::kCreate);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->received_at, *ParseTimestamp("2025-06-15T01:00:00Z"));
  EXPECT_EQ(c->children.at(0).age, 9);
  EXPECT_EQ(c->caller->phone, "0912345678");
  EXPECT_EQ(c->categories, std::vector<std::string>{"online.cyberbullying"});
}

TEST(ContactJsonTest, NamesEveryMalformedField) {
  json j = json::parse(kValid);
  j["colour"] = "blue";
  j["duration_seconds"] = "long";
  j["children"][0]["age"] = 9.5;
  j["children"][0]["eyes"] = "brown";
  j["categories"] = {"ok", 7};
  j["received_at"] = "yesterday";
  j["caller"] = "mum";
  auto c = DecodeContact(j, DecodeMode::kCreate);
  ASSERT_FALSE(c);
  std::set<std::string> fields;
  for (const auto& f : c.error().fields) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"colour", "duration_seconds", "children/0/age",
                                           "children/0/eyes", "categories/1", "received_at",
                                           "caller"}));
  // A client cannot set system fields when creating.
  j = json::parse(kValid);
  j["reference"] = "111-2025-000001";
  j["id"] = 5;
  EXPECT_EQ(DecodeContact(j, DecodeMode::kCreate).error().fields.size(), 2u);
  EXPECT_TRUE(DecodeContact(j, DecodeMode::kReplace));
  EXPECT_FALSE(DecodeContact(json::array(), DecodeMode::kCreate));
}

TEST(ContactJsonTest, RefusesMalformedAndHostileJson) {
  EXPECT_EQ(ParseJson("{\"a\":").error().fields.at(0).code, "invalid_format");
  EXPECT_EQ(ParseJson(std::string("{\"a\":\"\xC3\"}")).error().fields.at(0).code, "invalid_utf8");
  EXPECT_FALSE(ParseJson(std::string(100000, '[') + std::string(100000, ']')));
  EXPECT_TRUE(ParseJson(std::string(10, '[') + std::string(10, ']')));
  // Regression (found by the contact_json fuzz corpus): numbers beyond a double used to escape
  // as an exception and would have become a 500.
  auto huge = ParseJson(R"({"duration_seconds": -1e309})");
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
}

TEST(ContactJsonTest, EncodesAndDecodesBack) {
  auto c = *DecodeContact(*ParseJson(kValid), DecodeMode::kCreate);
  c.id = 3;
  c.reference = "111-2025-000003";
  c.version = 2;
  c.caller->phone.clear();
  json j = EncodeContact(c, ContactExtras{true, true, storage::RepeatCallerInfo{2, 1749900000}}, {});
  EXPECT_EQ(j["received_at_local"], "2025-06-15T08:00:00+07:00");
  EXPECT_EQ(j["repeat_caller"]["previous_contacts"], 2);
  EXPECT_FALSE(j["caller"].contains("phone"));
  auto back = DecodeContact(j, DecodeMode::kReplace);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->summary, c.summary);
  EXPECT_EQ(back->children[0].name, "Bé");
  json coded = EncodeContact(c, {}, EncodeOptions{false});
  EXPECT_FALSE(coded.contains("summary"));
  EXPECT_FALSE(coded["children"][0].contains("name"));
}

TEST(ContactJsonTest, MergePatchFollowsRfc7396) {
  json target = json::parse(R"({"a": "b", "c": {"d": "e", "f": "g"}})");
  json patched = MergePatch(target, json::parse(R"({"a": "z", "c": {"f": null}})"));
  EXPECT_EQ(patched, json::parse(R"({"a": "z", "c": {"d": "e"}})"));
  EXPECT_EQ(MergePatch(json::parse(R"({"a": [1,2]})"), json::parse(R"({"a": [3]})")),
            json::parse(R"({"a": [3]})"));
}

}  // namespace
}  // namespace childsafe::intake
