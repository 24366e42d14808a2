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

 private:
  static int BindContactFields(sqlite::Stmt& s, int i, const StoredContact& sc);
  Status InsertChildrenAndCategories(int64_t id, const StoredContact& sc);
  static StoredContact ReadContactRow(sqlite::Stmt& s);
  Status LoadChildrenAndCategories(StoredContact& sc);
  Result<std::optional<StoredContact>> GetOne(const std::string& sql,
                                              const std::function<void(sqlite::Stmt&)>& bind);

  sqlite::Conn& c_;
};

}  // namespace childsafe::storage
