// The SQLite driver: text triage records, the queue, supervisor alerts and the blind search index.
#include <algorithm>
#include <climits>

#include "storage/sqlite_txn.h"

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

namespace {

constexpr const char* kTriageColumns =
    "t.contact_id, t.level, t.score_milli, t.priority, t.priority_set_by, t.priority_set_at, "
    "t.lexicon_version, t.triaged_at, t.queue_state, t.taken_by, t.taken_at";

// Reads kTriageColumns starting at column `i`.
ContactTriageRecord ReadTriage(Stmt& s, int i) {
  ContactTriageRecord r;
  r.contact_id = s.Int(i);
  r.level = static_cast<int>(s.Int(i + 1));
  r.score_milli = s.Int(i + 2);
  r.priority = static_cast<int>(s.Int(i + 3));
  r.priority_set_by = s.Text(i + 4);
  r.priority_set_at = s.OptInt(i + 5);
  r.lexicon_version = s.Text(i + 6);
  r.triaged_at = s.Int(i + 7);
  r.queue_state = s.Text(i + 8);
  r.taken_by = s.Text(i + 9);
  r.taken_at = s.OptInt(i + 10);
  return r;
}

constexpr const char* kAlertSelect =
    "SELECT a.id, a.contact_id, a.level, a.score_milli, a.raised_at, a.acknowledged_at, "
    "a.acknowledged_by, c.reference, c.centre, c.channel, c.counsellor, c.received_at "
    "FROM triage_alerts a JOIN contacts c ON c.id = a.contact_id";

TriageAlert ReadAlert(Stmt& s) {
  TriageAlert a;
  a.id = s.Int(0);
  a.contact_id = s.Int(1);
  a.level = static_cast<int>(s.Int(2));
  a.score_milli = s.Int(3);
  a.raised_at = s.Int(4);
  a.acknowledged_at = s.OptInt(5);
  a.acknowledged_by = s.Text(6);
  a.reference = s.Text(7);
  a.centre = s.Text(8);
  a.channel = s.Text(9);
  a.counsellor = s.Text(10);
  a.received_at = s.Int(11);
  return a;
}

std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

Result<std::optional<ContactTriageRecord>> SqliteTxn::GetContactTriage(int64_t contact_id) {
  CS_TRY(Stmt * s,
         c_.Prepare(std::string("SELECT ") + kTriageColumns +
                    ", t.findings, t.review FROM contact_triage t WHERE t.contact_id = ?"));
  StmtScope scope(*s);
  s->Bind(1, contact_id);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<ContactTriageRecord>();
  ContactTriageRecord r = ReadTriage(*s, 0);
  r.findings = s->Blob(11);
  r.review = s->Blob(12);
  return std::optional<ContactTriageRecord>(std::move(r));
}

Result<QueuePage> SqliteTxn::ListQueue(const QueueQuery& q) {
  std::string sql = std::string("SELECT ") + kTriageColumns +
                    ", c.reference, c.channel, c.centre, c.counsellor, c.received_at, "
                    "EXISTS (SELECT 1 FROM triage_alerts a WHERE a.contact_id = t.contact_id AND "
                    "a.acknowledged_at IS NULL) "
                    "FROM contact_triage t JOIN contacts c ON c.id = t.contact_id "
                    "WHERE t.queue_state = ?";
  if (!q.centres.empty()) sql += " AND c.centre IN (" + Placeholders(q.centres.size()) + ")";
  if (!q.person.empty()) sql += " AND (c.counsellor = ? OR t.taken_by = ?)";
  if (q.after) {
    sql +=
        " AND (t.priority < ? OR (t.priority = ? AND (c.received_at > ? OR (c.received_at = ? AND "
        "t.contact_id > ?))))";
  }
  sql += " ORDER BY t.priority DESC, c.received_at, t.contact_id LIMIT ?";
  const int limit = std::clamp(q.limit, 1, 500);
  CS_TRY(Stmt * s, c_.Prepare(sql));
  StmtScope scope(*s);
  int i = 1;
  s->Bind(i++, q.state);
  for (const auto& c : q.centres) s->Bind(i++, c);
  if (!q.person.empty()) {
    s->Bind(i++, q.person);
    s->Bind(i++, q.person);
  }
  if (q.after) {
    for (int k = 0; k < 2; ++k) s->Bind(i++, int64_t{q.after->priority});
    for (int k = 0; k < 2; ++k) s->Bind(i++, q.after->received_at);
    s->Bind(i++, q.after->contact_id);
  }
  s->Bind(i++, int64_t{limit + 1});
  QueuePage page;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(page.items.size()) == limit) {
      const QueueItem& last = page.items.back();
      page.next = QueueCursor{last.triage.priority, last.received_at, last.triage.contact_id};
      break;
    }
    QueueItem item;
    item.triage = ReadTriage(*s, 0);
    item.reference = s->Text(11);
    item.channel = s->Text(12);
    item.centre = s->Text(13);
    item.counsellor = s->Text(14);
    item.received_at = s->Int(15);
    item.open_alert = s->Int(16) != 0;
    page.items.push_back(std::move(item));
  }
  return page;
}

Result<std::vector<TriageAlert>> SqliteTxn::ListAlerts(const AlertQuery& q) {
  std::string sql = std::string(kAlertSelect) + " WHERE 1 = 1";
  if (q.open_only) sql += " AND a.acknowledged_at IS NULL";
  if (!q.centres.empty()) sql += " AND c.centre IN (" + Placeholders(q.centres.size()) + ")";
  if (q.contact_id) sql += " AND a.contact_id = ?";
  if (q.after_id) {
    sql += " AND a.id > ? ORDER BY a.id LIMIT ?";
  } else {
    sql += " AND a.id < ? ORDER BY a.id DESC LIMIT ?";
  }
  CS_TRY(Stmt * s, c_.Prepare(sql));
  StmtScope scope(*s);
  int i = 1;
  for (const auto& c : q.centres) s->Bind(i++, c);
  if (q.contact_id) s->Bind(i++, *q.contact_id);
  s->Bind(i++, q.after_id ? *q.after_id : q.before_id.value_or(INT64_MAX));
  s->Bind(i++, int64_t{std::clamp(q.limit, 1, 1000)});
  std::vector<TriageAlert> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadAlert(*s));
  }
  return out;
}

Result<std::optional<TriageAlert>> SqliteTxn::GetAlert(int64_t id) {
  CS_TRY(Stmt * s, c_.Prepare(std::string(kAlertSelect) + " WHERE a.id = ?"));
  StmtScope scope(*s);
  s->Bind(1, id);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<TriageAlert>();
  return std::optional<TriageAlert>(ReadAlert(*s));
}

Status SqliteTxn::PutContactTriage(const ContactTriageRecord& r) {
  CS_TRY(
      Stmt * s,
      c_.Prepare("INSERT INTO contact_triage (contact_id, level, score_milli, priority, "
                 "priority_set_by, priority_set_at, lexicon_version, triaged_at, findings, "
                 "review, queue_state, taken_by, taken_at) VALUES "
                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET "
                 "level = excluded.level, score_milli = excluded.score_milli, "
                 "priority = excluded.priority, priority_set_by = excluded.priority_set_by, "
                 "priority_set_at = excluded.priority_set_at, "
                 "lexicon_version = excluded.lexicon_version, triaged_at = excluded.triaged_at, "
                 "findings = excluded.findings, review = excluded.review, "
                 "queue_state = excluded.queue_state, taken_by = excluded.taken_by, "
                 "taken_at = excluded.taken_at"));
  StmtScope scope(*s);
  s->Bind(1, r.contact_id).Bind(2, int64_t{r.level}).Bind(3, r.score_milli);
  s->Bind(4, int64_t{r.priority}).BindOptText(5, r.priority_set_by).BindOpt(6, r.priority_set_at);
  s->Bind(7, r.lexicon_version).Bind(8, r.triaged_at).BindBlob(9, r.findings);
  s->BindBlob(10, r.review).Bind(11, r.queue_state).BindOptText(12, r.taken_by);
  s->BindOpt(13, r.taken_at);
  return s->Run();
}

Result<bool> SqliteTxn::TakeQueueItem(int64_t contact_id, const std::string& person,
                                      UnixSeconds now) {
  {
    CS_TRY(Stmt * s, c_.Prepare("UPDATE contact_triage SET queue_state = 'taken', taken_by = ?, "
                                "taken_at = ? WHERE contact_id = ? AND queue_state = 'waiting'"));
    StmtScope scope(*s);
    s->Bind(1, person).Bind(2, now).Bind(3, contact_id);
    CS_TRY_STATUS(s->Run());
  }
  if (c_.Changes() == 0) return false;
  CS_TRY(Stmt * s, c_.Prepare("UPDATE contacts SET counsellor = ?, version = version + 1, "
                              "updated_at = ? WHERE id = ? AND counsellor = ''"));
  StmtScope scope(*s);
  s->Bind(1, person).Bind(2, now).Bind(3, contact_id);
  CS_TRY_STATUS(s->Run());
  return true;
}

Result<int64_t> SqliteTxn::InsertAlert(const TriageAlert& a) {
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO triage_alerts (contact_id, level, score_milli, "
                              "raised_at, acknowledged_at, acknowledged_by) VALUES "
                              "(?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, a.contact_id).Bind(2, int64_t{a.level}).Bind(3, a.score_milli).Bind(4, a.raised_at);
  s->BindOpt(5, a.acknowledged_at).BindOptText(6, a.acknowledged_by);
  CS_TRY_STATUS(s->Run());
  return c_.LastInsertId();
}

Result<bool> SqliteTxn::AcknowledgeAlert(int64_t id, const std::string& person, UnixSeconds now) {
  {
    CS_TRY(Stmt * s, c_.Prepare("UPDATE triage_alerts SET acknowledged_at = ?, acknowledged_by = ? "
                                "WHERE id = ? AND acknowledged_at IS NULL"));
    StmtScope scope(*s);
    s->Bind(1, now).Bind(2, person).Bind(3, id);
    CS_TRY_STATUS(s->Run());
  }
  if (c_.Changes() == 1) return true;
  CS_TRY(int64_t exists, [&]() -> Result<int64_t> {
    CS_TRY(Stmt * s, c_.Prepare("SELECT COUNT(*) FROM triage_alerts WHERE id = ?"));
    StmtScope scope(*s);
    s->Bind(1, id);
    CS_TRY(bool row, s->Step());
    return row ? s->Int(0) : 0;
  }());
  if (!exists) return Fail(Error::NotFound("no alert with this id"));
  return false;
}

Status SqliteTxn::ReplaceSearchTerms(int64_t contact_id, const std::vector<std::string>& terms) {
  {
    CS_TRY(Stmt * s, c_.Prepare("DELETE FROM contact_search_terms WHERE contact_id = ?"));
    StmtScope scope(*s);
    s->Bind(1, contact_id);
    CS_TRY_STATUS(s->Run());
  }
  if (terms.empty()) return {};
  // Duplicates would violate the primary key: the caller's set is deduplicated here too.
  std::vector<std::string> sorted = terms;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  CS_TRY(Stmt * s, c_.Prepare("INSERT INTO contact_search_terms (term, contact_id) VALUES (?, ?)"));
  for (const auto& t : sorted) {
    if (t.empty()) continue;
    StmtScope scope(*s);
    s->BindBlob(1, t).Bind(2, contact_id);
    CS_TRY_STATUS(s->Run());
  }
  return {};
}

}  // namespace childsafe::storage
