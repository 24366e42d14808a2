#include "storage/sqlite_store.h"

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "storage/migrations.h"
#include "storage/sqlite.h"

namespace childsafe::storage {

namespace {

using sqlite::Conn;
using sqlite::Stmt;
using sqlite::StmtScope;

constexpr const char* kContactColumns =
    "id, reference, version, created_at, updated_at, received_at, channel, centre, counsellor, "
    "call_type, duration_seconds, caller_present, caller_relation, caller_age_band, caller_gender, "
    "caller_name, caller_pseudonym, outcome, urgency, online, summary, taxonomy_version";

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

// ---- transactions ------------------------------------------------------------------------------

class SqliteTxn final : public WriteTxn {
 public:
  explicit SqliteTxn(Conn& c) : c_(c) {}

  Result<std::optional<StoredContact>> GetContact(int64_t id) override {
    return GetOne(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE id = ?",
                  [&](Stmt& s) { s.Bind(1, id); });
  }

  Result<std::optional<StoredContact>> GetContactByReference(const std::string& ref) override {
    return GetOne(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE reference = ?",
                  [&](Stmt& s) { s.Bind(1, ref); });
  }

  Result<ContactPage> ListContacts(const ContactQuery& q) override {
    std::string sql = std::string("SELECT ") + kContactColumns + " FROM contacts WHERE 1 = 1";
    std::vector<std::function<void(Stmt&, int&)>> binds;
    auto in_list = [&](const char* column, const std::vector<std::string>& values) {
      if (values.empty()) return;
      sql += std::string(" AND ") + column + " IN (";
      for (size_t i = 0; i < values.size(); ++i) sql += i ? ", ?" : "?";
      sql += ")";
      binds.push_back([&values](Stmt& s, int& i) {
        for (const auto& v : values) s.Bind(i++, v);
      });
    };
    if (q.from) {
      sql += " AND received_at >= ?";
      binds.push_back([&](Stmt& s, int& i) { s.Bind(i++, *q.from); });
    }
    if (q.to) {
      sql += " AND received_at < ?";
      binds.push_back([&](Stmt& s, int& i) { s.Bind(i++, *q.to); });
    }
    in_list("channel", q.channels);
    in_list("call_type", q.call_types);
    in_list("outcome", q.outcomes);
    in_list("centre", q.centres);
    if (q.online) {
      sql += " AND online = ?";
      binds.push_back([&](Stmt& s, int& i) { s.Bind(i++, int64_t{*q.online ? 1 : 0}); });
    }
    if (!q.categories.empty()) {
      sql += " AND id IN (SELECT contact_id FROM contact_categories WHERE category IN (";
      for (size_t i = 0; i < q.categories.size(); ++i) sql += i ? ", ?" : "?";
      sql += "))";
      binds.push_back([&](Stmt& s, int& i) {
        for (const auto& v : q.categories) s.Bind(i++, v);
      });
    }
    if (!q.provinces.empty()) {
      sql += " AND id IN (SELECT contact_id FROM contact_children WHERE province_current IN (";
      for (size_t i = 0; i < q.provinces.size(); ++i) sql += i ? ", ?" : "?";
      sql += "))";
      binds.push_back([&](Stmt& s, int& i) {
        for (const auto& v : q.provinces) s.Bind(i++, v);
      });
    }
    if (q.after) {
      sql += " AND (received_at, id) < (?, ?)";
      binds.push_back([&](Stmt& s, int& i) {
        s.Bind(i++, q.after->received_at);
        s.Bind(i++, q.after->id);
      });
    }
    int limit = q.limit < 1 ? 1 : (q.limit > 500 ? 500 : q.limit);
    sql += " ORDER BY received_at DESC, id DESC LIMIT ?";
    binds.push_back([limit](Stmt& s, int& i) { s.Bind(i++, int64_t{limit + 1}); });

    CS_TRY(Stmt * s, c_.Prepare(sql));
    StmtScope scope(*s);
    int idx = 1;
    for (auto& b : binds) b(*s, idx);
    ContactPage page;
    while (true) {
      CS_TRY(bool row, s->Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == limit) {
        const auto& last = page.items.back().contact;
        page.next = ContactCursor{last.received_at, last.id};
        break;
      }
      page.items.push_back(ReadContactRow(*s));
    }
    for (auto& item : page.items) CS_TRY_STATUS(LoadChildrenAndCategories(item));
    return page;
  }

  Status ScanContactFacts(int64_t after_id,
                          const std::function<void(const ContactFacts&)>& fn) override {
    // Three ordered scans merged by contact id: one pass over each table, no per-row lookups.
    auto contacts = c_.Prepare(
        "SELECT id, version, received_at, channel, centre, call_type, outcome, urgency, "
        "caller_age_band, caller_gender, online FROM contacts WHERE id > ? ORDER BY id");
    auto children = c_.Prepare(
        "SELECT contact_id, age, gender, province_current FROM contact_children "
        "WHERE contact_id > ? ORDER BY contact_id, position");
    auto categories = c_.Prepare(
        "SELECT contact_id, category FROM contact_categories WHERE contact_id > ? "
        "ORDER BY contact_id, position");
    if (!contacts) return Fail(contacts.error());
    if (!children) return Fail(children.error());
    if (!categories) return Fail(categories.error());
    StmtScope sc(**contacts), sch(**children), scat(**categories);
    sc->Bind(1, after_id);
    sch->Bind(1, after_id);
    scat->Bind(1, after_id);
    CS_TRY(bool child_row, sch->Step());
    CS_TRY(bool cat_row, scat->Step());
    ContactFacts f;
    while (true) {
      CS_TRY(bool row, sc->Step());
      if (!row) break;
      Stmt& s = *sc;
      f.id = s.Int(0);
      f.version = s.Int(1);
      f.received_at = s.Int(2);
      f.channel = s.Text(3);
      f.centre = s.Text(4);
      f.call_type = s.Text(5);
      f.outcome = s.Text(6);
      f.urgency = s.Text(7);
      f.caller_age_band = s.Text(8);
      f.caller_gender = s.Text(9);
      f.online = s.Int(10) != 0;
      f.children.clear();
      f.categories.clear();
      while (child_row && sch->Int(0) <= f.id) {
        if (sch->Int(0) == f.id) {
          std::optional<int> age;
          if (!sch->IsNull(1)) age = static_cast<int>(sch->Int(1));
          f.children.push_back({age, sch->Text(2), sch->Text(3)});
        }
        CS_TRY(child_row, sch->Step());
      }
      while (cat_row && scat->Int(0) <= f.id) {
        if (scat->Int(0) == f.id) f.categories.push_back(scat->Text(1));
        CS_TRY(cat_row, scat->Step());
      }
      fn(f);
    }
    return {};
  }

  Result<RepeatCallerInfo> RepeatCaller(const std::string& pseudonym, UnixSeconds before,
                                        int64_t exclude_id) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "SELECT COUNT(*), MAX(received_at) FROM contacts "
                         "WHERE caller_pseudonym = ? AND received_at < ? AND id <> ?"));
    StmtScope scope(*s);
    s->BindBlob(1, pseudonym).Bind(2, before).Bind(3, exclude_id);
    CS_TRY(bool row, s->Step());
    RepeatCallerInfo info;
    if (row) {
      info.previous_contacts = s->Int(0);
      if (!s->IsNull(1)) info.last_received_at = s->Int(1);
    }
    return info;
  }

  Result<int64_t> CountContacts() override { return c_.QueryInt("SELECT COUNT(*) FROM contacts"); }

  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& scope_name,
                                                          const std::string& key) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "SELECT request_hash, resource_id, created_at FROM idempotency_keys "
                         "WHERE scope = ? AND key = ?"));
    StmtScope scope(*s);
    s->Bind(1, scope_name).Bind(2, key);
    CS_TRY(bool row, s->Step());
    if (!row) return std::optional<IdempotencyRecord>();
    return std::optional<IdempotencyRecord>(
        IdempotencyRecord{scope_name, key, s->Text(0), s->Int(1), s->Int(2)});
  }

  Result<std::vector<crypto::WrappedKey>> ListDataKeys() override {
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

  Result<std::optional<ApiToken>> FindApiToken(const std::string& token_hash) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "SELECT id, name, token_hash, role, scopes, created_at, expires_at, revoked_at "
                         "FROM api_tokens WHERE token_hash = ?"));
    StmtScope scope(*s);
    s->Bind(1, token_hash);
    CS_TRY(bool row, s->Step());
    if (!row) return std::optional<ApiToken>();
    ApiToken t{s->Int(0),    s->Text(1),   s->Text(2),  s->Text(3),
               s->Text(4),   s->Int(5),    s->OptInt(6), s->OptInt(7)};
    return std::optional<ApiToken>(std::move(t));
  }

  Result<int64_t> CountApiTokens() override {
    return c_.QueryInt("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL");
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    CS_TRY(Stmt * s, c_.Prepare("SELECT value FROM settings WHERE key = ?"));
    StmtScope scope(*s);
    s->Bind(1, key);
    CS_TRY(bool row, s->Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s->Text(0));
  }

  // ---- writes ----

  Result<int64_t> NextSequence(const std::string& name, int64_t count) override {
    if (count < 1) return Fail(Error::Internal("NextSequence needs count >= 1"));
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO sequences (name, value) VALUES (?, ?) "
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

  Status RaiseSequence(const std::string& name, int64_t value) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO sequences (name, value) VALUES (?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET value = CASE WHEN sequences.value < "
                         "excluded.value THEN excluded.value ELSE sequences.value END"));
    StmtScope scope(*s);
    s->Bind(1, name).Bind(2, value);
    return s->Run();
  }

  Result<int64_t> InsertContact(const StoredContact& sc) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO contacts (reference, version, created_at, updated_at, "
                         "received_at, channel, centre, counsellor, call_type, duration_seconds, "
                         "caller_present, caller_relation, caller_age_band, caller_gender, "
                         "caller_name, caller_pseudonym, outcome, urgency, online, summary, "
                         "taxonomy_version) VALUES "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    {
      StmtScope scope(*s);
      const domain::Contact& c = sc.contact;
      s->Bind(1, c.reference).Bind(2, c.version).Bind(3, c.created_at).Bind(4, c.updated_at);
      BindContactFields(*s, 5, sc);
      CS_TRY_STATUS(s->Run());
    }
    int64_t id = c_.LastInsertId();
    CS_TRY_STATUS(InsertChildrenAndCategories(id, sc));
    return id;
  }

  Status UpdateContact(const StoredContact& sc, int64_t expected_version) override {
    const domain::Contact& c = sc.contact;
    CS_TRY(Stmt * s, c_.Prepare(
                         "UPDATE contacts SET version = version + 1, updated_at = ?, "
                         "received_at = ?, channel = ?, centre = ?, counsellor = ?, call_type = ?, "
                         "duration_seconds = ?, caller_present = ?, caller_relation = ?, "
                         "caller_age_band = ?, caller_gender = ?, caller_name = ?, "
                         "caller_pseudonym = ?, outcome = ?, urgency = ?, online = ?, summary = ?, "
                         "taxonomy_version = ? WHERE id = ? AND version = ?"));
    {
      StmtScope scope(*s);
      s->Bind(1, c.updated_at);
      int next = BindContactFields(*s, 2, sc);
      s->Bind(next, c.id).Bind(next + 1, expected_version);
      CS_TRY_STATUS(s->Run());
    }
    if (c_.Changes() == 0) {
      CS_TRY(auto existing, GetContact(c.id));
      if (!existing) return Fail(Error::NotFound("no contact with this id"));
      return Fail(Error::Conflict("the contact was changed by someone else (version " +
                                  std::to_string(existing->contact.version) +
                                  "); reload it and apply your change again"));
    }
    for (const char* sql : {"DELETE FROM contact_children WHERE contact_id = ?",
                            "DELETE FROM contact_categories WHERE contact_id = ?"}) {
      CS_TRY(Stmt * d, c_.Prepare(sql));
      StmtScope scope(*d);
      d->Bind(1, c.id);
      CS_TRY_STATUS(d->Run());
    }
    return InsertChildrenAndCategories(c.id, sc);
  }

  Status PutIdempotency(const IdempotencyRecord& r) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, "
                         "created_at) VALUES (?, ?, ?, ?, ?)"));
    StmtScope scope(*s);
    s->Bind(1, r.scope).Bind(2, r.key).Bind(3, r.request_hash).Bind(4, r.resource_id).Bind(5, r.created_at);
    return s->Run();
  }

  Status PutDataKey(const crypto::WrappedKey& k, UnixSeconds now) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO data_keys (id, purpose, master_id, wrapped, created_at) "
                         "VALUES (?, ?, ?, ?, ?)"));
    StmtScope scope(*s);
    s->Bind(1, int64_t{k.id}).Bind(2, k.purpose).Bind(3, int64_t{k.master_id}).BindBlob(4, k.wrapped).Bind(5, now);
    return s->Run();
  }

  Status RewrapDataKey(const crypto::WrappedKey& k) override {
    CS_TRY(Stmt * s, c_.Prepare("UPDATE data_keys SET master_id = ?, wrapped = ? WHERE id = ? AND purpose = ?"));
    StmtScope scope(*s);
    s->Bind(1, int64_t{k.master_id}).BindBlob(2, k.wrapped).Bind(3, int64_t{k.id}).Bind(4, k.purpose);
    CS_TRY_STATUS(s->Run());
    if (c_.Changes() != 1) return Fail(Error::NotFound("no such data key"));
    return {};
  }

  Result<int64_t> InsertApiToken(const ApiToken& t) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO api_tokens (name, token_hash, role, scopes, created_at, "
                         "expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    StmtScope scope(*s);
    s->Bind(1, t.name).Bind(2, t.token_hash).Bind(3, t.role).Bind(4, t.scopes);
    s->Bind(5, t.created_at).BindOpt(6, t.expires_at).BindOpt(7, t.revoked_at);
    CS_TRY_STATUS(s->Run());
    return c_.LastInsertId();
  }

  Status PutSetting(const std::string& key, const std::string& value) override {
    CS_TRY(Stmt * s, c_.Prepare(
                         "INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
    StmtScope scope(*s);
    s->Bind(1, key).Bind(2, value);
    return s->Run();
  }

 private:
  // Binds the mutable contact fields starting at parameter `i`; returns the next index.
  static int BindContactFields(Stmt& s, int i, const StoredContact& sc) {
    const domain::Contact& c = sc.contact;
    auto next = [&i] { return i++; };
    s.Bind(next(), c.received_at);
    s.Bind(next(), c.channel);
    s.Bind(next(), c.centre);
    s.Bind(next(), c.counsellor);
    s.Bind(next(), c.call_type);
    s.Bind(next(), int64_t{c.duration_seconds});
    s.Bind(next(), int64_t{c.caller.has_value() ? 1 : 0});
    s.BindOptText(next(), c.caller ? c.caller->relation : "");
    s.BindOptText(next(), c.caller ? c.caller->age_band : "");
    s.BindOptText(next(), c.caller ? c.caller->gender : "");
    s.BindBlob(next(), sc.sealed.caller_name);
    s.BindBlob(next(), sc.caller_pseudonym);
    s.Bind(next(), c.outcome);
    s.BindOptText(next(), c.urgency);
    s.Bind(next(), int64_t{sc.online ? 1 : 0});
    s.BindBlob(next(), sc.sealed.summary);
    s.Bind(next(), c.taxonomy_version);
    return i;
  }

  Status InsertChildrenAndCategories(int64_t id, const StoredContact& sc) {
    const domain::Contact& c = sc.contact;
    if (!c.children.empty()) {
      CS_TRY(Stmt * s, c_.Prepare(
                           "INSERT INTO contact_children (contact_id, position, age, gender, "
                           "province, province_current, name, address, phone, date_of_birth) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      for (size_t i = 0; i < c.children.size(); ++i) {
        StmtScope scope(*s);
        const domain::Child& ch = c.children[i];
        SealedChild sealed = i < sc.sealed.children.size() ? sc.sealed.children[i] : SealedChild{};
        std::string current = i < sc.child_province_current.size() ? sc.child_province_current[i] : "";
        s->Bind(1, id).Bind(2, static_cast<int64_t>(i));
        s->BindOpt(3, ch.age ? std::optional<int64_t>(*ch.age) : std::nullopt);
        s->BindOptText(4, ch.gender).BindOptText(5, ch.province).BindOptText(6, current);
        s->BindBlob(7, sealed.name).BindBlob(8, sealed.address).BindBlob(9, sealed.phone);
        s->BindBlob(10, sealed.date_of_birth);
        CS_TRY_STATUS(s->Run());
      }
    }
    if (!c.categories.empty()) {
      CS_TRY(Stmt * s, c_.Prepare(
                           "INSERT INTO contact_categories (contact_id, position, category) "
                           "VALUES (?, ?, ?)"));
      for (size_t i = 0; i < c.categories.size(); ++i) {
        StmtScope scope(*s);
        s->Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, c.categories[i]);
        CS_TRY_STATUS(s->Run());
      }
    }
    return {};
  }

  static StoredContact ReadContactRow(Stmt& s) {
    StoredContact sc;
    domain::Contact& c = sc.contact;
    c.id = s.Int(0);
    c.reference = s.Text(1);
    c.version = s.Int(2);
    c.created_at = s.Int(3);
    c.updated_at = s.Int(4);
    c.received_at = s.Int(5);
    c.channel = s.Text(6);
    c.centre = s.Text(7);
    c.counsellor = s.Text(8);
    c.call_type = s.Text(9);
    c.duration_seconds = static_cast<int32_t>(s.Int(10));
    if (s.Int(11)) c.caller = domain::Caller{s.Text(12), s.Text(13), s.Text(14), "", ""};
    sc.sealed.caller_name = s.Blob(15);
    sc.caller_pseudonym = s.Blob(16);
    c.outcome = s.Text(17);
    c.urgency = s.Text(18);
    sc.online = s.Int(19) != 0;
    sc.sealed.summary = s.Blob(20);
    c.taxonomy_version = s.Text(21);
    return sc;
  }

  Status LoadChildrenAndCategories(StoredContact& sc) {
    {
      CS_TRY(Stmt * s, c_.Prepare(
                           "SELECT age, gender, province, province_current, name, address, phone, "
                           "date_of_birth FROM contact_children WHERE contact_id = ? "
                           "ORDER BY position"));
      StmtScope scope(*s);
      s->Bind(1, sc.contact.id);
      while (true) {
        CS_TRY(bool row, s->Step());
        if (!row) break;
        domain::Child ch;
        if (!s->IsNull(0)) ch.age = static_cast<int>(s->Int(0));
        ch.gender = s->Text(1);
        ch.province = s->Text(2);
        sc.child_province_current.push_back(s->Text(3));
        sc.sealed.children.push_back(SealedChild{s->Blob(4), s->Blob(5), s->Blob(6), s->Blob(7)});
        sc.contact.children.push_back(std::move(ch));
      }
    }
    CS_TRY(Stmt * s, c_.Prepare(
                         "SELECT category FROM contact_categories WHERE contact_id = ? "
                         "ORDER BY position"));
    StmtScope scope(*s);
    s->Bind(1, sc.contact.id);
    while (true) {
      CS_TRY(bool row, s->Step());
      if (!row) break;
      sc.contact.categories.push_back(s->Text(0));
    }
    return {};
  }

  Result<std::optional<StoredContact>> GetOne(const std::string& sql,
                                              const std::function<void(Stmt&)>& bind) {
    std::optional<StoredContact> out;
    {
      CS_TRY(Stmt * s, c_.Prepare(sql));
      StmtScope scope(*s);
      bind(*s);
      CS_TRY(bool row, s->Step());
      if (!row) return out;
      out = ReadContactRow(*s);
    }
    CS_TRY_STATUS(LoadChildrenAndCategories(*out));
    return out;
  }

  Conn& c_;
};

// ---- the database ------------------------------------------------------------------------------

Status ApplyPragmas(Conn& c, const SqliteOptions& o, bool writer) {
  CS_TRY_STATUS(c.Exec("PRAGMA busy_timeout = " + std::to_string(o.busy_timeout_ms)));
  CS_TRY_STATUS(c.Exec("PRAGMA foreign_keys = ON"));
  CS_TRY_STATUS(c.Exec("PRAGMA cache_size = -" + std::to_string(writer ? o.cache_kib * 4 : o.cache_kib)));
  CS_TRY_STATUS(c.Exec("PRAGMA temp_store = MEMORY"));
  if (writer) {
    CS_TRY(Stmt * s, c.Prepare("PRAGMA journal_mode = WAL"));
    StmtScope scope(*s);
    CS_TRY(bool row, s->Step());
    if (!row || s->Text(0) != "wal") {
      return Fail(Error::Precondition("the database cannot use write-ahead logging"));
    }
  }
  // FULL: the WAL is fsynced at every commit, so an acknowledged write survives power loss.
  CS_TRY_STATUS(c.Exec("PRAGMA synchronous = FULL"));
  return {};
}

Result<int> ReadSchemaVersion(Conn& c) {
  CS_TRY(int64_t has_table,
         c.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'schema_migrations'"));
  if (!has_table) {
    CS_TRY(int64_t tables, c.QueryInt("SELECT COUNT(*) FROM sqlite_master"));
    if (tables > 0) {
      return Fail(Error::Precondition("this file is not a childsafe database (it has other tables)"));
    }
    return 0;
  }
  CS_TRY(int64_t v, c.QueryInt("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(v);
}

Status Migrate(Conn& c, int from) {
  CS_TRY_STATUS(c.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
  for (const Migration& m : Migrations()) {
    if (m.version <= from) continue;
    CS_TRY_STATUS(c.Exec("BEGIN IMMEDIATE"));
    auto st = c.Exec(RenderSql(m.sql, Dialect::kSqlite));
    if (st) {
      auto ins = c.Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
      if (!ins) {
        st = Fail(ins.error());
      } else {
        StmtScope scope(**ins);
        (*ins)->Bind(1, int64_t{m.version}).Bind(2, m.name).Bind(3, SystemClock::Instance().Now());
        st = (*ins)->Run();
      }
    }
    if (!st) {
      (void)c.Exec("ROLLBACK");
      st.error().message = "migration " + std::to_string(m.version) + " failed: " + st.error().message;
      return st;
    }
    CS_TRY_STATUS(c.Exec("COMMIT"));
    log::Info("storage.migrated", {{"version", m.version}, {"name", std::string(m.name)}});
  }
  return {};
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(SqliteOptions o, std::unique_ptr<Conn> writer, std::vector<std::unique_ptr<Conn>> readers)
      : options_(std::move(o)), writer_(std::move(writer)) {
    for (auto& r : readers) free_readers_.push_back(r.get());
    readers_ = std::move(readers);
    thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteDatabase() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    // Fold the WAL back into the main file on a clean shutdown.
    (void)writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  Status Read(const std::function<Status(ReadTxn&)>& fn) override {
    Conn* c = Checkout();
    struct Return {
      SqliteDatabase* db;
      Conn* c;
      ~Return() { db->Checkin(c); }
    } ret{this, c};
    CS_TRY_STATUS(c->Exec("BEGIN"));
    SqliteTxn txn(*c);
    Status st;
    try {
      st = fn(txn);
    } catch (const std::exception& e) {
      st = Fail(Error::Internal(std::string("exception in read: ") + e.what()));
    }
    (void)c->Exec(st ? "COMMIT" : "ROLLBACK");
    return st;
  }

  Status Write(const std::function<Status(WriteTxn&)>& fn) override {
    Job job{&fn, {}};
    std::future<Status> done = job.done.get_future();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Fail(Error::Unavailable("the database is shutting down"));
      queue_.push_back(&job);
    }
    cv_.notify_one();
    return done.get();
  }

  Result<DatabaseInfo> Info() override {
    DatabaseInfo info;
    info.driver = "sqlite " + std::string(sqlite3_libversion());
    info.file_bytes = FileSize(options_.path);
    info.wal_bytes = FileSize(options_.path + "-wal");
    info.write_batches = batches_.load();
    info.write_jobs = jobs_.load();
    Conn* c = Checkout();
    auto pages = c->QueryInt("PRAGMA page_count");
    auto freelist = c->QueryInt("PRAGMA freelist_count");
    auto version = ReadSchemaVersion(*c);
    Checkin(c);
    if (!pages) return Fail(pages.error());
    info.page_count = *pages;
    info.freelist_count = freelist.value_or(0);
    info.schema_version = version.value_or(0);
    return info;
  }

  Status CheckIntegrity() override {
    Conn* c = Checkout();
    struct Return {
      SqliteDatabase* db;
      Conn* c;
      ~Return() { db->Checkin(c); }
    } ret{this, c};
    CS_TRY(Stmt * s, c->Prepare("PRAGMA integrity_check"));
    StmtScope scope(*s);
    std::string problems;
    while (true) {
      CS_TRY(bool row, s->Step());
      if (!row) break;
      std::string line = s->Text(0);
      if (line != "ok") problems += line + "; ";
    }
    CS_TRY(Stmt * fk, c->Prepare("PRAGMA foreign_key_check"));
    StmtScope fk_scope(*fk);
    CS_TRY(bool fk_row, fk->Step());
    if (fk_row) problems += "foreign key violations in " + fk->Text(0) + "; ";
    if (!problems.empty()) return Fail(Error::DataLoss("integrity check failed", problems));
    return {};
  }

  Status Optimize() override {
    return Write([](WriteTxn&) -> Status { return {}; })
        .and_then([&]() -> Status {
          std::lock_guard lock(writer_mu_);
          return writer_->Exec("ANALYZE");
        });
  }

 private:
  struct Job {
    const std::function<Status(WriteTxn&)>* fn;
    std::promise<Status> done;
  };

  Conn* Checkout() {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !free_readers_.empty(); });
    Conn* c = free_readers_.back();
    free_readers_.pop_back();
    return c;
  }

  void Checkin(Conn* c) {
    {
      std::lock_guard lock(readers_mu_);
      free_readers_.push_back(c);
    }
    readers_cv_.notify_one();
  }

  void WriterLoop() {
    std::vector<Job*> batch;
    while (true) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      batch.clear();
    }
  }

  void RunBatch(std::vector<Job*>& batch) {
    std::lock_guard lock(writer_mu_);
    std::vector<Status> results(batch.size());
    auto begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin) {
      for (Job* j : batch) j->done.set_value(Fail(begin.error()));
      return;
    }
    SqliteTxn txn(*writer_);
    for (size_t i = 0; i < batch.size(); ++i) {
      auto sp = writer_->Exec("SAVEPOINT job");
      if (!sp) {
        results[i] = Fail(sp.error());
        continue;
      }
      try {
        results[i] = (*batch[i]->fn)(txn);
      } catch (const std::exception& e) {
        results[i] = Fail(Error::Internal(std::string("exception in write: ") + e.what()));
      }
      if (!results[i]) (void)writer_->Exec("ROLLBACK TO job");
      (void)writer_->Exec("RELEASE job");
    }
    auto commit = writer_->Exec("COMMIT");
    if (!commit) {
      (void)writer_->Exec("ROLLBACK");
      log::Error("storage.commit_failed", {{"detail", commit.error().detail}, {"jobs", batch.size()}});
      for (Job* j : batch) j->done.set_value(Fail(commit.error()));
      return;
    }
    batches_.fetch_add(1);
    jobs_.fetch_add(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }

  SqliteOptions options_;
  std::unique_ptr<Conn> writer_;
  std::mutex writer_mu_;  // the writer connection: writer thread, Optimize
  std::vector<std::unique_ptr<Conn>> readers_;
  std::vector<Conn*> free_readers_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> batches_{0}, jobs_{0};
};

}  // namespace

Result<int> SqliteSchemaVersion(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  CS_TRY(auto c, Conn::Open(path, Conn::Mode::kReadOnly));
  return ReadSchemaVersion(*c);
}

Result<std::unique_ptr<Database>> OpenSqlite(const SqliteOptions& o) {
  struct stat st {};
  bool exists = ::stat(o.path.c_str(), &st) == 0;
  if (!exists && !(o.migrate && o.create)) {
    return Fail(Error::NotFound("no database at " + o.path + "; run: childsafe migrate --db " + o.path));
  }
  CS_TRY(auto writer, Conn::Open(o.path, Conn::Mode::kReadWrite));
  CS_TRY_STATUS(ApplyPragmas(*writer, o, true));
  CS_TRY(int version, ReadSchemaVersion(*writer));
  const int latest = LatestSchemaVersion();
  if (version > latest) {
    return Fail(Error::Precondition("the database " + o.path + " has schema version " +
                                    std::to_string(version) + ", newer than this childsafe (" +
                                    std::to_string(latest) + "); upgrade childsafe"));
  }
  if (version < latest) {
    if (!o.migrate) {
      return Fail(Error::Precondition("the database " + o.path + " has schema version " +
                                      std::to_string(version) + " and needs migrating to " +
                                      std::to_string(latest) + "; run: childsafe migrate --db " +
                                      o.path));
    }
    CS_TRY_STATUS(Migrate(*writer, version));
  }
  std::vector<std::unique_ptr<Conn>> readers;
  for (int i = 0; i < o.read_connections; ++i) {
    CS_TRY(auto r, Conn::Open(o.path, Conn::Mode::kReadOnly));
    CS_TRY_STATUS(ApplyPragmas(*r, o, false));
    readers.push_back(std::move(r));
  }
  return std::unique_ptr<Database>(new SqliteDatabase(o, std::move(writer), std::move(readers)));
}

}  // namespace childsafe::storage
