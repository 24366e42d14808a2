#pragma once
// A complete hotline back end for tests: a migrated SQLite database in a temporary directory, a
// keyring under a fresh master key, the real taxonomy, provinces, permission matrix and password
// list, an audit trail, a fake clock, the contact service, the account service and text triage
// (the real lexicon, compiled once per test process and shared: it takes seconds).

#include <memory>

#include "auth/accounts.h"
#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/password_policy.h"
#include "auth/permissions.h"
#include "intake/contact_service.h"
#include "storage/sqlite_store.h"
#include "testing/testing.h"
#include "text/engine.h"
#include "triage/triage_service.h"

namespace childsafe::testing {

class TestHotline {
 public:
  /// `now` is the fake clock's start (default 2025-06-15 10:00 Asia/Ho_Chi_Minh).
  explicit TestHotline(UnixSeconds now = 1749956400);

  storage::Database& db() { return *db_; }
  intake::ContactService& contacts() { return *contacts_; }
  auth::AccountService& accounts() { return *accounts_; }
  /// Wired into contacts(): contacts with text are triaged, queued, searchable.
  triage::TriageService& triage() { return *triage_; }
  const auth::PermissionMatrix& permissions() const { return *permissions_; }
  const auth::AuditLog& audit() const { return *audit_; }
  FakeClock& clock() { return clock_; }
  const auth::Keyring& keyring() const { return *keyring_; }
  const TempDir& dir() const { return dir_; }
  std::string db_path() const { return dir_.File("hotline.db"); }

  /// A valid data contact about one child, received an hour before now.
  domain::Contact SampleDataContact() const;
  /// A valid one-click non-data contact.
  domain::Contact SampleSilentCall() const;
  /// The audit trail's entries with this action (throws, failing the test, if it cannot be
  /// read).
  std::vector<storage::AuditEntry> AuditEntries(const std::string& action);

 private:
  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<const auth::Keyring> keyring_;
  std::unique_ptr<auth::PermissionMatrix> permissions_;
  std::unique_ptr<auth::AuditLog> audit_;
  std::unique_ptr<auth::PasswordPolicy> policy_;
  std::unique_ptr<intake::ContactService> contacts_;
  std::unique_ptr<auth::AccountService> accounts_;
  std::unique_ptr<triage::TriageService> triage_;
};

/// The engine compiled from the repository's lexicon, once per process.
std::shared_ptr<const text::Engine> RealTriageEngine();

}  // namespace childsafe::testing
