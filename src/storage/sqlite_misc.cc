// The SQLite driver: settings, sequences, idempotency keys, data keys, API tokens.
#include "storage/sqlite_txn.h"

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

Result<std::optional<IdempotencyRecord>> SqliteTxn::GetIdempotency(const std::string& scope_name,
                                                                   const std::string& key) {
  CS_TRY(Stmt * s, c_.Prepare("SELECT request_hash, resource_id, created_at FROM idempotency_keys "
                              "WHERE scope = ? AND key = ?"));
  StmtScope scope(*s);
  s->Bind(1, scope_name).Bind(2, key);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<IdempotencyRecord>();
  return std::optional<IdempotencyRecord>(
      IdempotencyRecord{scope_name, key, s->Text(0), s->Int(1), s->Int(2)});
}

Result<std::vector<crypto::WrappedKey>> SqliteTxn::ListDataKeys() {
  CS_TRY(Stmt * s, c_.Prepare("SELECT id, purpose, master_id, wrapped FROM data_keys ORDER BY id"));
  StmtScope scope(*s);
  std::vector<crypto::WrappedKey> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(crypto::WrappedKey{static_cast<uint32_t>(s->Int(0)), s->Text(1),
                                     static_cast<uint32_t>(s->Int(2)), s->Blob(3)});
  }
  return out;
}

Result<std::optional<ApiToken>> SqliteTxn::FindApiToken(const std::string& token_hash) {
  CS_TRY(Stmt * s,
         c_.Prepare("SELECT id, name, token_hash, role, scopes, created_at, expires_at, revoked_at "
                    "FROM api_tokens WHERE token_hash = ?"));
  StmtScope scope(*s);
  s->Bind(1, token_hash);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<ApiToken>();
  ApiToken t{s->Int(0),  s->Text(1), s->Text(2),   s->Text(3),
             s->Text(4), s->Int(5),  s->OptInt(6), s->OptInt(7)};
  return std::optional<ApiToken>(std::move(t));
}

Result<int64_t> SqliteTxn::CountApiTokens() {
  return c_.QueryInt("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL");
}

Result<std::optional<std::string>> SqliteTxn::GetSetting(const std::string& key) {
  CS_TRY(Stmt * s, c_.Prepare("SELECT value FROM settings WHERE key = ?"));
  StmtScope scope(*s);
  s->Bind(1, key);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s->Text(0));
}

Result<int64_t> SqliteTxn::NextSequence(const std::string& name, int64_t count) {
  if (count < 1) return Fail(Error::Internal("NextSequence needs count >= 1"));
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO sequences (name, value) VALUES (?, ?) "
                              "ON CONFLICT (name) DO UPDATE SET value = sequences.value + ? "
                              "RETURNING value"));
  StmtScope scope(*s);
  s->Bind(1, name).Bind(2, count).Bind(3, count);
  CS_TRY(bool row, s->Step());
  if (!row) return Fail(Error::Internal("sequence returned no row"));
  int64_t v = s->Int(0);
  CS_TRY_STATUS(s->Run());
  return v;
}

Status SqliteTxn::RaiseSequence(const std::string& name, int64_t value) {
  CS_TRY(Stmt * s,
         c_.Prepare("INSERT INTO sequences (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = CASE WHEN sequences.value < "
                    "excluded.value THEN excluded.value ELSE sequences.value END"));
  StmtScope scope(*s);
  s->Bind(1, name).Bind(2, value);
  return s->Run();
}

Status SqliteTxn::PutIdempotency(const IdempotencyRecord& r) {
  CS_TRY(Stmt * s,
         c_.Prepare("INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, "
                    "created_at) VALUES (?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, r.scope)
      .Bind(2, r.key)
      .Bind(3, r.request_hash)
      .Bind(4, r.resource_id)
      .Bind(5, r.created_at);
  return s->Run();
}

Status SqliteTxn::PutDataKey(const crypto::WrappedKey& k, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO data_keys (id, purpose, master_id, wrapped, created_at) "
                              "VALUES (?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, int64_t{k.id})
      .Bind(2, k.purpose)
      .Bind(3, int64_t{k.master_id})
      .BindBlob(4, k.wrapped)
      .Bind(5, now);
  return s->Run();
}

Status SqliteTxn::RewrapDataKey(const crypto::WrappedKey& k) {
  CS_TRY(
      Stmt * s,
      c_.Prepare("UPDATE data_keys SET master_id = ?, wrapped = ? WHERE id = ? AND purpose = ?"));
  StmtScope scope(*s);
  s->Bind(1, int64_t{k.master_id}).BindBlob(2, k.wrapped).Bind(3, int64_t{k.id}).Bind(4, k.purpose);
  CS_TRY_STATUS(s->Run());
  if (c_.Changes() != 1) return Fail(Error::NotFound("no such data key"));
  return {};
}

Result<int64_t> SqliteTxn::InsertApiToken(const ApiToken& t) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO api_tokens (name, token_hash, role, scopes, created_at, "
                              "expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, t.name).Bind(2, t.token_hash).Bind(3, t.role).Bind(4, t.scopes);
  s->Bind(5, t.created_at).BindOpt(6, t.expires_at).BindOpt(7, t.revoked_at);
  CS_TRY_STATUS(s->Run());
  return c_.LastInsertId();
}

Status SqliteTxn::PutSetting(const std::string& key, const std::string& value) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO settings (key, value) VALUES (?, ?) "
                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  StmtScope scope(*s);
  s->Bind(1, key).Bind(2, value);
  return s->Run();
}

}  // namespace childsafe::storage
