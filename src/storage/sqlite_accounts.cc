// The SQLite driver: user accounts, sessions, recovery codes, API token listing and revocation.
#include "storage/sqlite_txn.h"

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

namespace {
constexpr const char* kUserColumns =
    "id, username, display_name, role, centre, agency, password_hash, must_change_password, "
    "totp_secret, totp_last_step, failed_logins, locked_until, disabled_at, created_at, "
    "updated_at, version";
}  // namespace

User SqliteTxn::ReadUserRow(Stmt& s) {
  User u;
  u.id = s.Int(0);
  u.username = s.Text(1);
  u.display_name = s.Text(2);
  u.role = s.Text(3);
  u.centre = s.Text(4);
  u.agency = s.Text(5);
  u.password_hash = s.Text(6);
  u.must_change_password = s.Int(7) != 0;
  u.totp_secret = s.Blob(8);
  u.totp_last_step = s.OptInt(9);
  u.failed_logins = s.Int(10);
  u.locked_until = s.OptInt(11);
  u.disabled_at = s.OptInt(12);
  u.created_at = s.Int(13);
  u.updated_at = s.Int(14);
  u.version = s.Int(15);
  return u;
}

Result<std::optional<User>> SqliteTxn::GetUser(int64_t id) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?"));
  StmtScope scope(*s);
  s->Bind(1, id);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<User>();
  return std::optional<User>(ReadUserRow(*s));
}

Result<std::optional<User>> SqliteTxn::GetUserByName(const std::string& username) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = ?"));
  StmtScope scope(*s);
  s->Bind(1, username);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<User>();
  return std::optional<User>(ReadUserRow(*s));
}

Result<std::vector<User>> SqliteTxn::ListUsers() {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kUserColumns + " FROM users ORDER BY username"));
  StmtScope scope(*s);
  std::vector<User> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadUserRow(*s));
  }
  return out;
}

Result<int64_t> SqliteTxn::CountActiveUsers(const std::string& role) {
  CS_TRY(Stmt * s, c_.Prepare("SELECT COUNT(*) FROM users WHERE disabled_at IS NULL AND (? = '' OR role = ?)"));
  StmtScope scope(*s);
  s->Bind(1, role).Bind(2, role);
  CS_TRY(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

Result<std::optional<Session>> SqliteTxn::GetSession(const std::string& id_hash) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "SELECT id_hash, user_id, csrf_hash, created_at, last_seen_at, expires_at, "
                       "ended_at, address FROM sessions WHERE id_hash = ?"));
  StmtScope scope(*s);
  s->Bind(1, id_hash);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<Session>();
  Session out{s->Text(0), s->Int(1), s->Text(2), s->Int(3), s->Int(4), s->Int(5), s->OptInt(6), s->Text(7)};
  return std::optional<Session>(std::move(out));
}

Result<bool> SqliteTxn::HasRecoveryCode(int64_t user_id, const std::string& code_hash) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND "
                       "used_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, user_id).Bind(2, code_hash);
  CS_TRY(bool row, s->Step());
  return row && s->Int(0) > 0;
}

Result<std::vector<ApiToken>> SqliteTxn::ListApiTokens() {
  CS_TRY(Stmt * s, c_.Prepare(
                       "SELECT id, name, '', role, scopes, created_at, expires_at, revoked_at FROM "
                       "api_tokens ORDER BY id"));
  StmtScope scope(*s);
  std::vector<ApiToken> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ApiToken{s->Int(0), s->Text(1), "", s->Text(3), s->Text(4), s->Int(5), s->OptInt(6),
                           s->OptInt(7)});
  }
  return out;
}

Result<int64_t> SqliteTxn::InsertUser(const User& u) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "INSERT INTO users (username, display_name, role, centre, agency, "
                       "password_hash, must_change_password, totp_secret, totp_last_step, "
                       "failed_logins, locked_until, disabled_at, created_at, updated_at, version) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"));
  StmtScope scope(*s);
  s->Bind(1, u.username).Bind(2, u.display_name).Bind(3, u.role).BindOptText(4, u.centre);
  s->BindOptText(5, u.agency).Bind(6, u.password_hash).Bind(7, int64_t{u.must_change_password ? 1 : 0});
  s->BindBlob(8, u.totp_secret).BindOpt(9, u.totp_last_step).Bind(10, u.failed_logins);
  s->BindOpt(11, u.locked_until).BindOpt(12, u.disabled_at).Bind(13, u.created_at).Bind(14, u.updated_at);
  CS_TRY_STATUS(s->Run());
  return c_.LastInsertId();
}

Status SqliteTxn::UpdateUser(const User& u, int64_t expected_version) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "UPDATE users SET display_name = ?, role = ?, centre = ?, agency = ?, "
                       "password_hash = ?, must_change_password = ?, totp_secret = ?, "
                       "totp_last_step = ?, failed_logins = ?, locked_until = ?, disabled_at = ?, "
                       "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?"));
  {
    StmtScope scope(*s);
    s->Bind(1, u.display_name).Bind(2, u.role).BindOptText(3, u.centre).BindOptText(4, u.agency);
    s->Bind(5, u.password_hash).Bind(6, int64_t{u.must_change_password ? 1 : 0}).BindBlob(7, u.totp_secret);
    s->BindOpt(8, u.totp_last_step).Bind(9, u.failed_logins).BindOpt(10, u.locked_until);
    s->BindOpt(11, u.disabled_at).Bind(12, u.updated_at).Bind(13, u.id).Bind(14, expected_version);
    CS_TRY_STATUS(s->Run());
  }
  if (c_.Changes() == 0) {
    CS_TRY(auto existing, GetUser(u.id));
    if (!existing) return Fail(Error::NotFound("no such user"));
    return Fail(Error::Conflict("the account was changed meanwhile; try again"));
  }
  return {};
}

Status SqliteTxn::InsertSession(const Session& x) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, last_seen_at, "
                       "expires_at, ended_at, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, x.id_hash).Bind(2, x.user_id).Bind(3, x.csrf_hash).Bind(4, x.created_at);
  s->Bind(5, x.last_seen_at).Bind(6, x.expires_at).BindOpt(7, x.ended_at).Bind(8, x.address);
  return s->Run();
}

Status SqliteTxn::TouchSession(const std::string& id_hash, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND ended_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, now).Bind(2, id_hash);
  return s->Run();
}

Status SqliteTxn::EndSession(const std::string& id_hash, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, now).Bind(2, id_hash);
  return s->Run();
}

Status SqliteTxn::EndUserSessions(int64_t user_id, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, now).Bind(2, user_id);
  return s->Run();
}

Status SqliteTxn::ReplaceRecoveryCodes(int64_t user_id, const std::vector<std::string>& hashes) {
  {
    CS_TRY(Stmt * d, c_.Prepare("DELETE FROM recovery_codes WHERE user_id = ?"));
    StmtScope scope(*d);
    d->Bind(1, user_id);
    CS_TRY_STATUS(d->Run());
  }
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (?, ?, NULL)"));
  for (const auto& h : hashes) {
    StmtScope scope(*s);
    s->Bind(1, user_id).Bind(2, h);
    CS_TRY_STATUS(s->Run());
  }
  return {};
}

Result<bool> SqliteTxn::UseRecoveryCode(int64_t user_id, const std::string& code_hash, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare(
                       "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND "
                       "used_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, now).Bind(2, user_id).Bind(3, code_hash);
  CS_TRY_STATUS(s->Run());
  return c_.Changes() == 1;
}

Status SqliteTxn::RevokeApiToken(int64_t id, UnixSeconds now) {
  CS_TRY(Stmt * s, c_.Prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"));
  StmtScope scope(*s);
  s->Bind(1, now).Bind(2, id);
  CS_TRY_STATUS(s->Run());
  if (c_.Changes() == 0) return Fail(Error::NotFound("no live token with this id"));
  return {};
}

}  // namespace childsafe::storage
