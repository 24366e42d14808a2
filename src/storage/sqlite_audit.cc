// The SQLite driver: the audit trail (append and read; never update or delete).
#include "storage/sqlite_txn.h"

#include <algorithm>
#include <climits>

namespace childsafe::storage {

using sqlite::Stmt;
using sqlite::StmtScope;

namespace {
constexpr const char* kAuditColumns =
    "seq, at, actor, action, object_type, object_id, outcome, reason, address, request_id, "
    "details, mac";
}  // namespace

AuditEntry SqliteTxn::ReadAuditRow(Stmt& s) {
  return AuditEntry{s.Int(0),  s.Int(1),  s.Text(2), s.Text(3), s.Text(4),  s.Text(5),
                    s.Text(6), s.Text(7), s.Text(8), s.Text(9), s.Text(10), s.Blob(11)};
}

Result<std::optional<AuditEntry>> SqliteTxn::LastAuditEntry() {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kAuditColumns +
                              " FROM audit_log ORDER BY seq DESC LIMIT 1"));
  StmtScope scope(*s);
  CS_TRY(bool row, s->Step());
  if (!row) return std::optional<AuditEntry>();
  return std::optional<AuditEntry>(ReadAuditRow(*s));
}

Result<std::vector<AuditEntry>> SqliteTxn::QueryAudit(const AuditQuery& q) {
  std::string sql = std::string("SELECT ") + kAuditColumns +
                    " FROM audit_log WHERE (? = '' OR actor = ?) AND (? = '' OR object_type = ?) AND "
                    "(? = '' OR object_id = ?) AND (? = '' OR action = ?) AND at >= ? AND at < ? AND "
                    "seq < ? ORDER BY seq DESC LIMIT ?";
  CS_TRY(Stmt * s, c_.Prepare(sql));
  StmtScope scope(*s);
  s->Bind(1, q.actor).Bind(2, q.actor).Bind(3, q.object_type).Bind(4, q.object_type);
  s->Bind(5, q.object_id).Bind(6, q.object_id).Bind(7, q.action).Bind(8, q.action);
  s->Bind(9, q.from.value_or(INT64_MIN)).Bind(10, q.to.value_or(INT64_MAX));
  s->Bind(11, q.before_seq.value_or(INT64_MAX)).Bind(12, int64_t{std::clamp(q.limit, 1, 1000)});
  std::vector<AuditEntry> out;
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadAuditRow(*s));
  }
  return out;
}

Status SqliteTxn::ScanAudit(int64_t after_seq, const std::function<Status(const AuditEntry&)>& fn) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("SELECT ") + kAuditColumns +
                              " FROM audit_log WHERE seq > ? ORDER BY seq"));
  StmtScope scope(*s);
  s->Bind(1, after_seq);
  while (true) {
    CS_TRY(bool row, s->Step());
    if (!row) break;
    CS_TRY_STATUS(fn(ReadAuditRow(*s)));
  }
  return {};
}

Status SqliteTxn::AppendAudit(const AuditEntry& e) {
  CS_TRY(Stmt * s, c_.Prepare(std::string("INSERT INTO audit_log (") + kAuditColumns +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  StmtScope scope(*s);
  s->Bind(1, e.seq).Bind(2, e.at).Bind(3, e.actor).Bind(4, e.action).Bind(5, e.object_type);
  s->Bind(6, e.object_id).Bind(7, e.outcome).Bind(8, e.reason).Bind(9, e.address);
  s->Bind(10, e.request_id).Bind(11, e.details).BindBlob(12, e.mac);
  return s->Run();
}

}  // namespace childsafe::storage
