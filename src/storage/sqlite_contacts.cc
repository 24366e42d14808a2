// The SQLite driver: contacts, their children and categories.
#include "storage/sqlite_txn.h"

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

namespace {
constexpr const char* kContactColumns =
    "id, reference, version, created_at, updated_at, received_at, channel, centre, counsellor, "
    "call_type, duration_seconds, caller_present, caller_relation, caller_age_band, caller_gender, "
    "caller_name, caller_pseudonym, outcome, urgency, online, summary, taxonomy_version";
}  // namespace

Result<std::optional<StoredContact>> SqliteTxn::GetContact(int64_t id) {
  return GetOne(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE id = ?",
                [&](Stmt& s) { s.Bind(1, id); });
}

Result<std::optional<StoredContact>> SqliteTxn::GetContactByReference(const std::string& ref) {
  return GetOne(std::string("SELECT ") + kContactColumns + " FROM contacts WHERE reference = ?",
                [&](Stmt& s) { s.Bind(1, ref); });
}

Result<ContactPage> SqliteTxn::ListContacts(const ContactQuery& q) {
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
  in_list("counsellor", q.counsellors);
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
  if (!q.search_terms.empty()) {
    // Every word: the intersection of the contacts holding each term (primary-key lookups).
    sql += " AND id IN (";
    for (size_t i = 0; i < q.search_terms.size(); ++i) {
      sql += i ? " INTERSECT " : "";
      sql += "SELECT contact_id FROM contact_search_terms WHERE term = ?";
    }
    sql += ")";
    binds.push_back([&](Stmt& s, int& i) {
      for (const auto& t : q.search_terms) s.BindBlob(i++, t);
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

Status SqliteTxn::ScanContactFacts(int64_t after_id,
                                   const std::function<void(const ContactFacts&)>& fn) {
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

Result<RepeatCallerInfo> SqliteTxn::RepeatCaller(const std::string& pseudonym, UnixSeconds before,
                                                 int64_t exclude_id) {
  CS_TRY(Stmt * s, c_.Prepare("SELECT COUNT(*), MAX(received_at) FROM contacts "
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

Result<int64_t> SqliteTxn::CountContacts() { return c_.QueryInt("SELECT COUNT(*) FROM contacts"); }

Result<int64_t> SqliteTxn::InsertContact(const StoredContact& sc) {
  CS_TRY(Stmt * s,
         c_.Prepare("INSERT INTO contacts (reference, version, created_at, updated_at, "
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

Status SqliteTxn::UpdateContact(const StoredContact& sc, int64_t expected_version) {
  const domain::Contact& c = sc.contact;
  CS_TRY(Stmt * s,
         c_.Prepare("UPDATE contacts SET version = version + 1, updated_at = ?, "
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

int SqliteTxn::BindContactFields(Stmt& s, int i, const StoredContact& sc) {
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

Status SqliteTxn::InsertChildrenAndCategories(int64_t id, const StoredContact& sc) {
  const domain::Contact& c = sc.contact;
  if (!c.children.empty()) {
    CS_TRY(Stmt * s, c_.Prepare("INSERT INTO contact_children (contact_id, position, age, gender, "
                                "province, province_current, name, address, phone, date_of_birth) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (size_t i = 0; i < c.children.size(); ++i) {
      StmtScope scope(*s);
      const domain::Child& ch = c.children[i];
      SealedChild sealed = i < sc.sealed.children.size() ? sc.sealed.children[i] : SealedChild{};
      std::string current =
          i < sc.child_province_current.size() ? sc.child_province_current[i] : "";
      s->Bind(1, id).Bind(2, static_cast<int64_t>(i));
      s->BindOpt(3, ch.age ? std::optional<int64_t>(*ch.age) : std::nullopt);
      s->BindOptText(4, ch.gender).BindOptText(5, ch.province).BindOptText(6, current);
      s->BindBlob(7, sealed.name).BindBlob(8, sealed.address).BindBlob(9, sealed.phone);
      s->BindBlob(10, sealed.date_of_birth);
      CS_TRY_STATUS(s->Run());
    }
  }
  if (!c.categories.empty()) {
    CS_TRY(Stmt * s, c_.Prepare("INSERT INTO contact_categories (contact_id, position, category) "
                                "VALUES (?, ?, ?)"));
    for (size_t i = 0; i < c.categories.size(); ++i) {
      StmtScope scope(*s);
      s->Bind(1, id).Bind(2, static_cast<int64_t>(i)).Bind(3, c.categories[i]);
      CS_TRY_STATUS(s->Run());
    }
  }
  return {};
}

StoredContact SqliteTxn::ReadContactRow(Stmt& s) {
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

Status SqliteTxn::LoadChildrenAndCategories(StoredContact& sc) {
  {
    CS_TRY(Stmt * s,
           c_.Prepare("SELECT age, gender, province, province_current, name, address, phone, "
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
  CS_TRY(Stmt * s, c_.Prepare("SELECT category FROM contact_categories WHERE contact_id = ? "
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

Result<std::optional<StoredContact>> SqliteTxn::GetOne(const std::string& sql,
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

}  // namespace childsafe::storage

namespace childsafe::storage {

Result<std::vector<int64_t>> SqliteTxn::Ids(const std::string& sql,
                                            const std::function<void(sqlite::Stmt&)>& bind) {
  CS_TRY(sqlite::Stmt * s, c_.Prepare(sql));
  sqlite::StmtScope scope(*s);
  bind(*s);
  std::vector<int64_t> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(s->Int(0));
  }
  return out;
}

Result<std::vector<int64_t>> SqliteTxn::ContactsDueForErasure(UnixSeconds before, int limit) {
  return Ids(
      "SELECT id FROM contacts WHERE received_at < ? AND erased_at IS NULL AND legal_hold = 0 AND "
      "(summary IS NOT NULL OR caller_name IS NOT NULL OR caller_pseudonym IS NOT NULL OR id IN "
      "(SELECT contact_id FROM contact_children WHERE name IS NOT NULL OR address IS NOT NULL OR "
      "phone IS NOT NULL OR date_of_birth IS NOT NULL)) ORDER BY received_at LIMIT ?",
      [&](sqlite::Stmt& s) { s.Bind(1, before).Bind(2, int64_t{limit}); });
}

Result<std::vector<int64_t>> SqliteTxn::ContactsByPseudonym(const std::string& pseudonym) {
  return Ids("SELECT id FROM contacts WHERE caller_pseudonym = ? ORDER BY received_at",
             [&](sqlite::Stmt& s) { s.BindBlob(1, pseudonym); });
}

Result<std::pair<bool, std::optional<UnixSeconds>>> SqliteTxn::ContactProtection(int64_t id) {
  CS_TRY(sqlite::Stmt * s, c_.Prepare("SELECT legal_hold, erased_at FROM contacts WHERE id = ?"));
  sqlite::StmtScope scope(*s);
  s->Bind(1, id);
  CS_TRY(bool row, s->Step());
  if (!row) return Fail(Error::NotFound("no contact with this id"));
  return std::make_pair(s->Int(0) != 0, s->OptInt(1));
}

Status SqliteTxn::SetLegalHold(int64_t contact_id, bool hold) {
  CS_TRY(sqlite::Stmt * s, c_.Prepare("UPDATE contacts SET legal_hold = ? WHERE id = ?"));
  sqlite::StmtScope scope(*s);
  s->Bind(1, int64_t{hold ? 1 : 0}).Bind(2, contact_id);
  CS_TRY_STATUS(s->Run());
  if (c_.Changes() == 0) return Fail(Error::NotFound("no contact with this id"));
  return {};
}

Status SqliteTxn::EraseContact(int64_t contact_id, UnixSeconds now) {
  for (const char* sql :
       {"UPDATE contacts SET summary = NULL, caller_name = NULL, caller_pseudonym = NULL, "
        "erased_at = ?1, updated_at = ?1, version = version + 1 WHERE id = ?2",
        "UPDATE contact_children SET name = NULL, address = NULL, phone = NULL, date_of_birth = "
        "NULL "
        "WHERE contact_id = ?2",
        // What was derived from the text goes with it (the level stays: it is a coded fact).
        "UPDATE contact_triage SET findings = NULL, review = NULL WHERE contact_id = ?2",
        "DELETE FROM contact_search_terms WHERE contact_id = ?2"}) {
    CS_TRY(sqlite::Stmt * s, c_.Prepare(sql));
    sqlite::StmtScope scope(*s);
    s->Bind(1, now).Bind(2, contact_id);
    CS_TRY_STATUS(s->Run());
  }
  return {};
}

}  // namespace childsafe::storage
