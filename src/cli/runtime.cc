#include "cli/runtime.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "storage/sqlite_store.h"

namespace childsafe::cli {

std::string ResolveDataDir(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("CHILDSAFE_DATA_DIR"); env && *env) return env;
  if (std::filesystem::exists("data/taxonomy/vn111.v1.json")) return "data";
  return std::string(CHILDSAFE_SOURCE_DIR_DEFAULT) + "/data";
}

Result<std::unique_ptr<Runtime>> Runtime::LoadData(const RuntimeOptions& o) {
  auto rt = std::unique_ptr<Runtime>(new Runtime());
  std::string dir = ResolveDataDir(o.data_dir);
  CS_TRY(auto taxonomy, domain::Taxonomy::Load(dir + "/taxonomy/vn111.v1.json"));
  CS_TRY(auto provinces, domain::Provinces::Load(dir + "/provinces"));
  CS_TRY(auto permissions, auth::PermissionMatrix::Load(dir + "/auth/permissions.json"));
  rt->taxonomy_ = std::make_unique<domain::Taxonomy>(std::move(taxonomy));
  rt->provinces_ = std::make_unique<domain::Provinces>(std::move(provinces));
  rt->permissions_ = std::make_unique<auth::PermissionMatrix>(std::move(permissions));
  return rt;
}

Result<std::unique_ptr<Runtime>> Runtime::Open(const RuntimeOptions& o) {
  CS_TRY(auto rt, LoadData(o));
  std::filesystem::path db_path(o.db_path);
  if (o.migrate && db_path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db_path.parent_path(), ec);
    if (ec) return Fail(Error::Unavailable("cannot create " + db_path.parent_path().string()));
  }
  storage::SqliteOptions so;
  so.path = o.db_path;
  so.migrate = so.create = o.migrate;
  so.read_connections = o.read_connections;
  CS_TRY(rt->db_, storage::OpenSqlite(so));

  rt->master_key_path_ =
      o.master_key.empty()
          ? (db_path.has_parent_path() ? (db_path.parent_path() / "master.key").string()
                                       : std::string("master.key"))
          : o.master_key;
  // A new master key is made only for a database that has no data keys yet; otherwise a missing
  // key file is an error the operator must fix (restore it), never something to paper over.
  bool has_keys = false;
  CS_TRY_STATUS(rt->db_->Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(auto keys, t.ListDataKeys());
    has_keys = !keys.empty();
    return {};
  }));
  auto master = auth::LoadMasterKeys(rt->master_key_path_, !has_keys);
  if (!master) {
    Error e = master.error();
    if (has_keys && e.code == ErrorCode::kNotFound) {
      e.message = "the database is encrypted but its master key file " + rt->master_key_path_ +
                  " is missing; restore it (or set CHILDSAFE_MASTER_KEY)";
    }
    return Fail(std::move(e));
  }
  CS_TRY(rt->keyring_, auth::Keyring::Open(*rt->db_, *master, SystemClock::Instance().Now()));
  CS_TRY(auto policy,
         auth::PasswordPolicy::Load(ResolveDataDir(o.data_dir) + "/auth/common-passwords.txt"));
  rt->policy_ = std::make_unique<auth::PasswordPolicy>(std::move(policy));
  rt->audit_ = std::make_unique<auth::AuditLog>(rt->keyring_->audit_key());
  rt->contacts_ = std::make_unique<intake::ContactService>(
      *rt->db_, *rt->taxonomy_, *rt->provinces_, rt->keyring_, *rt->permissions_, *rt->audit_,
      SystemClock::Instance());
  rt->accounts_ =
      std::make_unique<auth::AccountService>(*rt->db_, *rt->permissions_, rt->keyring_, *rt->audit_,
                                             *rt->policy_, SystemClock::Instance(), o.accounts);
  matching::MatchOptions mo = o.matching;
  if (mo.cache_dir.empty()) mo.cache_dir = o.db_path + ".banks";
  rt->matching_ = std::make_unique<matching::MatchService>(
      *rt->db_, *rt->permissions_, *rt->audit_, rt->keyring_, SystemClock::Instance(), mo);
  const std::string data_dir = ResolveDataDir(o.data_dir);
  CS_TRY(auto triage_map,
         triage::TaxonomyMap::Load(data_dir + "/taxonomy/vn111.v1.triage.tsv", *rt->taxonomy_));
  triage::TriageOptions to;
  to.data_dir = data_dir;
  rt->triage_ = std::make_unique<triage::TriageService>(*rt->db_, rt->keyring_, *rt->permissions_,
                                                        *rt->audit_, SystemClock::Instance(),
                                                        std::move(triage_map), to);
  rt->contacts_->SetTriage(rt->triage_.get());
  return rt;
}

Result<std::unique_ptr<stats::StatsIndex>> Runtime::LoadStats() {
  auto index = std::make_unique<stats::StatsIndex>(*taxonomy_, *provinces_);
  CS_TRY_STATUS(index->LoadFrom(*db_));
  return index;
}

}  // namespace childsafe::cli
