#include "storage/migrations.h"

namespace childsafe::storage {

namespace {

// Version 1: the hotline core. Codes are stored as text (readable, portable); the statistics
// index interns them in memory. Sensitive columns hold ciphertext from crypto::FieldCipher.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE sequences (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
CREATE TABLE data_keys (
  id BIGINT PRIMARY KEY,
  purpose TEXT NOT NULL,
  master_id BIGINT NOT NULL,
  wrapped {blob} NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
  id {id},
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE contacts (
  id {id},
  reference TEXT NOT NULL UNIQUE,
  version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  channel TEXT NOT NULL,
  centre TEXT NOT NULL,
  counsellor TEXT NOT NULL,
  call_type TEXT NOT NULL,
  duration_seconds BIGINT NOT NULL,
  caller_present BIGINT NOT NULL,
  caller_relation TEXT,
  caller_age_band TEXT,
  caller_gender TEXT,
  caller_name {blob},
  caller_pseudonym {blob},
  outcome TEXT NOT NULL,
  urgency TEXT,
  online BIGINT NOT NULL,
  summary {blob},
  taxonomy_version TEXT NOT NULL
);
CREATE INDEX contacts_received ON contacts (received_at, id);
CREATE INDEX contacts_online_received ON contacts (online, received_at, id);
CREATE INDEX contacts_pseudonym ON contacts (caller_pseudonym, received_at)
  WHERE caller_pseudonym IS NOT NULL;
CREATE TABLE contact_children (
  contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  age BIGINT,
  gender TEXT,
  province TEXT,
  province_current TEXT,
  name {blob},
  address {blob},
  phone {blob},
  date_of_birth {blob},
  PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_children_province ON contact_children (province_current, contact_id);
CREATE TABLE contact_categories (
  contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  category TEXT NOT NULL,
  PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_categories_category ON contact_categories (category, contact_id);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  resource_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
)
)sql";

// Version 2: people and accountability — user accounts, sessions, one-time recovery codes, the
// keyed hash-chained audit trail, token revocation metadata, legal hold and erasure of contacts.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE users (
  id {id},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  centre TEXT,
  agency TEXT,
  password_hash TEXT NOT NULL,
  must_change_password BIGINT NOT NULL,
  totp_secret {blob},
  totp_last_step BIGINT,
  failed_logins BIGINT NOT NULL,
  locked_until BIGINT,
  disabled_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL
);
CREATE TABLE recovery_codes (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  used_at BIGINT,
  PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  ended_at BIGINT,
  address TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  address TEXT NOT NULL,
  request_id TEXT NOT NULL,
  details TEXT NOT NULL,
  mac {blob} NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, at);
CREATE INDEX audit_log_at ON audit_log (at);
ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
ALTER TABLE contacts ADD COLUMN legal_hold BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN erased_at BIGINT
)sql";

// Version 3: known-image matching (issue 4) — hash banks with their provenance, each import of a
// list (its entries count only once the import is committed, so a large import is written in
// bounded units of work yet never becomes visible by halves), the entries themselves (raw digest
// bytes, no uniqueness index: at 10 million entries one would cost more than the table), and
// images a deployment chose to keep as evidence (ciphertext only).
constexpr std::string_view kV3 = R"sql(
CREATE TABLE hash_banks (
  id {id},
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  source TEXT NOT NULL,
  licence TEXT NOT NULL,
  negative BIGINT NOT NULL,
  enabled BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL,
  content_version BIGINT NOT NULL
);
CREATE TABLE hash_bank_imports (
  id {id},
  bank_id BIGINT NOT NULL REFERENCES hash_banks (id),
  state TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  committed_at BIGINT,
  imported_by TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  format TEXT NOT NULL,
  labels TEXT NOT NULL,
  rows_read BIGINT NOT NULL,
  added BIGINT NOT NULL,
  withdrawn BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  rejected BIGINT NOT NULL
);
CREATE INDEX hash_bank_imports_bank ON hash_bank_imports (bank_id, id);
CREATE TABLE hash_bank_entries (
  id {id},
  import_id BIGINT NOT NULL REFERENCES hash_bank_imports (id),
  hash_type TEXT NOT NULL,
  value {blob} NOT NULL,
  tombstone BIGINT NOT NULL,
  line BIGINT NOT NULL,
  source_entry_id TEXT,
  labels TEXT,
  quality BIGINT,
  media_type TEXT,
  first_seen TEXT
);
CREATE INDEX hash_bank_entries_import ON hash_bank_entries (import_id, hash_type, id);
CREATE TABLE match_evidence (
  id BIGINT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  format TEXT NOT NULL,
  width BIGINT NOT NULL,
  height BIGINT NOT NULL,
  bytes BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  matched BIGINT NOT NULL,
  details TEXT NOT NULL,
  image {blob},
  preview {blob}
);
CREATE INDEX match_evidence_created ON match_evidence (created_at)
)sql";

// Version 4: text triage (issue 5) — what the engine found in a contact's text (level, score and
// queue priority in clear for ordering; signals, spans, suggested categories and a counsellor's
// verdicts as ciphertext), the queue of contacts waiting for a counsellor, supervisor alerts
// raised by emergencies, and the blind search index: keyed hashes of each contact's folded words
// (never the words), so "xam hai" finds "xâm hại" while summaries stay encrypted.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE contact_triage (
  contact_id BIGINT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
  level BIGINT NOT NULL,
  score_milli BIGINT NOT NULL,
  priority BIGINT NOT NULL,
  priority_set_by TEXT,
  priority_set_at BIGINT,
  lexicon_version TEXT NOT NULL,
  triaged_at BIGINT NOT NULL,
  findings {blob},
  review {blob},
  queue_state TEXT NOT NULL,
  taken_by TEXT,
  taken_at BIGINT
);
CREATE INDEX contact_triage_queue ON contact_triage (queue_state, priority, contact_id);
CREATE TABLE triage_alerts (
  id {id},
  contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  level BIGINT NOT NULL,
  score_milli BIGINT NOT NULL,
  raised_at BIGINT NOT NULL,
  acknowledged_at BIGINT,
  acknowledged_by TEXT
);
CREATE INDEX triage_alerts_contact ON triage_alerts (contact_id, id);
CREATE INDEX triage_alerts_open ON triage_alerts (id) WHERE acknowledged_at IS NULL;
CREATE TABLE contact_search_terms (
  term {blob} NOT NULL,
  contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
  PRIMARY KEY (term, contact_id)
);
CREATE INDEX contact_search_terms_contact ON contact_search_terms (contact_id)
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "hotline core: contacts, keys, tokens, idempotency", kV1},
      {2, "accounts, sessions, audit trail, legal hold and erasure", kV2},
      {3, "known-image matching: hash banks, imports, entries, kept evidence", kV3},
      {4, "text triage: findings, queue, supervisor alerts, blind search index", kV4},
  };
  return kAll;
}

int LatestSchemaVersion() { return Migrations().back().version; }

std::string RenderSql(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  auto replace = [&](std::string_view from, std::string_view to) {
    for (size_t pos = out.find(from); pos != std::string::npos;
         pos = out.find(from, pos + to.size())) {
      out.replace(pos, from.size(), to);
    }
  };
  if (dialect == Dialect::kSqlite) {
    replace("{id}", "INTEGER PRIMARY KEY");
    replace("{blob}", "BLOB");
  } else {
    replace("{id}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    replace("{blob}", "BYTEA");
  }
  return out;
}

}  // namespace childsafe::storage
