// Text triage wired into the hotline: contacts triaged on arrival and correction, the queue, the
// supervisor alerts, counsellors' decisions, the blind search index, erasure and reload.
#include "triage/triage_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/services.h"

namespace childsafe::triage {
namespace {

using nlohmann::json;

constexpr const char* kEmergencyText = "Em muốn tự tử ngay bây giờ, em đã chuẩn bị thuốc ngủ rồi.";
constexpr const char* kHighText = "Con tôi bị bạn cùng lớp xâm hại.";
constexpr const char* kLowText = "Em hỏi về lịch thi học kỳ.";

auth::Principal Token(const std::string& name, const std::string& role) {
  return auth::Principal::Make(auth::Principal::Kind::kApiToken, 7, name, role);
}

auth::Principal User(int64_t id, const std::string& name, const std::string& role,
                     const std::string& centre) {
  auth::Principal p = auth::Principal::Make(auth::Principal::Kind::kUser, id, name, role);
  p.centre = centre;
  return p;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TriageServiceTest : public ::testing::Test {
 protected:
  // A message that arrived through an integration (web form): no counsellor yet.
  int64_t Arrive(const std::string& text, const std::string& centre = "hanoi", int64_t ago = 600) {
    domain::Contact c = h_.SampleDataContact();
    c.channel = "web";
    c.counsellor.clear();
    c.centre = centre;
    c.summary = text;
    c.received_at = h_.clock().Now() - ago;
    auto r = h_.contacts().Create(webform_, c, std::nullopt, "");
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->view.contact.id : 0;
  }

  json TriageOf(int64_t id) {
    auto v = h_.contacts().Get(admin_, id);
    EXPECT_TRUE(v) << v.error().ToString();
    return v ? v->extras.triage : json();
  }

  std::vector<int64_t> Search(const auth::Principal& who, const std::string& q) {
    intake::ContactFilter f;
    f.text = q;
    auto list = h_.contacts().List(who, f);
    EXPECT_TRUE(list) << list.error().ToString();
    std::vector<int64_t> ids;
    if (list) {
      for (const auto& v : list->items) ids.push_back(v.contact.id);
    }
    return ids;
  }

  std::vector<storage::AuditEntry> Audit(const std::string& action) {
    return h_.AuditEntries(action);
  }

  testing::TestHotline h_;
  auth::Principal webform_ = Token("webform", "counsellor");
  auth::Principal admin_ = auth::Principal::System();
  auth::Principal supervisor_ = User(2, "gs-01", "supervisor", "hanoi");
  auth::Principal hanoi_ = User(3, "tv-hn", "counsellor", "hanoi");
  auth::Principal danang_ = User(4, "tv-dn", "counsellor", "danang");
};

TEST_F(TriageServiceTest, AnEmergencyIsQueuedAlertedAndHighlighted) {
  const int64_t id = Arrive(kEmergencyText);
  json t = TriageOf(id);
  ASSERT_TRUE(t.is_object()) << t.dump();
  EXPECT_EQ(t["level"], "emergency");
  EXPECT_EQ(t["priority"], "emergency");
  EXPECT_EQ(t["queue"]["state"], "waiting");
  ASSERT_FALSE(t["signals"].empty());
  const std::string text = kEmergencyText;
  for (const auto& s : t["signals"]) {
    // The span lands on the characters the child typed.
    const auto b = s["begin"].get<size_t>(), e = s["end"].get<size_t>();
    EXPECT_EQ(s["text"], text.substr(b, e - b));
    EXPECT_LE(s["end_utf16"].get<size_t>(), e);  // Vietnamese: fewer UTF-16 units than bytes
    EXPECT_FALSE(s["label_vi"].get<std::string>().empty());
  }
  ASSERT_FALSE(t["suggested_categories"].empty());
  EXPECT_EQ(t["suggested_categories"][0]["category"], "suicide_self_harm");
  EXPECT_EQ(t["suggested_categories"][0]["taxonomy"][0], "mental_health.suicidal");
  ASSERT_EQ(t["alerts"].size(), 1u);
  EXPECT_TRUE(t["alerts"][0]["acknowledged_at"].is_null());
  // The alert was written with the contact and audited.
  EXPECT_EQ(Audit("triage.alert").size(), 1u);
  auto alerts = h_.triage().ListAlerts(supervisor_, {});
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].contact_id, id);
  EXPECT_EQ((*alerts)[0].centre, "hanoi");
}

TEST_F(TriageServiceTest, WhatTellsTheStoryIsSealedAndNeverInTheDatabaseInClear) {
  // A distinctive signal text and search word that must not appear in the file.
  const int64_t id = Arrive("Có người lạ đe doạ tung ảnh nóng của em. Mã zebracanary.");
  ASSERT_GT(id, 0);
  std::string everything = ReadAll(h_.db_path()) + ReadAll(h_.db_path() + "-wal");
  ASSERT_FALSE(everything.empty());
  for (const char* secret : {"tung ảnh", "tung anh", "zebracanary", "đe doạ", "suicide"}) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
  }
  // Yet the level is coded and the search finds the word.
  EXPECT_EQ(TriageOf(id)["level"], "emergency");
  EXPECT_EQ(Search(admin_, "ZEBRACANARY"), std::vector<int64_t>{id});
}

TEST_F(TriageServiceTest, ACounsellorsOwnRecordIsTakenByThemNotQueued) {
  domain::Contact c = h_.SampleDataContact();
  c.counsellor.clear();
  c.summary = kHighText;
  auto r = h_.contacts().Create(hanoi_, c, std::nullopt, "");
  ASSERT_TRUE(r) << r.error().ToString();
  json t = TriageOf(r->view.contact.id);
  EXPECT_EQ(t["queue"]["state"], "taken");
  EXPECT_EQ(t["queue"]["taken_by"], "tv-hn");
  auto waiting = h_.triage().ListQueue(supervisor_, {});
  ASSERT_TRUE(waiting);
  EXPECT_TRUE(waiting->items.empty());
  // A contact without text is not triaged at all.
  auto silent = h_.contacts().Create(hanoi_, h_.SampleSilentCall(), std::nullopt, "");
  ASSERT_TRUE(silent);
  EXPECT_TRUE(TriageOf(silent->view.contact.id).is_null());
}

TEST_F(TriageServiceTest, TheQueueIsOrderedByPriorityThenArrivalWithinTheCallersScope) {
  const int64_t low_old = Arrive(kLowText, "hanoi", 5000);
  const int64_t high = Arrive(kHighText, "hanoi", 3000);
  const int64_t emergency = Arrive(kEmergencyText, "hanoi", 100);
  const int64_t low_new = Arrive(kLowText, "hanoi", 50);
  const int64_t other_centre = Arrive(kEmergencyText, "danang", 4000);
  auto all = h_.triage().ListQueue(supervisor_, {});
  ASSERT_TRUE(all) << all.error().ToString();
  std::vector<int64_t> order;
  for (const auto& it : all->items) order.push_back(it.triage.contact_id);
  EXPECT_EQ(order, (std::vector<int64_t>{other_centre, emergency, high, low_old, low_new}));
  EXPECT_TRUE(all->items[0].open_alert);
  // A counsellor sees their own centre only, page by page.
  QueueFilter f;
  f.limit = 2;
  auto page1 = h_.triage().ListQueue(hanoi_, f);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->items.size(), 2u);
  EXPECT_EQ(page1->items[0].triage.contact_id, emergency);
  ASSERT_TRUE(page1->next);
  f.after = page1->next;
  auto page2 = h_.triage().ListQueue(hanoi_, f);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->items.size(), 2u);
  EXPECT_EQ(page2->items[0].triage.contact_id, low_old);
  EXPECT_EQ(page2->items[1].triage.contact_id, low_new);
  EXPECT_FALSE(page2->next);
  // Roles without the queue are refused; bad filters name the field.
  EXPECT_EQ(h_.triage().ListQueue(Token("m", "manager"), {}).error().code,
            ErrorCode::kPermissionDenied);
  QueueFilter bad;
  bad.state = "closed";
  EXPECT_EQ(h_.triage().ListQueue(supervisor_, bad).error().fields.at(0).field, "state");
}

TEST_F(TriageServiceTest, TakingAnItemMakesItTheCounsellorsOnceAndIsAudited) {
  const int64_t id = Arrive(kHighText);
  // Another centre's counsellor cannot reach it (nor learn that it exists).
  EXPECT_EQ(h_.triage().Take(danang_, id).error().code, ErrorCode::kNotFound);
  auto taken = h_.triage().Take(hanoi_, id);
  ASSERT_TRUE(taken) << taken.error().ToString();
  EXPECT_EQ(taken->queue_state, "taken");
  EXPECT_EQ(taken->taken_by, "tv-hn");
  EXPECT_EQ(h_.triage().Take(supervisor_, id).error().code, ErrorCode::kConflict);
  auto v = h_.contacts().Get(admin_, id);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->contact.counsellor, "tv-hn");  // theirs now: "own" grants reach it
  EXPECT_EQ(v->contact.version, 2);
  EXPECT_EQ(Audit("queue.take").size(), 1u);
  QueueFilter mine;
  mine.state = "taken";
  auto list = h_.triage().ListQueue(hanoi_, mine);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].triage.taken_by, "tv-hn");
  EXPECT_EQ(h_.triage().Take(hanoi_, 99999).error().code, ErrorCode::kNotFound);
}

TEST_F(TriageServiceTest, CorrectionsRaiseButNeverLowerAndAlertOnce) {
  const int64_t id = Arrive(kLowText);
  EXPECT_EQ(TriageOf(id)["priority"], "low");
  auto correct = [&](const std::string& text) {
    auto v = h_.contacts().Get(admin_, id);
    EXPECT_TRUE(v);
    domain::Contact c = v->contact;
    c.summary = text;
    auto u = h_.contacts().Update(admin_, id, v->contact.version, c);
    EXPECT_TRUE(u) << u.error().ToString();
  };
  correct(kEmergencyText);
  json t = TriageOf(id);
  EXPECT_EQ(t["level"], "emergency");
  EXPECT_EQ(t["priority"], "emergency");
  EXPECT_EQ(t["alerts"].size(), 1u);
  correct(kEmergencyText + std::string(" Em sợ lắm."));  // still an emergency: no second alert
  EXPECT_EQ(TriageOf(id)["alerts"].size(), 1u);
  correct(kLowText);  // the engine sees less now, but it never lowers the priority
  t = TriageOf(id);
  EXPECT_EQ(t["level"], "low");
  EXPECT_EQ(t["priority"], "emergency");
  EXPECT_EQ(t["queue"]["state"], "waiting");
  // The search terms follow the text.
  EXPECT_TRUE(Search(admin_, "tự tử").empty());
  EXPECT_EQ(Search(admin_, "lich thi"), std::vector<int64_t>{id});
}

TEST_F(TriageServiceTest, ACounsellorDecidesAndTheDecisionIsRecorded) {
  const int64_t id = Arrive(kEmergencyText);
  Decision d;
  d.priority = text::Level::kMedium;
  d.verdicts = {{"suicide_self_harm", "wrong"}};
  auto out = h_.triage().Decide(hanoi_, id, d);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ((*out)["priority"], "medium");
  EXPECT_EQ((*out)["priority_set_by"], "user:3");
  json t = TriageOf(id);
  EXPECT_EQ(t["priority"], "medium");
  EXPECT_EQ(t["level"], "emergency");  // what the engine said stays visible
  EXPECT_EQ(t["suggested_categories"][0]["verdict"], "wrong");
  auto audit = Audit("triage.decision");
  ASSERT_EQ(audit.size(), 1u);
  json details = json::parse(audit[0].details);
  EXPECT_EQ(details["priority_from"], "emergency");
  EXPECT_EQ(details["priority_to"], "medium");
  EXPECT_EQ(details["wrong"], 1);
  EXPECT_EQ(audit[0].details.find("suicide"), std::string::npos);  // counts, not categories
  // Verdicts only on what was suggested; nothing at all is refused; other centres are out of reach.
  Decision unknown;
  unknown.verdicts = {{"fraud", "right"}};
  auto e = h_.triage().Decide(hanoi_, id, unknown);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().fields.at(0).field, "suggestions/fraud");
  EXPECT_EQ(h_.triage().Decide(hanoi_, id, Decision{}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(h_.triage().Decide(danang_, id, d).error().code, ErrorCode::kNotFound);
  // The queue follows the person's priority.
  const int64_t high = Arrive(kHighText);
  auto q = h_.triage().ListQueue(supervisor_, {});
  ASSERT_TRUE(q);
  ASSERT_EQ(q->items.size(), 2u);
  EXPECT_EQ(q->items[0].triage.contact_id, high);
}

TEST_F(TriageServiceTest, SupervisorsAcknowledgeAlertsOnce) {
  const int64_t id = Arrive(kEmergencyText);
  auto alerts = h_.triage().ListAlerts(supervisor_, {});
  ASSERT_TRUE(alerts);
  ASSERT_EQ(alerts->size(), 1u);
  const int64_t alert = (*alerts)[0].id;
  EXPECT_EQ(h_.triage().ListAlerts(hanoi_, {}).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(h_.triage().Acknowledge(hanoi_, alert).error().code, ErrorCode::kNotFound);
  auto acked = h_.triage().Acknowledge(supervisor_, alert);
  ASSERT_TRUE(acked) << acked.error().ToString();
  EXPECT_EQ(acked->acknowledged_by, "gs-01");
  h_.clock().Advance(60);
  auto again = h_.triage().Acknowledge(admin_, alert);  // the first acknowledgement stands
  ASSERT_TRUE(again);
  EXPECT_EQ(again->acknowledged_by, "gs-01");
  EXPECT_EQ(again->acknowledged_at, acked->acknowledged_at);
  EXPECT_EQ(Audit("alert.ack").size(), 1u);
  EXPECT_TRUE(h_.triage().ListAlerts(supervisor_, {})->empty());  // open ones by default
  AlertFilter all;
  all.open_only = false;
  EXPECT_EQ(h_.triage().ListAlerts(supervisor_, all)->size(), 1u);
  EXPECT_EQ(h_.triage().Acknowledge(supervisor_, 424242).error().code, ErrorCode::kNotFound);
  auto after = h_.triage().AlertsAfter(supervisor_, 0, 10);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size(), 1u);
  EXPECT_EQ(*h_.triage().LatestAlertId(supervisor_), alert);
  (void)id;
}

TEST_F(TriageServiceTest, AlertWaitersWakeOnANewAlertAndOnShutdown) {
  const uint64_t seen = h_.triage().AlertEpoch();
  Arrive(kEmergencyText);
  EXPECT_NE(h_.triage().WaitForAlert(seen, std::chrono::milliseconds(10)), seen);
  auto slot1 = h_.triage().OpenStream();
  ASSERT_TRUE(slot1);
  h_.triage().Shutdown();
  const uint64_t now = h_.triage().AlertEpoch();
  const auto started = std::chrono::steady_clock::now();
  h_.triage().WaitForAlert(now, std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(h_.triage().OpenStream());
}

TEST_F(TriageServiceTest, SearchFindsWordsWithoutTheirMarksWithinScopeAndIsAudited) {
  const int64_t a = Arrive("Con tôi bị XÂM HẠI ở trường.");
  const int64_t b = Arrive("Em bị bắt nạt trên mạng, bạn bè hoà đồng nhưng...", "danang");
  const int64_t c = Arrive("Hỏi về lịch tiêm phòng.");
  EXPECT_EQ(Search(admin_, "xam hai"), std::vector<int64_t>{a});
  EXPECT_EQ(Search(admin_, "Xâm  Hại!"), std::vector<int64_t>{a});
  EXPECT_EQ(Search(admin_, "hòa"), std::vector<int64_t>{b});  // one tone placement
  EXPECT_EQ(Search(admin_, "bat nat"), std::vector<int64_t>{b});
  EXPECT_TRUE(Search(admin_, "xam nat").empty());  // every word must match
  EXPECT_EQ(Search(admin_, "xam"), std::vector<int64_t>{a});
  EXPECT_TRUE(Search(admin_, "xa").empty());                     // whole words only
  EXPECT_EQ(Search(hanoi_, "bat nat"), std::vector<int64_t>{});  // another centre's contact
  EXPECT_EQ(Search(danang_, "bat nat"), std::vector<int64_t>{b});
  auto audit = Audit("contacts.search");
  ASSERT_FALSE(audit.empty());
  json details = json::parse(audit[0].details);
  EXPECT_EQ(details["results"], 1);
  EXPECT_EQ(audit[0].details.find("nat"), std::string::npos);  // never the words
  intake::ContactFilter f;
  f.text = " ... !!! ";
  auto none = h_.contacts().List(admin_, f);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().fields.at(0).field, "q");
  (void)c;
}

TEST_F(TriageServiceTest, ErasureRemovesSearchTermsAndFindingsButKeepsTheLevel) {
  const int64_t id = Arrive(kEmergencyText);
  EXPECT_EQ(Search(admin_, "thuoc ngu"), std::vector<int64_t>{id});
  auto v = h_.contacts().Get(admin_, id);
  ASSERT_TRUE(v);
  intake::SubjectQuery q;
  q.references = {v->contact.reference};
  auto erased = h_.contacts().SubjectErase(admin_, q);
  ASSERT_TRUE(erased) << erased.error().ToString();
  EXPECT_EQ(erased->first, 1);
  EXPECT_TRUE(Search(admin_, "thuoc ngu").empty());
  ASSERT_TRUE(h_.db().Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(auto rec, t.GetContactTriage(id));
    EXPECT_TRUE(rec);
    if (rec) {
      EXPECT_TRUE(rec->findings.empty());
      EXPECT_EQ(rec->level, 3);
    }
    return {};
  }));
  json t = TriageOf(id);
  EXPECT_EQ(t["level"], "emergency");
  EXPECT_TRUE(t["signals"].empty());
  // Retention erases the same way.
  const int64_t old = Arrive("Bé bị xâm hại từ năm ngoái.", "hanoi", 400 * 86400);
  EXPECT_EQ(Search(admin_, "xam hai"), std::vector<int64_t>{old});
  auto report = h_.contacts().RunRetention(admin_, 365, false);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_GE(report->erased, 1);
  EXPECT_TRUE(Search(admin_, "xam hai").empty());
}

TEST_F(TriageServiceTest, ImportedHistoryIsSearchableButNeverQueuedOrAlerted) {
  domain::Contact c = h_.SampleDataContact();
  c.summary = kEmergencyText;
  c.counsellor.clear();
  std::vector<intake::ImportRow> rows;
  rows.push_back({1, c});
  auto report = h_.contacts().Import(admin_, std::move(rows), {});
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_EQ(report->written, 1u);
  auto ids = Search(admin_, "tu tu");
  ASSERT_EQ(ids.size(), 1u);
  json t = TriageOf(ids[0]);
  EXPECT_EQ(t["level"], "emergency");
  EXPECT_EQ(t["queue"]["state"], "none");
  EXPECT_TRUE(t["alerts"].empty());
  EXPECT_TRUE(h_.triage().ListQueue(supervisor_, {})->items.empty());
}

TEST_F(TriageServiceTest, AnalyseRejectsBadInputAndSurvivesHostileText) {
  auto who = hanoi_;
  EXPECT_EQ(h_.triage().Analyse(who, "").error().fields.at(0).field, "text");
  auto bad = h_.triage().Analyse(who, "em mu\xC3\x28n ch\xE1\xBA");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields.at(0).field, "text");
  EXPECT_EQ(bad.error().fields.at(0).code, field_codes::kInvalidUtf8);
  auto big = h_.triage().Analyse(who, std::string(300 * 1024, 'a'));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(big.error().fields.at(0).field, "text");
  // Zero-width characters splitting the words, and a right-to-left override: still found.
  auto hidden = h_.triage().Analyse(who, "em mu\u200Bốn t\u200Bự t\u200Bử \u202Engay bây giờ");
  ASSERT_TRUE(hidden) << hidden.error().ToString();
  EXPECT_EQ((*hidden)["level"], "emergency");
  auto flags = (*hidden)["flags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(flags.begin(), flags.end(), "zero_width"), flags.end());
  EXPECT_NE(std::find(flags.begin(), flags.end(), "bidi_control"), flags.end());
  auto repeated = h_.triage().Analyse(who, std::string(200 * 1024, 'x'));
  ASSERT_TRUE(repeated);
  EXPECT_EQ((*repeated)["level"], "low");
  auto spaces = h_.triage().Analyse(who, "   \n\t ");
  ASSERT_TRUE(spaces);
  EXPECT_EQ((*spaces)["level"], "low");
  EXPECT_EQ(h_.triage().Analyse(Token("m", "manager"), "x").error().code,
            ErrorCode::kPermissionDenied);
}

// A copy of the lexicon that the test may break and mend.
class ReloadTest : public TriageServiceTest {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    for (const char* sub : {"triage", "text"}) {
      fs::create_directories(dir_.path() / sub);
    }
    for (const char* f : {"triage/categories.tsv", "triage/cues.tsv", "triage/levels.tsv",
                          "triage/model.tsv", "text/teencode.tsv"}) {
      fs::copy_file(testing::SourceDir() + "/data/" + f, dir_.path() / f);
    }
    WriteSignals("sextortion\t0.9\tđe dọa tung ảnh\nsuicide_self_harm\t0.95\tmuốn tự tử\n");
    // No model: these tests are about the lexicon's own signals (an empty model.tsv is "none").
    std::ofstream(dir_.path() / "triage/model.tsv", std::ios::trunc);
  }
  void WriteSignals(const std::string& body) {
    std::ofstream(dir_.path() / "triage/signals.tsv", std::ios::trunc) << body;
  }
  TriageService Service() {
    auto map = TaxonomyMap::Load(testing::SourceDir() + "/data/taxonomy/vn111.v1.triage.tsv",
                                 testing::RealTaxonomy());
    EXPECT_TRUE(map);
    TriageOptions o;
    o.data_dir = dir_.path().string();
    auto ring = std::shared_ptr<const auth::Keyring>(&h_.keyring(), [](const auth::Keyring*) {});
    return TriageService(h_.db(), ring, h_.permissions(), h_.audit(), h_.clock(), std::move(*map),
                         o);
  }
  testing::TempDir dir_;
};

TEST_F(ReloadTest, ABadLexiconIsRefusedAndTheRunningEngineStays) {
  TriageService s = Service();
  ASSERT_TRUE(s.LoadEngine());
  const std::string v1 = (*s.Engine())->version();
  EXPECT_EQ(s.Analyse(hanoi_, "em muốn tự tử")->at("level"), "emergency");

  WriteSignals("sextortion\t7\t{unclosed\n");
  auto refused = s.Reload(auth::Principal::System());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("signals.tsv"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ((*s.Engine())->version(), v1);
  EXPECT_EQ(s.Analyse(hanoi_, "em muốn tự tử")->at("level"), "emergency");

  WriteSignals("fraud\t0.9\tchuyển khoản ngay\n");
  EXPECT_EQ(s.Reload(hanoi_).error().code, ErrorCode::kPermissionDenied);  // administrators only
  auto reloaded = s.Reload(auth::Principal::System());
  ASSERT_TRUE(reloaded) << reloaded.error().ToString();
  EXPECT_NE(*reloaded, v1);
  EXPECT_EQ(s.Analyse(hanoi_, "em muốn tự tử")->at("level"), "low");
  EXPECT_EQ(Audit("triage.reload").size(), 2u);  // the refusal and the reload
}

}  // namespace
}  // namespace childsafe::triage
