#include "common/log.h"

#include <memory>
#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace childsafe::log {

namespace {
std::mutex g_mu;
std::shared_ptr<spdlog::logger> g_logger;

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
    case Level::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Make(const Options& o) {
  std::shared_ptr<spdlog::logger> logger;
  if (o.file.empty()) {
    logger = std::make_shared<spdlog::logger>("childsafe",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "childsafe", std::make_shared<spdlog::sinks::basic_file_sink_mt>(o.file, false));
  }
  // The message part (%v) is the rest of a JSON object, built in Write.
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(ToSpd(o.level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::shared_ptr<spdlog::logger> Get() {
  std::lock_guard lock(g_mu);
  if (!g_logger) g_logger = Make(Options{});
  return g_logger;
}
}  // namespace

void Init(const Options& options) {
  auto logger = Make(options);
  std::lock_guard lock(g_mu);
  if (g_logger) g_logger->flush();
  g_logger = std::move(logger);
}

bool ParseLevel(std::string_view t, Level& out) {
  if (t == "debug") out = Level::kDebug;
  else if (t == "info") out = Level::kInfo;
  else if (t == "warn") out = Level::kWarn;
  else if (t == "error") out = Level::kError;
  else if (t == "off") out = Level::kOff;
  else return false;
  return true;
}

void Write(Level level, std::string_view event, const nlohmann::json& fields) {
  auto logger = Get();
  if (!logger->should_log(ToSpd(level))) return;
  std::string body = "\"event\":" + nlohmann::json(std::string(event)).dump();
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      body += ',';
      body += nlohmann::json(it.key()).dump();
      body += ':';
      body += it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  logger->log(ToSpd(level), body);
}

void Flush() { Get()->flush(); }

}  // namespace childsafe::log
