#pragma once
// Numbered schema migrations, written once in portable SQL.
//
// Migrations are append-only: never edit one that has shipped; add the next number. Type names
// that differ between SQLite and PostgreSQL are written as placeholders and rendered per dialect:
//   {id}    an auto-assigned 64-bit primary key
//   {blob}  binary data
// Everything else is plain SQL both engines accept (TEXT, BIGINT, partial indexes, upserts,
// RETURNING).

#include <string>
#include <string_view>
#include <vector>

namespace childsafe::storage {

enum class Dialect { kSqlite, kPostgres };

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // several statements separated by ';'
};

/// All migrations in order; versions are 1, 2, 3, ... without gaps.
const std::vector<Migration>& Migrations();
/// The schema version this binary understands (the last migration's number).
int LatestSchemaVersion();
/// Replaces the dialect placeholders.
std::string RenderSql(std::string_view sql, Dialect dialect);

}  // namespace childsafe::storage
