#pragma once
// The audit trail: an append-only record of every sign-in, every read and change of a child's
// record, every export and every permission change — who, when, what, from where, why.
//
// Each entry carries a MAC (keyed BLAKE2b, key in the keyring) over its own fields and the
// previous entry's MAC, so `Verify` finds the first entry that was altered, removed or moved.
// Removing entries from the end cannot be seen from the chain alone; the head is therefore also
// kept in a setting and written to the log ("audit.anchor") every 100 entries, where someone
// with the database but not the logs cannot reach it.
//
// Details are JSON with ids and codes only: never personal data. Thread-safe.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "crypto/crypto.h"
#include "storage/store.h"

namespace childsafe::auth {

struct AuditRecord {
  std::string action;       // "contact.read", "auth.login", "user.create", "contacts.export", ...
  std::string object_type;  // "contact", "user", "token", "session", "subject", ""
  std::string object_id;
  std::string outcome = "ok";  // "ok", "denied", "failed"
  nlohmann::json details = nlohmann::json::object();
};

struct AuditVerifyReport {
  int64_t entries = 0;
  std::optional<int64_t> first_bad_seq;  // the first entry that does not verify
  std::string problem;                   // what is wrong with it
};

class AuditLog {
 public:
  explicit AuditLog(crypto::SecretKey key) : key_(std::move(key)) {}

  /// Appends an entry inside the caller's unit of work (so it commits, or not, with the change).
  Status Append(storage::WriteTxn& t, const Principal& who, const AuditRecord& r,
                UnixSeconds now) const;
  /// Appends an entry in its own unit of work (reads, sign-ins).
  Status Record(storage::Database& db, const Principal& who, const AuditRecord& r,
                UnixSeconds now) const;
  /// Walks the whole trail.
  Result<AuditVerifyReport> Verify(storage::Database& db) const;

  /// The MAC of an entry given the previous entry's MAC (empty for the first).
  std::string Mac(const std::string& previous_mac, const storage::AuditEntry& e) const;

 private:
  crypto::SecretKey key_;
};

}  // namespace childsafe::auth
