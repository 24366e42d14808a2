// MatchService against a whole back end in a temporary directory: imports (refused, partial,
// dry run, duplicates, tombstones, replacement), matching (exact digests, PDQ within the radius,
// dihedral variants, the quality gate, negative banks), permissions, the audit trail and kept
// evidence.
#include "matching/match_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "hamming/synthetic.h"
#include "imagehash/test_images.h"
#include "matching/preview.h"
#include "testing/services.h"

namespace childsafe::matching {
namespace {

using imagehash::Hash256;

std::vector<uint8_t> ReadFile(const std::string& relative) {
  std::ifstream in(testing::SourceDir() + "/testdata/pdq/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Hash256 Flip(Hash256 h, int bits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return hamming::synthetic::FlipBits(h, bits, rng);
}

auth::Principal Role(const std::string& role) {
  auto p = auth::Principal::Make(auth::Principal::Kind::kApiToken, 7, "test " + role, role);
  p.request_id = "req-1";
  return p;
}

class MatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(MatchOptions o = {}) {
    service_.reset();
    o.cache_dir = h_.dir().File("banks-cache");
    service_ = std::make_unique<MatchService>(h_.db(), h_.permissions(), h_.audit(), KeyringPtr(),
                                              h_.clock(), o);
    ASSERT_TRUE(service_->Load());
  }

  std::shared_ptr<const auth::Keyring> KeyringPtr() {
    // TestHotline owns its keyring; share it without taking ownership.
    return std::shared_ptr<const auth::Keyring>(&h_.keyring(), [](const auth::Keyring*) {});
  }

  ImportReport Import(const std::string& bank, const std::string& text, ImportRequest r = {}) {
    r.bank = bank;
    if (r.source.empty()) r.source = "test source";
    if (r.licence.empty()) r.licence = "test agreement";
    r.file_name = "/tmp/some/list.csv";
    auto report = service_->Import(admin_, r, text);
    EXPECT_TRUE(report) << report.error().ToString();
    return report ? *report : ImportReport{};
  }

  MatchOutcome MatchOne(const std::string& arg, int radius = 31, auth::Principal who = {}) {
    if (who.role.empty()) who = analyst_;
    auto q = ParseHashArgument(arg, HashType::kPdq, "hash");
    EXPECT_TRUE(q) << arg;
    MatchRequest r;
    r.radius = radius;
    auto out = service_->MatchHashes(who, {*q}, r);
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? out->at(0) : MatchOutcome{};
  }

  std::vector<storage::AuditEntry> Audit(const std::string& action) {
    return h_.AuditEntries(action);
  }

  testing::TestHotline h_;
  std::unique_ptr<MatchService> service_;
  auth::Principal admin_ = auth::Principal::System();
  auth::Principal analyst_ = Role("content_analyst");
  const std::string pdq_a_ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
  const std::string md5_a_ = "d41d8cd98f00b204e9800998ecf8427e";
};

TEST_F(MatchServiceTest, ImportsAListAndMatchesItsHashes) {
  std::string csv =
      "id,pdq,md5,sha1,labels,quality\n"
      "iwf-1," +
      pdq_a_ + "," + md5_a_ +
      ",,A,92\n"
      "iwf-2,,,da39a3ee5e6b4b0d3255bfef95601890afd80709,B;C,\n";
  ImportRequest r;
  r.labels = {"csam"};
  auto report = Import("IWF_TEST", csv, r);
  EXPECT_TRUE(report.committed);
  EXPECT_TRUE(report.bank_created);
  EXPECT_EQ(report.rows, 2u);
  EXPECT_EQ(report.added, 3u);  // a PDQ and an MD5 in the first record, an SHA-1 in the second
  EXPECT_EQ(report.rejected, 0u);

  // Exact PDQ, a near one, one just outside the radius.
  Hash256 a = *Hash256::FromHex(pdq_a_);
  auto exact = MatchOne(pdq_a_);
  ASSERT_EQ(exact.status, MatchStatus::kMatch);
  ASSERT_EQ(exact.matches.size(), 1u);
  EXPECT_EQ(exact.matches[0].bank, "IWF_TEST");
  EXPECT_EQ(exact.matches[0].source_entry_id, "iwf-1");
  EXPECT_EQ(exact.matches[0].labels, (std::vector<std::string>{"A"}));
  EXPECT_EQ(exact.matches[0].distance, 0);
  auto near = MatchOne(Flip(a, 31, 1).ToHex());
  ASSERT_EQ(near.status, MatchStatus::kMatch);
  EXPECT_EQ(near.matches[0].distance, 31);
  EXPECT_EQ(MatchOne(Flip(a, 32, 2).ToHex()).status, MatchStatus::kNoMatch);
  EXPECT_EQ(MatchOne(Flip(a, 32, 2).ToHex(), 32).status, MatchStatus::kMatch);
  // Digests match exactly; the second record's labels came from the file, not the default.
  auto md5 = MatchOne(md5_a_);
  ASSERT_EQ(md5.status, MatchStatus::kMatch);
  EXPECT_EQ(md5.matches[0].hash_type, HashType::kMd5);
  auto sha1 = MatchOne("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  ASSERT_EQ(sha1.status, MatchStatus::kMatch);
  EXPECT_EQ(sha1.matches[0].labels, (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(MatchOne("sha256:" + pdq_a_).status, MatchStatus::kNoMatch);  // same hex, other type

  // Every request that matched is in the audit trail, with ids and distances only.
  auto audited = Audit("match.found");
  ASSERT_EQ(audited.size(), 5u);
  EXPECT_EQ(audited[0].actor, "token:7");
  EXPECT_EQ(audited.back().object_type, "bank_entry");
  EXPECT_EQ(audited.back().details.find(pdq_a_), std::string::npos);
  EXPECT_NE(audited.back().details.find("\"distance\":0"), std::string::npos);
  EXPECT_EQ(Audit("bank.import").size(), 1u);
  EXPECT_EQ(service_->matched(), 5u);
}

TEST_F(MatchServiceTest, AFileWithBadRowsIsRefusedWholeUnlessAsked) {
  std::string csv =
      "id,hash,hash_type\n"
      "1," +
      pdq_a_ +
      ",pdq\n"
      "2,not-hex,pdq\n"
      "3," +
      pdq_a_ +
      ",\n"              // 64 digits without a type
      "4,abcdef,md5\n";  // wrong length
  auto refused = Import("LIST", csv);
  EXPECT_FALSE(refused.committed);
  EXPECT_EQ(refused.rejected, 3u);
  ASSERT_EQ(refused.errors.size(), 3u);
  EXPECT_EQ(refused.errors[0].line, 3u);
  EXPECT_EQ(refused.errors[1].line, 4u);
  EXPECT_EQ(refused.errors[2].line, 5u);
  // Nothing was written, not even the bank.
  auto banks = service_->ListBanks(admin_);
  ASSERT_TRUE(banks);
  EXPECT_TRUE(banks->empty());
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kNoMatch);

  ImportRequest dry;
  dry.dry_run = true;
  dry.keep_good_rows = true;
  auto checked = Import("LIST", csv, dry);
  EXPECT_FALSE(checked.committed);
  EXPECT_EQ(checked.added, 1u);
  EXPECT_TRUE(service_->ListBanks(admin_)->empty());

  ImportRequest keep;
  keep.keep_good_rows = true;
  auto partial = Import("LIST", csv, keep);
  EXPECT_TRUE(partial.committed);
  EXPECT_EQ(partial.added, 1u);
  EXPECT_EQ(partial.rejected, 3u);
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kMatch);
}

TEST_F(MatchServiceTest, ProvenanceIsRequiredAndKept) {
  ImportRequest r;
  r.bank = "NEW";
  auto missing = service_->Import(admin_, r, "pdq\n" + pdq_a_ + "\n");
  ASSERT_FALSE(missing);
  std::set<std::string> fields;
  for (const auto& f : missing.error().fields) fields.insert(f.field);
  EXPECT_EQ(fields, (std::set<std::string>{"source", "licence"}));
  r.bank = "bad name!";
  r.source = r.licence = "x";
  EXPECT_EQ(service_->Import(admin_, r, "pdq\n" + pdq_a_ + "\n").error().fields.at(0).field,
            "name");

  ImportRequest ok;
  ok.source = "NCMEC";
  ok.licence = "NPO hash-sharing agreement 2025";
  ok.description = "NCMEC industry list";
  Import("NCMEC", "pdq\n" + pdq_a_ + "\n", ok);
  h_.clock().Advance(3600);
  auto banks = service_->ListBanks(analyst_);
  ASSERT_TRUE(banks);
  ASSERT_EQ(banks->size(), 1u);
  const BankSummary& b = banks->at(0);
  EXPECT_EQ(b.bank.source, "NCMEC");
  EXPECT_EQ(b.bank.licence, "NPO hash-sharing agreement 2025");
  EXPECT_EQ(b.bank.created_by, "system (system)");
  EXPECT_EQ(b.last_import_by, "system (system)");
  EXPECT_EQ(b.entries, 1);
  EXPECT_EQ(b.pdq, 1);
  EXPECT_TRUE(b.loaded);
  // The same file again is refused (it would double every entry) unless it replaces the list.
  ImportRequest same;
  same.bank = "NCMEC";
  auto again = service_->Import(admin_, same, "pdq\n" + pdq_a_ + "\n");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  // A negative bank cannot be turned into a positive one by an import.
  same.negative = true;
  auto flip = service_->Import(admin_, same, "md5\n" + md5_a_ + "\n");
  ASSERT_FALSE(flip);
  EXPECT_EQ(flip.error().fields.at(0).field, "negative");
}

TEST_F(MatchServiceTest, DuplicatesTombstonesAndReplacement) {
  Hash256 a = *Hash256::FromHex(pdq_a_);
  std::string b = Flip(a, 100, 3).ToHex();
  std::string c = Flip(a, 120, 4).ToHex();
  auto first = Import("L", "pdq\n" + pdq_a_ + "\n" + b + "\n" + pdq_a_ + "\n");
  EXPECT_EQ(first.added, 2u);
  EXPECT_EQ(first.duplicates, 1u);  // within the file
  auto second = Import("L", "pdq,deleted\n" + b + ",false\n" + c + ",false\n" + pdq_a_ + ",true\n");
  EXPECT_EQ(second.added, 1u);       // c
  EXPECT_EQ(second.duplicates, 1u);  // b was in the bank already
  EXPECT_EQ(second.withdrawn, 1u);
  EXPECT_EQ(MatchOne(pdq_a_, 0).status, MatchStatus::kNoMatch);  // withdrawn
  EXPECT_EQ(MatchOne(b, 0).status, MatchStatus::kMatch);
  EXPECT_EQ(MatchOne(c, 0).status, MatchStatus::kMatch);

  // A fresh process loads the same state (from the cache: the bank did not change since).
  Open();
  EXPECT_EQ(MatchOne(pdq_a_, 0).status, MatchStatus::kNoMatch);
  EXPECT_EQ(MatchOne(c, 0).status, MatchStatus::kMatch);
  auto loaded = service_->index().Banks();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].loaded_from, "cache");
  EXPECT_EQ(loaded[0].pdq, 2u);

  // A full list replaces what was there.
  ImportRequest replace;
  replace.replace = true;
  auto full = Import("L", "pdq\n" + pdq_a_ + "\n", replace);
  EXPECT_EQ(full.added, 1u);
  EXPECT_EQ(MatchOne(pdq_a_, 0).status, MatchStatus::kMatch);
  EXPECT_EQ(MatchOne(b, 0).status, MatchStatus::kNoMatch);
  EXPECT_EQ(MatchOne(c, 0).status, MatchStatus::kNoMatch);
  Open();  // the importing process rebuilt the bank and saved its cache
  EXPECT_EQ(service_->index().Banks().at(0).loaded_from, "cache");
  EXPECT_EQ(MatchOne(b, 0).status, MatchStatus::kNoMatch);
  EXPECT_EQ(MatchOne(pdq_a_, 0).status, MatchStatus::kMatch);
  // Export writes the live entries in the import format.
  std::ostringstream out;
  ASSERT_TRUE(service_->Export(admin_, "L", ExportFormat::kCsv, out));
  EXPECT_EQ(out.str(),
            "hash_type,hash,id,quality,labels,media_type,first_seen\npdq," + pdq_a_ + ",,,,,\n");
  auto round_trip = Import("COPY", out.str());
  EXPECT_EQ(round_trip.added, 1u);
  EXPECT_EQ(Audit("bank.export").size(), 1u);
  // An import by a process without the cache leaves it stale: it is noticed and not used.
  {
    MatchService other(h_.db(), h_.permissions(), h_.audit(), KeyringPtr(), h_.clock());
    ImportRequest more;
    more.bank = "L";
    ASSERT_TRUE(other.Import(admin_, more, "pdq\n" + b + "\n"));
  }
  Open();
  EXPECT_EQ(service_->index().Banks().at(0).loaded_from, "database");
  EXPECT_EQ(MatchOne(b, 0).status, MatchStatus::kMatch);
}

TEST_F(MatchServiceTest, AnotherProcessesImportIsPickedUpByRefresh) {
  Import("L", "md5\n" + md5_a_ + "\n");
  // A second service on the same database plays the command line.
  MatchService cli(h_.db(), h_.permissions(), h_.audit(), KeyringPtr(), h_.clock());
  Hash256 a = *Hash256::FromHex(pdq_a_);
  ImportRequest r;
  r.bank = "L";
  auto report = cli.Import(admin_, r, "pdq\n" + a.ToHex() + "\n");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kNoMatch);  // not yet
  ASSERT_TRUE(service_->Refresh());
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kMatch);
  EXPECT_EQ(service_->index().Banks().at(0).loaded_from, "incremental");
  EXPECT_EQ(MatchOne(md5_a_).status, MatchStatus::kMatch);
}

TEST_F(MatchServiceTest, NegativeBanksSuppressMatchesAtTheSameOrGreaterDistance) {
  Hash256 a = *Hash256::FromHex(pdq_a_);
  Hash256 innocent = Flip(a, 20, 5);  // a known false positive 20 bits from a listed hash
  Import("POS", "pdq\n" + pdq_a_ + "\n");
  ImportRequest neg;
  neg.negative = true;
  Import("FALSE_POSITIVES", "pdq\n" + innocent.ToHex() + "\n", neg);
  // The innocent image itself: the negative entry (0) is closer than the listed one (20).
  auto q1 = MatchOne(innocent.ToHex());
  EXPECT_EQ(q1.status, MatchStatus::kSuppressed);
  EXPECT_EQ(q1.suppressed, 1u);
  EXPECT_TRUE(q1.matches.empty());
  // The listed image re-encoded: closer to the listed hash than to the negative one: it matches.
  auto q2 = MatchOne(Flip(a, 3, 6).ToHex());
  EXPECT_EQ(q2.status, MatchStatus::kMatch);
  // Negative entries never count as matches on their own.
  Hash256 unrelated = Flip(a, 128, 8);
  Import("MORE_FP", "pdq\n" + unrelated.ToHex() + "\n", neg);
  auto q3 = MatchOne(unrelated.ToHex());
  EXPECT_EQ(q3.status, MatchStatus::kNoMatch);
  EXPECT_EQ(q3.suppressed, 0u);
  EXPECT_EQ(Audit("match.suppressed").size(), 1u);
  // A digest in a negative bank means this very file is known: every match is withheld.
  Import("POS_MD5", "md5\n" + md5_a_ + "\n");
  Import("FP_FILES", "md5\n" + md5_a_ + "\n", neg);
  EXPECT_EQ(MatchOne(md5_a_).status, MatchStatus::kSuppressed);
}

TEST_F(MatchServiceTest, DisabledBanksStopMatchingAtOnce) {
  Import("L", "pdq\n" + pdq_a_ + "\n");
  ASSERT_EQ(MatchOne(pdq_a_).status, MatchStatus::kMatch);
  auto denied = service_->SetBankEnabled(analyst_, "L", false);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  auto off = service_->SetBankEnabled(admin_, "L", false);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->bank.enabled);
  EXPECT_FALSE(off->loaded);
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kNoMatch);
  // Asking for a disabled bank by name is an error naming it.
  MatchRequest r;
  r.banks = {"L"};
  auto named =
      service_->MatchHashes(analyst_, {*ParseHashArgument(pdq_a_, HashType::kPdq, "h")}, r);
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().fields.at(0).field, "banks/0");
  ASSERT_TRUE(service_->SetBankEnabled(admin_, "L", true));
  EXPECT_EQ(MatchOne(pdq_a_).status, MatchStatus::kMatch);
  EXPECT_EQ(Audit("bank.disable").size(), 1u);
  EXPECT_EQ(Audit("bank.enable").size(), 1u);
  EXPECT_EQ(service_->SetBankEnabled(admin_, "NOPE", true).error().code, ErrorCode::kNotFound);
}

TEST_F(MatchServiceTest, BadHashesAreRefusedNamingTheField) {
  struct Case {
    std::string text;
    std::string problem;
  };
  for (const Case& c : std::vector<Case>{{"", "invalid_format"},
                                         {"xyz", "invalid_format"},
                                         {"abc", "invalid_format"},
                                         {std::string(63, 'a'), "invalid_format"},
                                         {std::string(65, 'a'), "invalid_format"},
                                         {"pdq:" + std::string(32, 'a'), "invalid_format"},
                                         {"photodna:" + std::string(32, 'a'), "unknown_code"},
                                         {"md5:" + std::string(31, 'a') + "g", "invalid_format"}}) {
    auto q = ParseHashArgument(c.text, HashType::kPdq, "hashes/0/value");
    ASSERT_FALSE(q) << c.text;
    EXPECT_EQ(q.error().fields.at(0).field, "hashes/0/value");
    EXPECT_EQ(q.error().fields.at(0).code, c.problem) << c.text;
  }
  auto upper = ParseHashArgument("MD5:" + std::string(32, 'A'), HashType::kPdq, "h");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->hex, std::string(32, 'a'));
  EXPECT_EQ(ParseHashArgument(std::string(64, 'a'), HashType::kSha256, "h")->type,
            HashType::kSha256);

  MatchRequest r;
  r.radius = 49;
  HashQuery q{HashType::kMd5, md5_a_, std::nullopt};
  EXPECT_EQ(service_->MatchHashes(analyst_, {q}, r).error().fields.at(0).field, "radius");
  r.radius = 31;
  EXPECT_EQ(service_->MatchHashes(analyst_, {}, r).error().fields.at(0).field, "hashes");
  std::vector<HashQuery> many(1001, q);
  EXPECT_EQ(service_->MatchHashes(analyst_, many, r).error().fields.at(0).code, "too_long");
  // Who may look up: analysts, supervisors, administrators; not counsellors or partners.
  EXPECT_EQ(service_->MatchHashes(Role("counsellor"), {q}, r).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->MatchHashes(Role("partner"), {q}, r).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(service_->MatchHashes(Role("supervisor"), {q}, r));
}

TEST_F(MatchServiceTest, ImagesAreHashedInMemoryAndMatchedWithTheirVariants) {
  auto original = ReadFile("reg-test-input/dih/bridge-1-original.jpg");
  auto rotated = ReadFile("reg-test-input/dih/bridge-2-rotate-90.jpg");
  ImageMatchRequest plain;
  auto hashed = service_->MatchImage(analyst_, original, plain);
  ASSERT_TRUE(hashed) << hashed.error().ToString();
  EXPECT_EQ(hashed->outcome.status, MatchStatus::kNoMatch);
  EXPECT_EQ(hashed->hashes.quality, 100);
  EXPECT_FALSE(hashed->evidence_id);  // images are not kept by default
  Import("BRIDGE",
         "pdq,md5\n" + hashed->hashes.pdq.ToHex() + "," + hashed->hashes.digests.md5 + "\n");
  auto again = service_->MatchImage(analyst_, original, plain);
  ASSERT_EQ(again->outcome.status, MatchStatus::kMatch);
  EXPECT_EQ(again->outcome.total, 2u);  // PDQ at distance 0 and the MD5
  // The rotated file matches only when the variants are asked for.
  EXPECT_EQ(service_->MatchImage(analyst_, rotated, plain)->outcome.status, MatchStatus::kNoMatch);
  ImageMatchRequest variants;
  variants.dihedral = true;
  auto turned = service_->MatchImage(analyst_, rotated, variants);
  ASSERT_TRUE(turned);
  ASSERT_EQ(turned->outcome.status, MatchStatus::kMatch);
  EXPECT_LE(turned->outcome.matches[0].distance, 8);
  EXPECT_NE(turned->outcome.matches[0].variant, 0);

  // A featureless image (quality 0) is reported as such, not matched blindly.
  auto dark = ReadFile("misc-images/small.jpg");
  auto low = service_->MatchImage(analyst_, dark, plain);
  ASSERT_TRUE(low);
  EXPECT_EQ(low->hashes.quality, 0);
  Import("DARK", "pdq\n" + low->hashes.pdq.ToHex() + "\n");
  EXPECT_EQ(service_->MatchImage(analyst_, dark, plain)->outcome.status, MatchStatus::kLowQuality);
}

TEST_F(MatchServiceTest, HostileImagesAreRefusedWithTheFieldNamed) {
  ImageMatchRequest r;
  std::vector<std::vector<uint8_t>> files = {
      {},
      {'P', 'K', 3, 4, 0, 0, 0, 0},                           // a zip archive called .jpg
      {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'},  // a truncated JPEG
      std::vector<uint8_t>(4096, 0xAB),                       // noise
  };
  for (size_t i = 0; i < files.size(); ++i) {
    auto m = service_->MatchImage(analyst_, files[i], r);
    ASSERT_FALSE(m) << i;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument) << i;
    ASSERT_FALSE(m.error().fields.empty()) << i;
    EXPECT_EQ(m.error().fields[0].field, "image") << i;
  }
  // A decompression bomb: a tiny PNG that declares 30000 x 30000 pixels.
  auto bomb = service_->MatchImage(analyst_, imagehash::testing::PngHeaderOnly(30000, 30000), r);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(bomb.error().fields.at(0).field, "image");
}

TEST_F(MatchServiceTest, KeptEvidenceIsSealedAndPreviewedBlurredUnlessRevealed) {
  MatchOptions o;
  o.keep_evidence = EvidencePolicy::kMatched;
  Open(o);
  auto image = ReadFile("reg-test-input/labelme-subset/q0122.jpg");
  ImageMatchRequest r;
  auto first = service_->MatchImage(analyst_, image, r);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->evidence_id);  // no match: not kept
  Import("Q", "pdq\n" + first->hashes.pdq.ToHex() + "\n");
  auto kept = service_->MatchImage(analyst_, image, r);
  ASSERT_TRUE(kept);
  ASSERT_TRUE(kept->evidence_id);
  const int64_t id = *kept->evidence_id;

  // Stored sealed: the database file does not contain the image's bytes.
  std::optional<storage::MatchEvidence> stored;
  ASSERT_TRUE(h_.db().Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(stored, t.GetMatchEvidence(id));
    return {};
  }));
  ASSERT_TRUE(stored);
  std::string raw(image.begin(), image.end());
  EXPECT_EQ(stored->image.find(raw.substr(200, 64)), std::string::npos);
  EXPECT_EQ(stored->bytes, static_cast<int64_t>(image.size()));

  // The preview is a tiny PNG.
  auto preview = service_->Evidence(analyst_, id, false);
  ASSERT_TRUE(preview) << preview.error().ToString();
  EXPECT_EQ(preview->content_type, "image/png");
  auto decoded = imagehash::DecodeImage(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(preview->bytes.data()), preview->bytes.size()));
  ASSERT_TRUE(decoded);
  EXPECT_LE(std::max(decoded->width, decoded->height), kPreviewMaxSide);
  // Revealing needs its own permission and a reason, and is audited.
  EXPECT_EQ(service_->Evidence(admin_, id, true).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Evidence(analyst_, id, true).error().fields.at(0).field, "reason");
  auth::Principal why = analyst_;
  why.reason = "xác minh báo cáo 111-2025-000123";
  auto revealed = service_->Evidence(why, id, true);
  ASSERT_TRUE(revealed);
  EXPECT_EQ(revealed->content_type, "image/jpeg");
  EXPECT_EQ(revealed->bytes, raw);
  auto reveals = Audit("evidence.reveal");
  ASSERT_EQ(reveals.size(), 1u);
  EXPECT_EQ(reveals[0].reason, why.reason);
  EXPECT_EQ(Audit("evidence.preview").size(), 1u);
  EXPECT_EQ(Audit("evidence.kept").size(), 1u);
  EXPECT_EQ(service_->Evidence(analyst_, id + 100, false).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Evidence(Role("counsellor"), id, false).error().code,
            ErrorCode::kPermissionDenied);
  // Purged after its retention.
  h_.clock().Advance(91 * 86400);
  auto purged = service_->PurgeEvidence(admin_, 90);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(service_->Evidence(analyst_, id, false).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace childsafe::matching
