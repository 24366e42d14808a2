#pragma once
// Wiring shared by every command: data files, the database, the keyring, the services. It is the
// only place that knows how the pieces fit together; `main.cc` and the commands just ask for them.

#include <memory>
#include <string>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/password_policy.h"
#include "auth/permissions.h"
#include "common/result.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"
#include "intake/contact_service.h"
#include "matching/match_service.h"
#include "stats/stats_index.h"
#include "storage/store.h"
#include "triage/triage_service.h"

namespace childsafe::cli {

struct RuntimeOptions {
  std::string data_dir;  // where data/ lives (taxonomy, provinces, permissions)
  std::string db_path = "var/childsafe.db";
  std::string master_key;  // default: master.key beside the database
  bool migrate = false;    // create/migrate the database when opening it
  int read_connections = 8;
  auth::AccountOptions accounts;  // session timeouts, sign-in throttling
  /// Known-image matching (cache_dir empty: "<db>.banks" beside the database).
  matching::MatchOptions matching;
};

/// Everything a command may need, opened in order; members are valid for the Runtime's life.
class Runtime {
 public:
  /// Loads data files only (no database).
  static Result<std::unique_ptr<Runtime>> LoadData(const RuntimeOptions& o);
  /// Loads data files and opens the database, keyring and contact service.
  static Result<std::unique_ptr<Runtime>> Open(const RuntimeOptions& o);

  const domain::Taxonomy& taxonomy() const { return *taxonomy_; }
  const domain::Provinces& provinces() const { return *provinces_; }
  const auth::PermissionMatrix& permissions() const { return *permissions_; }
  storage::Database& db() { return *db_; }
  intake::ContactService& contacts() { return *contacts_; }
  auth::AccountService& accounts() { return *accounts_; }
  /// The hash banks and matching (banks are loaded by MatchService::Load when needed).
  matching::MatchService& matching() { return *matching_; }
  /// Text triage, wired into contacts(): the lexicon compiles on first use (a few seconds), or at
  /// TriageService::LoadEngine, which `serve` calls at start.
  triage::TriageService& triage() { return *triage_; }
  const auth::AuditLog& audit() const { return *audit_; }
  const std::string& master_key_path() const { return master_key_path_; }
  /// Builds a statistics index loaded with every contact in the database.
  Result<std::unique_ptr<stats::StatsIndex>> LoadStats();

 private:
  std::unique_ptr<domain::Taxonomy> taxonomy_;
  std::unique_ptr<domain::Provinces> provinces_;
  std::unique_ptr<auth::PermissionMatrix> permissions_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<const auth::Keyring> keyring_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::PasswordPolicy> policy_;
  std::unique_ptr<intake::ContactService> contacts_;
  std::unique_ptr<auth::AccountService> accounts_;
  std::unique_ptr<matching::MatchService> matching_;
  std::unique_ptr<triage::TriageService> triage_;
  std::string master_key_path_;
};

/// The data directory: the given one, else $CHILDSAFE_DATA_DIR, else ./data, else the source
/// tree's.
std::string ResolveDataDir(const std::string& given);

}  // namespace childsafe::cli
