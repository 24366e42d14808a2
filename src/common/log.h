#pragma once
// Structured logging: one JSON object per line, UTC timestamps.
//
// Every entry is an event name plus typed fields ("contact.created", {"id": 42}). There is no
// free-text message on purpose: log entries must never carry personal data (names, phone numbers,
// summaries, free text a person typed), and named fields make that reviewable. Log ids and codes.
// Thread-safe after Init; before Init, entries go to stderr at info level.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace childsafe::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };

struct Options {
  Level level = Level::kInfo;
  std::string file;  // empty: stderr
};

/// Configures the process-wide logger. Call once at start, before threads.
void Init(const Options& options);
/// Parses "debug|info|warn|error|off".
bool ParseLevel(std::string_view text, Level& out);

void Write(Level level, std::string_view event, const nlohmann::json& fields);

inline void Debug(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kDebug, event, fields);
}
inline void Info(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kInfo, event, fields);
}
inline void Warn(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kWarn, event, fields);
}
inline void Error(std::string_view event, const nlohmann::json& fields = nlohmann::json::object()) {
  Write(Level::kError, event, fields);
}

/// Flushes buffered entries (call before exit).
void Flush();

}  // namespace childsafe::log
