#pragma once
// The storage interface the services see. Two drivers are intended: SQLite (embedded default,
// sqlite_store.h) and PostgreSQL (later). Services never see SQL; drivers never see plaintext of
// sensitive fields: they store the ciphertext the services hand them.
//
// Unit of work: a service passes a function to Database::Write; the driver runs it inside a
// transaction and returns only once that transaction is durable (the SQLite driver batches
// concurrent writes into one fsync, "group commit", but each function still succeeds or fails as
// a whole). Database::Read runs a function against a consistent snapshot.
//
// Thread-safety: Database is safe to call from any number of threads. A ReadTxn/WriteTxn is valid
// only inside the function it is passed to and only on that thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "crypto/crypto.h"
#include "domain/contact.h"

namespace childsafe::storage {

/// Ciphertexts of a child's identifying fields (crypto::FieldCipher output; empty = absent).
struct SealedChild {
  std::string name, address, phone, date_of_birth;
};

/// Ciphertexts of a contact's sensitive fields.
struct SealedContact {
  std::string summary;
  std::string caller_name;
  std::vector<SealedChild> children;  // parallel to Contact::children
};

/// A contact as stored: the coded fields of `contact` (its sensitive string fields are ignored and
/// always come back empty), the sealed sensitive fields, and derived values.
struct StoredContact {
  domain::Contact contact;
  SealedContact sealed;
  std::string caller_pseudonym;  // keyed hash of the caller's phone; empty = none
  bool online = false;           // any category flagged online (denormalised for filters/stats)
  /// Per child: the 34-unit province code (derived; empty = unknown).
  std::vector<std::string> child_province_current;
};

/// Position in a newest-first listing.
struct ContactCursor {
  UnixSeconds received_at = 0;
  int64_t id = 0;
};

/// Filters for listing contacts; empty vectors mean "any". Categories are subcategory codes.
struct ContactQuery {
  std::optional<UnixSeconds> from;  // received_at >= from
  std::optional<UnixSeconds> to;    // received_at < to
  std::vector<std::string> channels, call_types, categories, outcomes, provinces /* 34-unit */,
      centres, counsellors;
  std::optional<bool> online;
  /// Keyed hashes of search words (see triage/search_terms.h): a contact matches when every one
  /// is among its search terms.
  std::vector<std::string> search_terms;
  std::optional<ContactCursor> after;  // continue after this position
  int limit = 50;
};

struct ContactPage {
  std::vector<StoredContact> items;
  std::optional<ContactCursor> next;  // set when more items may follow
};

/// The coded facts of one contact the statistics index needs (no sensitive data at all).
struct ContactFacts {
  int64_t id = 0;
  int64_t version = 0;
  UnixSeconds received_at = 0;
  std::string channel, centre, call_type, outcome, urgency, caller_age_band, caller_gender;
  bool online = false;
  struct ChildFacts {
    std::optional<int> age;
    std::string gender;
    std::string province_current;
  };
  std::vector<ChildFacts> children;
  std::vector<std::string> categories;
};

/// A stored idempotency key: a retried create with the same key and body returns the same result.
struct IdempotencyRecord {
  std::string scope;         // who used the key (token id / user id)
  std::string key;           // the client's Idempotency-Key
  std::string request_hash;  // hash of the request body
  int64_t resource_id = 0;
  UnixSeconds created_at = 0;
};

/// An API token (only its hash is stored).
struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string token_hash;
  std::string role;    // a role of the permission matrix
  std::string scopes;  // space-separated narrowing of the role ("" = all the role allows)
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> expires_at;
  std::optional<UnixSeconds> revoked_at;
};

/// A staff account. `totp_secret` is ciphertext (crypto::FieldCipher), empty when not enrolled.
struct User {
  int64_t id = 0;
  std::string username;  // lower-case sign-in name
  std::string display_name;
  std::string role;           // a role of the permission matrix
  std::string centre;         // call centre (for grants scoped to a centre)
  std::string agency;         // partner agency (for grants scoped to an agency)
  std::string password_hash;  // argon2id PHC string
  bool must_change_password = false;
  std::string totp_secret;
  std::optional<int64_t> totp_last_step;  // refuses a code's reuse
  int64_t failed_logins = 0;
  std::optional<UnixSeconds> locked_until;
  std::optional<UnixSeconds> disabled_at;
  UnixSeconds created_at = 0, updated_at = 0;
  int64_t version = 0;
};

/// A signed-in browser session; only hashes of its secrets are stored.
struct Session {
  std::string id_hash;
  int64_t user_id = 0;
  std::string csrf_hash;
  UnixSeconds created_at = 0, last_seen_at = 0, expires_at = 0;
  std::optional<UnixSeconds> ended_at;
  std::string address;
};

/// One entry of the append-only audit trail. `mac` chains it to the previous entry.
struct AuditEntry {
  int64_t seq = 0;
  UnixSeconds at = 0;
  std::string actor;        // "user:17", "token:3", "system"
  std::string action;       // "contact.read", "auth.login", ...
  std::string object_type;  // "contact", "user", "token", "session", ""
  std::string object_id;
  std::string outcome;  // "ok", "denied", "failed"
  std::string reason;   // why (given for sensitive reads)
  std::string address;  // where from
  std::string request_id;
  std::string details;  // JSON object; never personal data
  std::string mac;
};

struct AuditQuery {
  std::string actor, object_type, object_id, action;  // empty = any
  std::optional<UnixSeconds> from, to;
  std::optional<int64_t> before_seq;  // newest first, continue below this
  int limit = 100;
};

/// How often a caller (by pseudonym) contacted the hotline before a given contact.
struct RepeatCallerInfo {
  int64_t previous_contacts = 0;
  std::optional<UnixSeconds> last_received_at;
};

// ---- known-image matching (sqlite_matching.cc) ----

/// A named hash list (IWF, NCMEC, a partner's list) and where it came from.
struct HashBank {
  int64_t id = 0;
  std::string name;  // unique
  std::string description;
  std::string source;     // who supplied the list
  std::string licence;    // the licence or agreement it is used under
  bool negative = false;  // known false positives: they suppress matches and never match
  bool enabled = true;
  UnixSeconds created_at = 0;
  std::string created_by;  // the principal's audit key ("user:3", "cli:name")
  UnixSeconds updated_at = 0;
  int64_t version = 0;          // +1 on every change of the row
  int64_t content_version = 0;  // +1 whenever the set of live entries may have changed
};

/// One import of a file into a bank. Its entries count only once it is "committed"; an import
/// "superseded" by a later full replacement, or "abandoned" half-way, counts for nothing.
struct BankImport {
  int64_t id = 0;
  int64_t bank_id = 0;
  std::string state;  // "pending", "committed", "superseded", "abandoned"
  UnixSeconds started_at = 0;
  std::optional<UnixSeconds> committed_at;
  std::string imported_by;
  std::string file_name;    // base name of the file
  std::string file_sha256;  // of the file's bytes
  std::string format;       // "csv" or "jsonl"
  std::string labels;       // labels given for rows that carry none (joined by '|')
  int64_t rows = 0, added = 0, withdrawn = 0, duplicates = 0, rejected = 0;
};

/// One hash of a bank. `value` is the raw digest: 32 bytes (PDQ, big-endian as its hex, and
/// SHA-256), 16 (MD5) or 20 (SHA-1).
struct BankEntry {
  int64_t id = 0;
  int64_t import_id = 0;
  int64_t bank_id = 0;    // derived from the import when read
  std::string hash_type;  // "pdq", "md5", "sha1", "sha256"
  std::string value;
  bool tombstone = false;  // the list withdraws this value: earlier entries with it stop counting
  int64_t line = 0;        // where it was in the imported file
  std::string source_entry_id;
  std::string labels;  // joined by '|', e.g. "A" or "A1|sextortion" (labels never contain '|')
  std::optional<int64_t> quality;
  std::string media_type;  // "image", "video" or ""
  std::string first_seen;  // as the list gave it
};

/// The part of an entry the in-memory index needs; the views are valid during the callback only.
struct BankHashRef {
  int64_t id = 0;
  std::string_view hash_type;
  std::string_view value;
  bool tombstone = false;
};

/// An image a deployment chose to keep as evidence (images are otherwise never stored).
/// `image` and `preview` are ciphertexts (crypto::FieldCipher).
struct MatchEvidence {
  int64_t id = 0;
  UnixSeconds created_at = 0;
  std::string created_by;
  std::string format;  // "jpeg", "png", ...
  int64_t width = 0, height = 0, bytes = 0;
  std::string sha256;
  bool matched = false;
  std::string details;  // JSON: bank and entry ids of the matches; never personal data
  std::string image;
  std::string preview;
};

// ---- text triage, the queue, supervisor alerts, the blind search index (sqlite_triage.cc) ----

/// What triage recorded about a contact's text. Level, score and priority are coded facts kept in
/// clear so the queue can be ordered; `findings` (the signals, their spans, the suggested
/// categories) and `review` (a counsellor's verdicts on them) tell the child's story and are
/// ciphertexts (crypto::FieldCipher), like the summary they were read from.
struct ContactTriageRecord {
  int64_t contact_id = 0;
  int level = 0;            // the engine's latest level: 0 low, 1 medium, 2 high, 3 emergency
  int64_t score_milli = 0;  // the engine's score x 1000
  int priority = 0;         // the queue's order (0..3): the engine's level unless a person set it
  std::string priority_set_by;  // "" = the engine; else who set it ("user:17", "token:3")
  std::optional<UnixSeconds> priority_set_at;
  std::string lexicon_version;
  UnixSeconds triaged_at = 0;
  std::string findings;     // sealed; empty after erasure
  std::string review;       // sealed; empty = no verdicts yet
  std::string queue_state;  // "waiting" (for a counsellor), "taken", "none" (never queued)
  std::string taken_by;     // who took it (username or token name)
  std::optional<UnixSeconds> taken_at;
};

/// Position in the queue's order: priority high to low, then oldest first.
struct QueueCursor {
  int priority = 0;
  UnixSeconds received_at = 0;
  int64_t contact_id = 0;
};

struct QueueQuery {
  std::string state = "waiting";     // "waiting" or "taken"
  std::vector<std::string> centres;  // empty: any centre
  std::string person;                // non-empty: only contacts this person recorded or took
  std::optional<QueueCursor> after;
  int limit = 50;
};

/// A queue entry: the triage record (without `findings` and `review`) and the contact's coded
/// fields.
struct QueueItem {
  ContactTriageRecord triage;
  std::string reference, channel, centre, counsellor;
  UnixSeconds received_at = 0;
  bool open_alert = false;  // an emergency alert nobody has acknowledged yet
};

struct QueuePage {
  std::vector<QueueItem> items;
  std::optional<QueueCursor> next;
};

/// A supervisor alert raised by an emergency, with the coded fields of its contact.
struct TriageAlert {
  int64_t id = 0;
  int64_t contact_id = 0;
  int level = 0;
  int64_t score_milli = 0;
  UnixSeconds raised_at = 0;
  std::optional<UnixSeconds> acknowledged_at;
  std::string acknowledged_by;
  // Of the contact (read only; ignored by InsertAlert).
  std::string reference, centre, channel, counsellor;
  UnixSeconds received_at = 0;
};

struct AlertQuery {
  bool open_only = false;            // unacknowledged only
  std::vector<std::string> centres;  // empty: any centre
  std::optional<int64_t> contact_id;
  std::optional<int64_t> after_id;   // set: ids above this, oldest first (streams)
  std::optional<int64_t> before_id;  // else newest first, below this id (pages)
  int limit = 100;
};

/// Figures about the database for /metrics and `childsafe status`.
struct DatabaseInfo {
  std::string driver;
  int schema_version = 0;
  int64_t file_bytes = 0;
  int64_t wal_bytes = 0;
  int64_t page_count = 0;
  int64_t freelist_count = 0;
  uint64_t write_batches = 0;  // group commits so far
  uint64_t write_jobs = 0;     // units of work committed so far
};

class ReadTxn {
 public:
  virtual ~ReadTxn() = default;

  virtual Result<std::optional<StoredContact>> GetContact(int64_t id) = 0;
  virtual Result<std::optional<StoredContact>> GetContactByReference(const std::string& ref) = 0;
  virtual Result<ContactPage> ListContacts(const ContactQuery& q) = 0;
  /// Calls `fn` for every contact with id > after_id, in id order. For building the stats index.
  virtual Status ScanContactFacts(int64_t after_id,
                                  const std::function<void(const ContactFacts&)>& fn) = 0;
  /// Contacts by this pseudonym received strictly before `before` (excluding `exclude_id`).
  virtual Result<RepeatCallerInfo> RepeatCaller(const std::string& pseudonym, UnixSeconds before,
                                                int64_t exclude_id) = 0;
  virtual Result<int64_t> CountContacts() = 0;

  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& scope,
                                                                  const std::string& key) = 0;

  virtual Result<std::vector<crypto::WrappedKey>> ListDataKeys() = 0;
  virtual Result<std::optional<ApiToken>> FindApiToken(const std::string& token_hash) = 0;
  virtual Result<int64_t> CountApiTokens() = 0;

  /// Small named settings (e.g. "installation_id").
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;

  // ---- accounts (sqlite_accounts.cc) ----
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::optional<User>> GetUserByName(const std::string& username) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Result<int64_t> CountActiveUsers(const std::string& role) = 0;
  virtual Result<std::optional<Session>> GetSession(const std::string& id_hash) = 0;
  /// True if the code is one of the user's unused recovery codes.
  virtual Result<bool> HasRecoveryCode(int64_t user_id, const std::string& code_hash) = 0;
  virtual Result<std::vector<ApiToken>> ListApiTokens() = 0;

  // ---- audit trail (sqlite_audit.cc) ----
  /// The last entry (the chain's head), if any.
  virtual Result<std::optional<AuditEntry>> LastAuditEntry() = 0;
  virtual Result<std::vector<AuditEntry>> QueryAudit(const AuditQuery& q) = 0;
  /// Every entry with seq > after_seq, in seq order.
  virtual Status ScanAudit(int64_t after_seq,
                           const std::function<Status(const AuditEntry&)>& fn) = 0;

  // ---- retention and requests of the person concerned (sqlite_contacts.cc) ----
  /// Ids of contacts received before `before`, not erased and not on legal hold (oldest first).
  virtual Result<std::vector<int64_t>> ContactsDueForErasure(UnixSeconds before, int limit) = 0;
  /// Ids of contacts whose caller has this pseudonym.
  virtual Result<std::vector<int64_t>> ContactsByPseudonym(const std::string& pseudonym) = 0;
  /// Legal hold and erasure state of a contact.
  virtual Result<std::pair<bool, std::optional<UnixSeconds>>> ContactProtection(int64_t id) = 0;

  // ---- known-image matching (sqlite_matching.cc) ----
  /// Every bank, by id.
  virtual Result<std::vector<HashBank>> ListHashBanks() = 0;
  virtual Result<std::optional<HashBank>> GetHashBank(int64_t id) = 0;
  virtual Result<std::optional<HashBank>> GetHashBankByName(const std::string& name) = 0;
  /// A bank's imports, oldest first.
  virtual Result<std::vector<BankImport>> ListBankImports(int64_t bank_id) = 0;
  /// Calls `fn` for every entry of an import (of one hash type, or all if `hash_type` is empty),
  /// ordered by type then id, without copying: what the in-memory index is built from.
  virtual Status ScanBankHashes(int64_t import_id, const std::string& hash_type,
                                const std::function<Status(const BankHashRef&)>& fn) = 0;
  /// Every entry of an import with all its fields, ordered by type then id (export).
  virtual Status ScanBankEntries(int64_t import_id,
                                 const std::function<Status(const BankEntry&)>& fn) = 0;
  /// The entries with these ids that exist (any order), with bank_id filled in.
  virtual Result<std::vector<BankEntry>> GetBankEntries(const std::vector<int64_t>& ids) = 0;
  virtual Result<std::optional<MatchEvidence>> GetMatchEvidence(int64_t id) = 0;

  // ---- text triage, queue, alerts (sqlite_triage.cc) ----
  virtual Result<std::optional<ContactTriageRecord>> GetContactTriage(int64_t contact_id) = 0;
  /// Queue entries in the queue's order (ContactTriageRecord::findings and review left empty).
  virtual Result<QueuePage> ListQueue(const QueueQuery& q) = 0;
  virtual Result<std::vector<TriageAlert>> ListAlerts(const AlertQuery& q) = 0;
  virtual Result<std::optional<TriageAlert>> GetAlert(int64_t id) = 0;
};

class WriteTxn : public ReadTxn {
 public:
  /// Reserves the next `count` values of a named counter (1, 2, ...), e.g.
  /// "contact_reference_2025", and returns the last of them (the first is last - count + 1).
  virtual Result<int64_t> NextSequence(const std::string& name, int64_t count) = 0;
  /// Makes sure a counter is at least `value` (after importing records numbered elsewhere).
  virtual Status RaiseSequence(const std::string& name, int64_t value) = 0;
  /// Inserts a contact; `c.contact.id` is ignored (assigned); returns the new id.
  virtual Result<int64_t> InsertContact(const StoredContact& c) = 0;
  /// Replaces a contact's fields if its stored version equals `expected_version`, setting the
  /// version to expected_version + 1. kNotFound / kConflict otherwise.
  virtual Status UpdateContact(const StoredContact& c, int64_t expected_version) = 0;
  virtual Status PutIdempotency(const IdempotencyRecord& r) = 0;
  virtual Status PutDataKey(const crypto::WrappedKey& k, UnixSeconds now) = 0;
  /// Replaces the wrapping of an existing data key (master-key rotation).
  virtual Status RewrapDataKey(const crypto::WrappedKey& k) = 0;
  virtual Result<int64_t> InsertApiToken(const ApiToken& t) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;

  // ---- accounts ----
  virtual Result<int64_t> InsertUser(const User& u) = 0;
  /// Replaces a user's fields if the stored version equals expected_version (then +1).
  virtual Status UpdateUser(const User& u, int64_t expected_version) = 0;
  virtual Status InsertSession(const Session& s) = 0;
  virtual Status TouchSession(const std::string& id_hash, UnixSeconds now) = 0;
  virtual Status EndSession(const std::string& id_hash, UnixSeconds now) = 0;
  virtual Status EndUserSessions(int64_t user_id, UnixSeconds now) = 0;
  virtual Status ReplaceRecoveryCodes(int64_t user_id,
                                      const std::vector<std::string>& code_hashes) = 0;
  /// Marks an unused recovery code used; false if it was not there or already used.
  virtual Result<bool> UseRecoveryCode(int64_t user_id, const std::string& code_hash,
                                       UnixSeconds now) = 0;
  virtual Status RevokeApiToken(int64_t id, UnixSeconds now) = 0;

  // ---- audit trail ----
  /// Appends an entry whose seq is LastAuditEntry()->seq + 1 (or 1) and whose mac the caller
  /// computed over the previous mac and this entry.
  virtual Status AppendAudit(const AuditEntry& e) = 0;

  // ---- retention ----
  virtual Status SetLegalHold(int64_t contact_id, bool hold) = 0;
  /// Erases the narrative and identity of a contact (summary, names, address, phones, dates of
  /// birth, caller pseudonym, and what was derived from the text: triage findings and review,
  /// search terms), keeping its coded fields; sets erased_at.
  virtual Status EraseContact(int64_t contact_id, UnixSeconds now) = 0;

  // ---- known-image matching ----
  /// Inserts a bank (`id` ignored); kAlreadyExists if the name is taken.
  virtual Result<int64_t> InsertHashBank(const HashBank& b) = 0;
  /// Replaces a bank's fields if its stored version equals expected_version (then +1).
  virtual Status UpdateHashBank(const HashBank& b, int64_t expected_version) = 0;
  virtual Result<int64_t> InsertBankImport(const BankImport& i) = 0;
  /// Replaces an import's state, commit time and counts.
  virtual Status UpdateBankImport(const BankImport& i) = 0;
  /// Inserts entries (`id` and `bank_id` ignored) in order.
  virtual Status InsertBankEntries(const std::vector<BankEntry>& entries) = 0;
  /// Deletes up to `limit` entries of an import (purging it in bounded units of work); returns
  /// how many were deleted.
  virtual Result<int64_t> DeleteBankEntries(int64_t import_id, int64_t limit) = 0;
  /// Deletes an import that has no entries left.
  virtual Status DeleteBankImport(int64_t import_id) = 0;
  /// Deletes a bank that has no imports left (a bank created by an import that then failed).
  virtual Status DeleteHashBank(int64_t bank_id) = 0;
  /// Inserts kept evidence with the id given (reserved with NextSequence).
  virtual Status InsertMatchEvidence(const MatchEvidence& e) = 0;
  /// Deletes evidence created before `before`; returns how many.
  virtual Result<int64_t> DeleteMatchEvidenceBefore(UnixSeconds before) = 0;

  // ---- text triage, queue, alerts, blind search index ----
  /// Inserts or replaces a contact's triage record.
  virtual Status PutContactTriage(const ContactTriageRecord& r) = 0;
  /// Moves a waiting queue entry to "taken" by `person`; if the contact has no counsellor yet it
  /// becomes `person`'s (its version goes up by one). False if the entry was not waiting.
  virtual Result<bool> TakeQueueItem(int64_t contact_id, const std::string& person,
                                     UnixSeconds now) = 0;
  /// Inserts an alert (`id` and the contact's fields ignored); returns its id.
  virtual Result<int64_t> InsertAlert(const TriageAlert& a) = 0;
  /// Acknowledges an open alert; false if it was already acknowledged. kNotFound if absent.
  virtual Result<bool> AcknowledgeAlert(int64_t id, const std::string& person, UnixSeconds now) = 0;
  /// Replaces the contact's search terms (keyed hashes of its folded words; never plaintext).
  virtual Status ReplaceSearchTerms(int64_t contact_id, const std::vector<std::string>& terms) = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  /// Runs `fn` on a consistent snapshot. Returns fn's status, or the driver's error.
  virtual Status Read(const std::function<Status(ReadTxn&)>& fn) = 0;
  /// Runs `fn` in a transaction; on success the effects are durable when this returns. If fn
  /// fails, none of its effects remain. kUnavailable if the commit itself failed.
  virtual Status Write(const std::function<Status(WriteTxn&)>& fn) = 0;
  virtual Result<DatabaseInfo> Info() = 0;
  /// Full consistency check (PRAGMA integrity_check for SQLite). Ok or kDataLoss with detail.
  virtual Status CheckIntegrity() = 0;
  /// Refreshes planner statistics after bulk loads.
  virtual Status Optimize() = 0;
};

}  // namespace childsafe::storage
