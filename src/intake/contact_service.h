#pragma once
// The contact use cases: record a contact while the call is live, read it, correct it, list,
// import and export. HTTP handlers and CLI commands are thin adapters over these calls.
//
// Sensitive fields are encrypted here, before storage sees them, bound to the contact's reference
// and field; a caller's phone number becomes a keyed pseudonym and is then forgotten.
//
// Thread-safe: any number of threads may call any method.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/contact.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"
#include "intake/contact_json.h"
#include "intake/contact_triage.h"
#include "storage/store.h"

namespace childsafe::intake {

/// A contact as its reader sees it (sensitive fields decrypted) plus derived facts.
struct ContactView {
  domain::Contact contact;
  ContactExtras extras;
};

/// Filters as users express them; category filters accept a top-level code ("online") or a
/// subcategory code ("online.sextortion"); periods are local dates, end exclusive.
struct ContactFilter {
  std::optional<LocalDay> from, to;
  std::vector<std::string> channels, call_types, categories, outcomes, provinces, centres;
  std::optional<bool> online;
  /// Words to find in summaries (all must match), through the blind index: accents, case and
  /// tone placement do not matter ("xam hai" finds "xâm hại"). Searches are audited.
  std::string text;
  std::optional<storage::ContactCursor> after;
  int limit = 50;
};

struct ContactList {
  std::vector<ContactView> items;  // coded fields only (no sensitive fields)
  std::optional<storage::ContactCursor> next;
};

struct CreateResult {
  ContactView view;
  bool replayed = false;  // an earlier request with the same Idempotency-Key
};

struct ImportOptions {
  bool dry_run = false;        // validate only
  bool skip_invalid = false;   // write the good rows, report the bad ones
  bool skip_existing = false;  // a row whose reference exists already is skipped, not an error
  size_t chunk = 5000;         // rows per transaction
};

/// One row of an import: the decoded contact or why it could not be decoded.
struct ImportRow {
  size_t line = 0;  // 1-based line in the source file
  Result<domain::Contact> contact;
};

struct ImportReport {
  size_t rows = 0, written = 0, skipped_existing = 0;
  std::vector<std::pair<size_t, Error>> errors;  // (line, problem)
};

/// Whose data a request of the person concerned (Decree 356/2025) is about: a caller's phone
/// number (found through its pseudonym, never stored) and/or contact references.
struct SubjectQuery {
  std::string phone;
  std::vector<std::string> references;
};

struct RetentionReport {
  int64_t due = 0;     // contacts past the retention age, not erased, not on legal hold
  int64_t erased = 0;  // erased by this run (0 for a dry run)
  UnixSeconds cutoff = 0;
};

class ContactService {
 public:
  ContactService(storage::Database& db, const domain::Taxonomy& taxonomy,
                 const domain::Provinces& provinces, std::shared_ptr<const auth::Keyring> keyring,
                 const auth::PermissionMatrix& permissions, const auth::AuditLog& audit,
                 const Clock& clock);

  /// Called with the facts of every contact after its write is durable (for the stats index).
  void AddListener(std::function<void(const storage::ContactFacts&)> listener);

  /// Triages contacts' text on create, update and import, and answers text searches (see
  /// contact_triage.h). Without it, contacts are stored untriaged and text search is refused.
  /// `triage` must outlive the service; may be set at any time.
  void SetTriage(ContactTriage* triage) { triage_.store(triage); }

  /// Records a new contact. With an idempotency key, a retry with the same key and request
  /// fingerprint returns the first result (replayed = true); the same key with a different
  /// request is kConflict. Validation problems are kInvalidArgument with every field named.
  Result<CreateResult> Create(const auth::Principal& who, domain::Contact draft,
                              const std::optional<std::string>& idempotency_key,
                              const std::string& request_fingerprint);

  /// One contact with its sensitive fields; kNotFound if absent.
  Result<ContactView> Get(const auth::Principal& who, int64_t id);
  Result<ContactView> GetByReference(const auth::Principal& who, const std::string& reference);

  /// Replaces a contact's recorded fields if `expected_version` is current (else kConflict and
  /// nothing changes). System fields (id, reference, created_at) cannot change. An empty caller
  /// phone keeps the stored pseudonym.
  Result<ContactView> Update(const auth::Principal& who, int64_t id, int64_t expected_version,
                             domain::Contact replacement);

  /// Newest first, coded fields only.
  Result<ContactList> List(const auth::Principal& who, const ContactFilter& filter);

  /// Imports decoded rows. Without skip_invalid, any bad row means nothing is written.
  Result<ImportReport> Import(const auth::Principal& who, std::vector<ImportRow> rows,
                              const ImportOptions& options);

  /// Streams every contact matching `filter` (oldest first) to `sink`, with sensitive fields only
  /// if `with_sensitive`.
  Status Export(const auth::Principal& who, const ContactFilter& filter, bool with_sensitive,
                const std::function<Status(const ContactView&)>& sink);

  /// Places or lifts a legal hold (retention then leaves the contact alone). Audited.
  Status SetLegalHold(const auth::Principal& who, int64_t id, bool hold);
  /// Erases the narrative and identity of contacts received more than `max_age_days` ago that are
  /// not on legal hold; coded fields stay for statistics. A dry run only counts. Audited per
  /// contact.
  Result<RetentionReport> RunRetention(const auth::Principal& who, int max_age_days, bool dry_run);
  /// All data held about one person, decrypted (the request of the person concerned). Audited.
  Result<std::vector<ContactView>> SubjectExport(const auth::Principal& who, const SubjectQuery& q);
  /// Erases that person's narrative and identity (contacts on legal hold are left and counted).
  /// Returns (erased, held). Audited.
  Result<std::pair<int64_t, int64_t>> SubjectErase(const auth::Principal& who,
                                                   const SubjectQuery& q);

  /// Inserts already-validated contacts in one transaction (demo data, import chunks). Reference
  /// numbers are assigned in order of received time unless set. With `triage_text`, their text
  /// is triaged and indexed for search as history (never queued, no alerts); the demo dataset
  /// skips it (1.58 million templated summaries would add gigabytes of search terms).
  Result<size_t> InsertMany(std::vector<domain::Contact> contacts, bool triage_text = false);

  const domain::Taxonomy& taxonomy() const { return taxonomy_; }
  const domain::Provinces& provinces() const { return provinces_; }

  /// The stats-index facts of a contact as it would be stored (pure; used by tests and demo).
  storage::ContactFacts FactsOf(const domain::Contact& c) const;

 private:
  storage::StoredContact Seal(const domain::Contact& c) const;
  Result<ContactView> Open(const storage::StoredContact& sc, storage::ReadTxn& txn,
                           bool with_repeat) const;
  Result<storage::ContactQuery> ToQuery(const ContactFilter& f) const;
  void Notify(const std::vector<storage::ContactFacts>& facts);
  Status ValidateNew(const domain::Contact& c) const;
  Result<std::vector<int64_t>> SubjectContacts(const SubjectQuery& q);
  // Finds one contact, checks the principal may reach it, records the read, decrypts.
  Result<ContactView> ReadOne(
      const auth::Principal& who,
      const std::function<Result<std::optional<storage::StoredContact>>(storage::ReadTxn&)>& find);
  static auth::ObjectScope ScopeOf(const domain::Contact& c) {
    return {c.centre, c.counsellor, ""};
  }

  storage::Database& db_;
  const domain::Taxonomy& taxonomy_;
  const domain::Provinces& provinces_;
  std::shared_ptr<const auth::Keyring> keyring_;
  const auth::PermissionMatrix& permissions_;
  const auth::AuditLog& audit_;
  const Clock& clock_;
  std::atomic<ContactTriage*> triage_{nullptr};
  std::mutex listeners_mu_;
  std::vector<std::function<void(const storage::ContactFacts&)>> listeners_;
};

}  // namespace childsafe::intake
