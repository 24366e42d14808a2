#include "auth/audit.h"

#include <sodium.h>

#include "common/log.h"

namespace childsafe::auth {

namespace {

void Field(crypto_generichash_state& st, std::string_view v) {
  uint64_t n = v.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  crypto_generichash_update(&st, len, sizeof len);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(v.data()), v.size());
}

constexpr const char* kHeadSetting = "audit_head";

}  // namespace

std::string AuditLog::Mac(const std::string& previous, const storage::AuditEntry& e) const {
  std::string out(32, '\0');
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_.data(), crypto::SecretKey::kSize, out.size());
  Field(st, "childsafe-audit-v1");
  Field(st, previous);
  Field(st, std::to_string(e.seq));
  Field(st, std::to_string(e.at));
  for (const std::string* f : {&e.actor, &e.action, &e.object_type, &e.object_id, &e.outcome,
                               &e.reason, &e.address, &e.request_id, &e.details}) {
    Field(st, *f);
  }
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

Status AuditLog::Append(storage::WriteTxn& t, const Principal& who, const AuditRecord& r,
                        UnixSeconds now) const {
  CS_TRY(auto last, t.LastAuditEntry());
  storage::AuditEntry e;
  e.seq = last ? last->seq + 1 : 1;
  e.at = now;
  e.actor = who.ScopeKey();
  e.action = r.action;
  e.object_type = r.object_type;
  e.object_id = r.object_id;
  e.outcome = r.outcome;
  e.reason = who.reason.substr(0, 500);
  e.address = who.address.substr(0, 100);
  e.request_id = who.request_id.substr(0, 100);
  e.details = r.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.mac = Mac(last ? last->mac : std::string(), e);
  CS_TRY_STATUS(t.AppendAudit(e));
  CS_TRY_STATUS(t.PutSetting(kHeadSetting, std::to_string(e.seq) + ":" + crypto::ToHex(e.mac)));
  if (e.seq % 100 == 0) {
    log::Info("audit.anchor", {{"seq", e.seq}, {"mac", crypto::ToHex(e.mac)}});
  }
  return {};
}

Status AuditLog::Record(storage::Database& db, const Principal& who, const AuditRecord& r,
                        UnixSeconds now) const {
  return db.Write([&](storage::WriteTxn& t) { return Append(t, who, r, now); });
}

Result<AuditVerifyReport> AuditLog::Verify(storage::Database& db) const {
  AuditVerifyReport report;
  std::optional<std::string> head;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(head, t.GetSetting(kHeadSetting));
    std::string previous;
    int64_t expected = 1;
    return t.ScanAudit(0, [&](const storage::AuditEntry& e) -> Status {
      if (report.first_bad_seq) return {};
      ++report.entries;
      if (e.seq != expected) {
        report.first_bad_seq = expected;
        report.problem = "entry " + std::to_string(expected) + " is missing (the next is " +
                         std::to_string(e.seq) + ")";
        return {};
      }
      if (!crypto::ConstantTimeEquals(e.mac, Mac(previous, e))) {
        report.first_bad_seq = e.seq;
        report.problem =
            "entry " + std::to_string(e.seq) + " was altered, or an entry before it was";
        return {};
      }
      previous = e.mac;
      ++expected;
      return {};
    });
  }));
  if (!report.first_bad_seq && head) {
    // The chain ends where the head says it does (entries removed from the end).
    std::string expected_head = std::to_string(report.entries);
    if (head->substr(0, head->find(':')) != expected_head) {
      report.first_bad_seq = report.entries + 1;
      report.problem = "the trail ends at entry " + expected_head + " but its head says " +
                       head->substr(0, head->find(':')) + ": entries were removed from the end";
    }
  }
  return report;
}

}  // namespace childsafe::auth
