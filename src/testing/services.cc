#include "testing/services.h"

#include <mutex>
#include <stdexcept>

#include "text/loader.h"

namespace childsafe::testing {

TestHotline::TestHotline(UnixSeconds now) : clock_(now) {
  storage::SqliteOptions o;
  o.path = db_path();
  o.migrate = o.create = true;
  o.read_connections = 4;
  auto db = storage::OpenSqlite(o);
  if (!db) throw std::runtime_error(db.error().ToString());
  db_ = std::move(*db);
  auto master = auth::LoadMasterKeys(dir_.File("master.key"), true);
  if (!master) throw std::runtime_error(master.error().ToString());
  auto ring = auth::Keyring::Open(*db_, *master, now);
  if (!ring) throw std::runtime_error(ring.error().ToString());
  keyring_ = *ring;
  auto matrix = auth::PermissionMatrix::Load(SourceDir() + "/data/auth/permissions.json");
  if (!matrix) throw std::runtime_error(matrix.error().ToString());
  permissions_ = std::make_unique<auth::PermissionMatrix>(std::move(*matrix));
  auto policy = auth::PasswordPolicy::Load(SourceDir() + "/data/auth/common-passwords.txt");
  if (!policy) throw std::runtime_error(policy.error().ToString());
  policy_ = std::make_unique<auth::PasswordPolicy>(std::move(*policy));
  audit_ = std::make_unique<auth::AuditLog>(keyring_->audit_key());
  contacts_ = std::make_unique<intake::ContactService>(*db_, RealTaxonomy(), RealProvinces(),
                                                       keyring_, *permissions_, *audit_, clock_);
  accounts_ = std::make_unique<auth::AccountService>(*db_, *permissions_, keyring_, *audit_,
                                                     *policy_, clock_);
  auto map =
      triage::TaxonomyMap::Load(SourceDir() + "/data/taxonomy/vn111.v1.triage.tsv", RealTaxonomy());
  if (!map) throw std::runtime_error(map.error().ToString());
  triage::TriageOptions to;
  to.data_dir = SourceDir() + "/data";
  triage_ = std::make_unique<triage::TriageService>(*db_, keyring_, *permissions_, *audit_, clock_,
                                                    std::move(*map), to);
  triage_->UseEngine(RealTriageEngine());
  contacts_->SetTriage(triage_.get());
}

std::shared_ptr<const text::Engine> RealTriageEngine() {
  static std::once_flag once;
  static std::shared_ptr<const text::Engine> engine;
  std::call_once(once, [] {
    auto loaded = text::LoadEngine(SourceDir() + "/data");
    if (!loaded) throw std::runtime_error(loaded.error().ToString());
    engine = *loaded;
  });
  return engine;
}

domain::Contact TestHotline::SampleDataContact() const {
  domain::Contact c;
  c.received_at = clock_.Now() - 3600;
  c.channel = "phone";
  c.centre = "hanoi";
  c.counsellor = "tv-017";
  c.call_type = "about_child";
  c.duration_seconds = 720;
  c.caller = domain::Caller{"parent", "18-59", "girl", "Nguyễn Thị Mẹ", "0912 345 678"};
  c.children = {
      domain::Child{14, "girl", "01", "Nguyễn Thị Bé", "12 Phố Huế, Hà Nội", "", "2011-02-03"}};
  c.categories = {"online.sextortion"};
  c.outcome = "counselling";
  c.urgency = "urgent";
  c.summary = "Con gái bị người lạ trên mạng đe doạ tung ảnh.";
  return c;
}

std::vector<storage::AuditEntry> TestHotline::AuditEntries(const std::string& action) {
  std::vector<storage::AuditEntry> out;
  const Status read = db().Read([&](storage::ReadTxn& t) -> Status {
    storage::AuditQuery q;
    q.action = action;
    CS_TRY(out, t.QueryAudit(q));
    return {};
  });
  if (!read) throw std::runtime_error(read.error().ToString());  // fails the test that asked
  return out;
}

domain::Contact TestHotline::SampleSilentCall() const {
  domain::Contact c;
  c.received_at = clock_.Now() - 60;
  c.channel = "phone";
  c.centre = "danang";
  c.counsellor = "tv-002";
  c.call_type = "silent";
  c.outcome = "none";
  return c;
}

}  // namespace childsafe::testing
