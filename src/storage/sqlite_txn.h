#pragma once
// Driver-internal: the SQLite transaction, shared by the files that implement it
// (sqlite_contacts.cc, sqlite_misc.cc, ... one per area). Not for use outside src/storage.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "storage/store.h"

namespace childsafe::storage {

/// One transaction (or savepoint inside a group commit) on one connection. Used only on the
/// thread that runs the unit of work.
class SqliteTxn final : public WriteTxn {
 public:
  explicit SqliteTxn(sqlite::Conn& c) : c_(c) {}

  // Each area's overrides are implemented in its own file: contacts in sqlite_contacts.cc;
  // settings, sequences, idempotency keys, data keys and API tokens in sqlite_misc.cc.
  Result<std::optional<StoredContact>> GetContact(int64_t id) override;
  Result<std::optional<StoredContact>> GetContactByReference(const std::string& ref) override;
  Result<ContactPage> ListContacts(const ContactQuery& q) override;
  Status ScanContactFacts(int64_t after_id,
                          const std::function<void(const ContactFacts&)>& fn) override;
  Result<RepeatCallerInfo> RepeatCaller(const std::string& pseudonym, UnixSeconds before,
                                        int64_t exclude_id) override;
  Result<int64_t> CountContacts() override;
  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& scope_name,
                                                          const std::string& key) override;
  Result<std::vector<crypto::WrappedKey>> ListDataKeys() override;
  Result<std::optional<ApiToken>> FindApiToken(const std::string& token_hash) override;
  Result<int64_t> CountApiTokens() override;
  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Result<int64_t> NextSequence(const std::string& name, int64_t count) override;
  Status RaiseSequence(const std::string& name, int64_t value) override;
  Result<int64_t> InsertContact(const StoredContact& sc) override;
  Status UpdateContact(const StoredContact& sc, int64_t expected_version) override;
  Status PutIdempotency(const IdempotencyRecord& r) override;
  Status PutDataKey(const crypto::WrappedKey& k, UnixSeconds now) override;
  Status RewrapDataKey(const crypto::WrappedKey& k) override;
  Result<int64_t> InsertApiToken(const ApiToken& t) override;
  Status PutSetting(const std::string& key, const std::string& value) override;

  // sqlite_accounts.cc
  Result<std::optional<User>> GetUser(int64_t id) override;
  Result<std::optional<User>> GetUserByName(const std::string& username) override;
  Result<std::vector<User>> ListUsers() override;
  Result<int64_t> CountActiveUsers(const std::string& role) override;
  Result<std::optional<Session>> GetSession(const std::string& id_hash) override;
  Result<bool> HasRecoveryCode(int64_t user_id, const std::string& code_hash) override;
  Result<std::vector<ApiToken>> ListApiTokens() override;
  Result<int64_t> InsertUser(const User& u) override;
  Status UpdateUser(const User& u, int64_t expected_version) override;
  Status InsertSession(const Session& s) override;
  Status TouchSession(const std::string& id_hash, UnixSeconds now) override;
  Status EndSession(const std::string& id_hash, UnixSeconds now) override;
  Status EndUserSessions(int64_t user_id, UnixSeconds now) override;
  Status ReplaceRecoveryCodes(int64_t user_id,
                              const std::vector<std::string>& code_hashes) override;
  Result<bool> UseRecoveryCode(int64_t user_id, const std::string& code_hash,
                               UnixSeconds now) override;
  Status RevokeApiToken(int64_t id, UnixSeconds now) override;

  // sqlite_audit.cc
  Result<std::optional<AuditEntry>> LastAuditEntry() override;
  Result<std::vector<AuditEntry>> QueryAudit(const AuditQuery& q) override;
  Status ScanAudit(int64_t after_seq, const std::function<Status(const AuditEntry&)>& fn) override;
  Status AppendAudit(const AuditEntry& e) override;

  // sqlite_contacts.cc: retention
  Result<std::vector<int64_t>> ContactsDueForErasure(UnixSeconds before, int limit) override;
  Result<std::vector<int64_t>> ContactsByPseudonym(const std::string& pseudonym) override;
  Result<std::pair<bool, std::optional<UnixSeconds>>> ContactProtection(int64_t id) override;
  Status SetLegalHold(int64_t contact_id, bool hold) override;
  Status EraseContact(int64_t contact_id, UnixSeconds now) override;

  // sqlite_matching.cc: hash banks, their imports and entries, kept evidence
  Result<std::vector<HashBank>> ListHashBanks() override;
  Result<std::optional<HashBank>> GetHashBank(int64_t id) override;
  Result<std::optional<HashBank>> GetHashBankByName(const std::string& name) override;
  Result<std::vector<BankImport>> ListBankImports(int64_t bank_id) override;
  Status ScanBankHashes(int64_t import_id, const std::string& hash_type,
                        const std::function<Status(const BankHashRef&)>& fn) override;
  Status ScanBankEntries(int64_t import_id,
                         const std::function<Status(const BankEntry&)>& fn) override;
  Result<std::vector<BankEntry>> GetBankEntries(const std::vector<int64_t>& ids) override;
  Result<std::optional<MatchEvidence>> GetMatchEvidence(int64_t id) override;
  Result<int64_t> InsertHashBank(const HashBank& b) override;
  Status UpdateHashBank(const HashBank& b, int64_t expected_version) override;
  Result<int64_t> InsertBankImport(const BankImport& i) override;
  Status UpdateBankImport(const BankImport& i) override;
  Status InsertBankEntries(const std::vector<BankEntry>& entries) override;
  Result<int64_t> DeleteBankEntries(int64_t import_id, int64_t limit) override;
  Status DeleteBankImport(int64_t import_id) override;
  Status DeleteHashBank(int64_t bank_id) override;
  Status InsertMatchEvidence(const MatchEvidence& e) override;
  Result<int64_t> DeleteMatchEvidenceBefore(UnixSeconds before) override;

  // sqlite_triage.cc: text triage records, the queue, supervisor alerts, search terms
  Result<std::optional<ContactTriageRecord>> GetContactTriage(int64_t contact_id) override;
  Result<QueuePage> ListQueue(const QueueQuery& q) override;
  Result<std::vector<TriageAlert>> ListAlerts(const AlertQuery& q) override;
  Result<std::optional<TriageAlert>> GetAlert(int64_t id) override;
  Status PutContactTriage(const ContactTriageRecord& r) override;
  Result<bool> TakeQueueItem(int64_t contact_id, const std::string& person,
                             UnixSeconds now) override;
  Result<int64_t> InsertAlert(const TriageAlert& a) override;
  Result<bool> AcknowledgeAlert(int64_t id, const std::string& person, UnixSeconds now) override;
  Status ReplaceSearchTerms(int64_t contact_id, const std::vector<std::string>& terms) override;

 private:
  static User ReadUserRow(sqlite::Stmt& s);
  static AuditEntry ReadAuditRow(sqlite::Stmt& s);
  static HashBank ReadHashBankRow(sqlite::Stmt& s);
  static BankImport ReadBankImportRow(sqlite::Stmt& s);
  Result<std::vector<int64_t>> Ids(const std::string& sql,
                                   const std::function<void(sqlite::Stmt&)>& bind);
  static int BindContactFields(sqlite::Stmt& s, int i, const StoredContact& sc);
  Status InsertChildrenAndCategories(int64_t id, const StoredContact& sc);
  static StoredContact ReadContactRow(sqlite::Stmt& s);
  Status LoadChildrenAndCategories(StoredContact& sc);
  Result<std::optional<StoredContact>> GetOne(const std::string& sql,
                                              const std::function<void(sqlite::Stmt&)>& bind);

  sqlite::Conn& c_;
};

}  // namespace childsafe::storage
