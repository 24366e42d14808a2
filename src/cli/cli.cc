#include "cli/cli.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "api/server.h"
#include "auth/tokens.h"
#include "cli/runtime.h"
#include "common/csv.h"
#include "common/log.h"
#include "demo/demo_data.h"
#include "intake/contact_csv.h"
#include "stats/stats_query.h"

namespace childsafe::cli {

namespace {

int ExitCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kPayloadTooLarge: return 2;
    case ErrorCode::kNotFound: return 3;
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated: return 4;
    default: return 1;
  }
}

// One line: the message and, for invalid input, every field.
int Report(std::ostream& err, const Error& e) {
  std::string line = e.message;
  if (!e.fields.empty()) {
    line += " (";
    for (size_t i = 0; i < e.fields.size(); ++i) {
      if (i) line += "; ";
      line += (e.fields[i].field.empty() ? "" : e.fields[i].field + ": ") + e.fields[i].message;
    }
    line += ")";
  }
  err << "childsafe: " << line << "\n";
  if (!e.detail.empty()) log::Error("cli.failed", {{"detail", e.detail}});
  return ExitCode(e.code);
}

auth::Principal CliPrincipal() {
  auth::Principal p = auth::Principal::System();
  const char* user = std::getenv("USER");
  p.name = std::string("cli:") + (user ? user : "unknown");
  return p;
}

bool IsVietnamese(const std::string& lang) { return lang != "en"; }

// ---- serve -------------------------------------------------------------------------------------

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8111;
  int threads = 64;
};

int Serve(const RuntimeOptions& ro, const ServeOptions& so, std::ostream& out, std::ostream& err) {
  // Signals are taken by one thread with sigwait; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  Runtime& r = **rt;
  auto token = auth::EnsureBootstrapToken(r.db(), SystemClock::Instance().Now());
  if (!token) return Report(err, token.error());
  if (*token) {
    out << "\nchildsafe: mã truy cập quản trị đầu tiên (chỉ hiện một lần, hãy lưu giữ cẩn thận)\n"
        << "childsafe: the first administrator token (shown once, keep it safe):\n\n    "
        << (*token)->token << "\n\n"
        << "  curl -H 'Authorization: Bearer " << (*token)->token << "' http://" << so.host << ":"
        << so.port << "/api/v1/stats?from=2021-06-01\\&to=2025-06-01\\&online=true\\&by=outcome\n\n";
    out.flush();
  }

  stats::StatsIndex index(r.taxonomy(), r.provinces());
  r.contacts().AddListener([&index](const storage::ContactFacts& f) { index.Upsert(f); });
  std::atomic<bool> ready{false};
  api::Backend backend{r.db(), r.contacts(), index, r.taxonomy(), r.provinces(), r.permissions(),
                       SystemClock::Instance(), &ready};
  api::ServerOptions options;
  options.host = so.host;
  options.port = so.port;
  options.threads = so.threads;
  api::ApiServer server(backend, options);
  auto port = server.Bind();
  if (!port) return Report(err, port.error());

  std::thread loader([&] {
    auto started = std::chrono::steady_clock::now();
    auto st = index.LoadFrom(r.db());
    if (!st) {
      log::Error("stats.load_failed", {{"detail", st.error().detail}});
      return;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log::Info("stats.loaded", {{"contacts", index.contacts()}, {"seconds", s},
                               {"bytes", index.memory_bytes()}});
    ready = true;
  });
  pthread_t main_thread = pthread_self();
  (void)main_thread;
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stopping.exchange(true)) log::Info("server.stopping", {{"signal", sig}});
    server.Stop();
  });
  out << "childsafe: máy chủ đang chạy tại / serving on http://" << so.host << ":" << *port
      << "  (Ctrl-C để dừng / to stop)\n";
  out.flush();
  log::Info("server.listening", {{"host", so.host}, {"port", *port}, {"db", ro.db_path}});
  auto st = server.Run();
  if (!stopping.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  loader.join();
  log::Info("server.stopped");
  log::Flush();
  if (!st) return Report(err, st.error());
  return 0;
}

// ---- other commands ----------------------------------------------------------------------------

int DemoData(const RuntimeOptions& ro_in, uint64_t seed, const std::string& from, const std::string& to,
             std::ostream& out, std::ostream& err) {
  RuntimeOptions ro = ro_in;
  ro.migrate = true;
  auto f = ParseDate(from, "--from");
  auto t = ParseDate(to, "--to");
  if (!f) return Report(err, f.error());
  if (!t) return Report(err, t.error());
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  int64_t existing = 0;
  auto st = (*rt)->db().Read([&](storage::ReadTxn& txn) -> Status {
    CS_TRY(existing, txn.CountContacts());
    return {};
  });
  if (!st) return Report(err, st.error());
  if (existing > 0) {
    return Report(err, Error::Precondition(ro.db_path + " already holds " + std::to_string(existing) +
                                           " contacts; demo data goes only into a new database"));
  }
  demo::DemoOptions o;
  o.seed = seed;
  o.from = *f;
  o.to = *t;
  auto started = std::chrono::steady_clock::now();
  auto report = demo::WriteDemoData(o, (*rt)->contacts());
  if (!report) return Report(err, report.error());
  (void)(*rt)->db().Optimize();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", secs);
  out << "childsafe: đã tạo " << stats::GroupDigits(report->contacts, true) << " cuộc gọi mẫu ("
      << stats::GroupDigits(report->online_contacts, true) << " về xâm hại trẻ em trên môi trường mạng: "
      << stats::GroupDigits(report->online_counselling, true) << " tư vấn, "
      << report->online_intervention << " can thiệp kết nối, " << report->online_report
      << " phản ánh) trong " << took << " giây\n"
      << "childsafe: generated " << stats::GroupDigits(report->contacts, false) << " demo contacts in "
      << took << " s into " << ro.db_path << "\n";
  return 0;
}

struct StatsCliOptions {
  stats::StatsRequest request;
  bool online = false;
  std::string format = "table";
  std::string lang = "vi";
};

int Stats(const RuntimeOptions& ro, StatsCliOptions& o, std::ostream& out, std::ostream& err) {
  if (o.online) o.request.query.online = true;
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  auto index = (*rt)->LoadStats();
  if (!index) return Report(err, index.error());
  auto result = stats::RunStats(**index, o.request);
  if (!result) return Report(err, result.error());
  bool vi = IsVietnamese(o.lang);
  if (o.format == "json") {
    out << stats::StatsJson(*result, o.request).dump(2) << "\n";
  } else if (o.format == "csv") {
    out << stats::StatsCsv(*result, vi);
  } else {
    out << stats::StatsTable(*result, o.request, vi);
  }
  return 0;
}

struct ImportCliOptions {
  std::string file;
  std::string format;  // csv | jsonl | "" (by extension)
  intake::ImportOptions options;
};

int ImportContacts(const RuntimeOptions& ro, const ImportCliOptions& o, std::ostream& out, std::ostream& err) {
  std::string format = o.format;
  if (format.empty()) {
    format = (o.file.size() > 4 && o.file.substr(o.file.size() - 4) == ".csv") ? "csv" : "jsonl";
  }
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return Report(err, Error::NotFound("cannot read " + o.file));
  auto rows = format == "csv" ? intake::ReadContactsCsv(in) : intake::ReadContactsJsonLines(in);
  if (!rows) {
    Error e = rows.error();
    e.message = o.file + ": " + e.message;
    return Report(err, e);
  }
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  auto report = (*rt)->contacts().Import(CliPrincipal(), std::move(*rows), o.options);
  if (!report) return Report(err, report.error());
  for (const auto& [line, e] : report->errors) {
    std::string what = e.message;
    if (!e.fields.empty()) {
      what.clear();
      for (size_t i = 0; i < e.fields.size(); ++i) {
        what += (i ? "; " : "") + e.fields[i].field + ": " + e.fields[i].message;
      }
    }
    err << o.file << ":" << line << ": " << what << "\n";
  }
  out << "childsafe: " << report->rows << " rows, " << report->written << " imported, "
      << report->errors.size() << " with errors, " << report->skipped_existing << " already present"
      << (o.options.dry_run ? " (dry run: nothing written)" : "") << "\n";
  if (!report->errors.empty() && !o.options.skip_invalid) {
    err << "childsafe: nothing was imported because some rows are invalid; fix them or use --skip-invalid\n";
    return 2;
  }
  return 0;
}

struct ExportCliOptions {
  std::string format = "jsonl";
  std::string output;
  bool with_sensitive = false;
  std::string from, to;
};

int ExportContacts(const RuntimeOptions& ro, const ExportCliOptions& o, std::ostream& out, std::ostream& err) {
  intake::ContactFilter filter;
  if (!o.from.empty()) {
    auto d = ParseDate(o.from, "--from");
    if (!d) return Report(err, d.error());
    filter.from = *d;
  }
  if (!o.to.empty()) {
    auto d = ParseDate(o.to, "--to");
    if (!d) return Report(err, d.error());
    filter.to = *d;
  }
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  std::ofstream file;
  std::ostream* dest = &out;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!file) return Report(err, Error::Unavailable("cannot write " + o.output));
    ::chmod(o.output.c_str(), 0600);  // exports may hold personal data
    dest = &file;
  }
  bool csv = o.format == "csv";
  if (csv) *dest << CsvLine(intake::ContactCsvHeader(o.with_sensitive)) << "\r\n";
  size_t n = 0;
  auto st = (*rt)->contacts().Export(CliPrincipal(), filter, o.with_sensitive,
                                     [&](const intake::ContactView& v) -> Status {
                                       if (csv) {
                                         *dest << CsvLine(intake::ContactCsvRow(v.contact, o.with_sensitive)) << "\r\n";
                                       } else {
                                         *dest << intake::EncodeContact(v.contact, v.extras, {o.with_sensitive}).dump() << "\n";
                                       }
                                       ++n;
                                       if (!*dest) return Fail(Error::Unavailable("write failed"));
                                       return {};
                                     });
  if (!st) return Report(err, st.error());
  dest->flush();
  if (!o.output.empty()) out << "childsafe: exported " << n << " contacts to " << o.output << "\n";
  return 0;
}

}  // namespace

int Run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"childsafe — nền tảng Tổng đài 111 bảo vệ trẻ em / the Hotline 111 child-protection platform",
               "childsafe"};
  app.require_subcommand(1);
  RuntimeOptions ro;
  std::string log_level = "info", log_file;
  app.add_option("--data-dir", ro.data_dir, "Taxonomy, provinces and permission files (default: ./data)");
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  app.add_option("--log-file", log_file, "Write the JSON log here instead of stderr");
  auto db_options = [&](CLI::App* c) {
    c->add_option("--db", ro.db_path, "SQLite database file")->capture_default_str();
    c->add_option("--master-key", ro.master_key, "Master key file (default: master.key beside the database)");
  };

  ServeOptions so;
  CLI::App* serve = app.add_subcommand("serve", "Chạy máy chủ / run the HTTP server");
  db_options(serve);
  serve->add_option("--addr", so.host, "Listen address (loopback by default)")->capture_default_str();
  serve->add_option("--port", so.port, "Listen port")->capture_default_str()->check(CLI::Range(0, 65535));
  serve->add_option("--threads", so.threads, "Worker threads (one per open keep-alive connection)")
      ->capture_default_str()->check(CLI::Range(2, 1024));

  CLI::App* migrate = app.add_subcommand("migrate", "Tạo/cập nhật cơ sở dữ liệu / create or migrate the database");
  db_options(migrate);

  uint64_t seed = 111;
  std::string demo_from = "2021-06-01", demo_to = "2025-06-01";
  CLI::App* demo = app.add_subcommand("demo-data", "Tạo dữ liệu mẫu / write the demo dataset into a new database");
  db_options(demo);
  demo->add_option("--seed", seed, "Same seed, same data")->capture_default_str();
  demo->add_option("--from", demo_from, "First local date")->capture_default_str();
  demo->add_option("--to", demo_to, "Last local date (exclusive)")->capture_default_str();

  StatsCliOptions sto;
  CLI::App* stats_cmd = app.add_subcommand("stats", "Thống kê / statistics for a period");
  db_options(stats_cmd);
  stats_cmd->add_option("--from", sto.request.from, "First local date (YYYY-MM-DD or dd/mm/yyyy)")->required();
  stats_cmd->add_option("--to", sto.request.to, "Last local date, exclusive")->required();
  stats_cmd->add_flag("--online", sto.online, "Only contacts about abuse in the online environment");
  stats_cmd->add_option("--by", sto.request.by, "Groupings, comma-separated: " + [] {
    std::string s;
    for (auto d : stats::DimensionNames()) s += (s.empty() ? "" : ", ") + std::string(d);
    return s;
  }())->delimiter(',');
  stats_cmd->add_option("--channel", sto.request.query.channels)->delimiter(',');
  stats_cmd->add_option("--call-type", sto.request.query.call_types)->delimiter(',');
  stats_cmd->add_option("--outcome", sto.request.query.outcomes)->delimiter(',');
  stats_cmd->add_option("--centre", sto.request.query.centres)->delimiter(',');
  stats_cmd->add_option("--category", sto.request.query.categories)->delimiter(',');
  stats_cmd->add_option("--min-cell", sto.request.query.min_cell, "Suppress counts below this (published figures)")
      ->check(CLI::Range(0, 100));
  stats_cmd->add_option("--format", sto.format, "table, csv or json")->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  stats_cmd->add_option("--lang", sto.lang, "vi or en")->check(CLI::IsMember({"vi", "en"}))->capture_default_str();

  CLI::App* contacts = app.add_subcommand("contacts", "Nhập/xuất cuộc gọi / import and export contacts");
  contacts->require_subcommand(1);
  ImportCliOptions io;
  CLI::App* import = contacts->add_subcommand("import", "Import contacts from CSV or JSON Lines");
  db_options(import);
  import->add_option("file", io.file, "CSV (.csv) or JSON Lines file")->required();
  import->add_option("--format", io.format, "csv or jsonl (default: by extension)")->check(CLI::IsMember({"csv", "jsonl"}));
  import->add_flag("--dry-run", io.options.dry_run, "Check every row, write nothing");
  import->add_flag("--skip-invalid", io.options.skip_invalid, "Import the good rows and report the bad");
  import->add_flag("--skip-existing", io.options.skip_existing, "Skip rows whose reference exists already");
  ExportCliOptions eo;
  CLI::App* export_cmd = contacts->add_subcommand("export", "Export contacts as JSON Lines or CSV");
  db_options(export_cmd);
  export_cmd->add_option("--format", eo.format, "jsonl or csv")->check(CLI::IsMember({"jsonl", "csv"}))->capture_default_str();
  export_cmd->add_option("-o,--output", eo.output, "File to write (mode 0600; default: standard output)");
  export_cmd->add_flag("--with-sensitive", eo.with_sensitive, "Include summaries and identities (decrypted)");
  export_cmd->add_option("--from", eo.from, "First local date");
  export_cmd->add_option("--to", eo.to, "Last local date, exclusive");

  std::string token_name, token_role = "administrator";
  int token_days = 0;
  CLI::App* token = app.add_subcommand("token", "API tokens");
  token->require_subcommand(1);
  CLI::App* token_create = token->add_subcommand("create", "Create an API token (printed once)");
  db_options(token_create);
  token_create->add_option("--name", token_name, "Who or what will use it")->required();
  token_create->add_option("--role", token_role, "A role of data/auth/permissions.json")->capture_default_str();
  token_create->add_option("--expires-days", token_days, "Days until it expires (0: never)")->check(CLI::Range(0, 3650));

  CLI::App* keys = app.add_subcommand("keys", "Encryption keys");
  keys->require_subcommand(1);
  CLI::App* rotate = keys->add_subcommand("rotate", "Rotate the master key (re-wraps data keys; no downtime)");
  db_options(rotate);

  CLI::App* check = app.add_subcommand("check", "Kiểm tra toàn vẹn / check the database's integrity");
  db_options(check);
  app.add_subcommand("openapi", "Print the OpenAPI document of the HTTP API");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return 0;
    }
    std::string msg = e.what();
    for (auto* sub : app.get_subcommands()) {
      for (auto* subsub : sub->get_subcommands()) {
        if (subsub->parsed()) sub = subsub;
      }
      if (sub->parsed()) msg += " (see childsafe " + sub->get_name() + " --help)";
    }
    err << "childsafe: " << msg << "\n";
    return 2;
  }

  log::Options lo;
  log::ParseLevel(log_level, lo.level);
  lo.file = log_file;
  log::Init(lo);

  if (*serve) return Serve(ro, so, out, err);
  if (*migrate) {
    ro.migrate = true;
    auto rt = Runtime::Open(ro);
    if (!rt) return Report(err, rt.error());
    auto info = (*rt)->db().Info();
    out << "childsafe: " << ro.db_path << " is at schema version " << (info ? info->schema_version : 0) << "\n";
    return 0;
  }
  if (*demo) return DemoData(ro, seed, demo_from, demo_to, out, err);
  if (*stats_cmd) return Stats(ro, sto, out, err);
  if (*import) return ImportContacts(ro, io, out, err);
  if (*export_cmd) return ExportContacts(ro, eo, out, err);
  if (*token_create) {
    auto rt = Runtime::Open(ro);
    if (!rt) return Report(err, rt.error());
    if (!(*rt)->permissions().HasRole(token_role)) {
      return Report(err, Error::InvalidField("--role", field_codes::kUnknownCode, "no such role"));
    }
    UnixSeconds now = SystemClock::Instance().Now();
    std::optional<UnixSeconds> expires;
    if (token_days > 0) expires = now + static_cast<int64_t>(token_days) * kSecondsPerDay;
    auto t = auth::IssueToken((*rt)->db(), token_name, token_role, expires, now);
    if (!t) return Report(err, t.error());
    out << t->token << "\n";
    return 0;
  }
  if (*rotate) {
    auto rt = Runtime::Open(ro);
    if (!rt) return Report(err, rt.error());
    auto id = auth::RotateMasterKey((*rt)->db(), (*rt)->master_key_path());
    if (!id) return Report(err, id.error());
    out << "childsafe: master key rotated (now key " << *id << " in " << (*rt)->master_key_path() << ")\n";
    return 0;
  }
  if (*check) {
    auto rt = Runtime::Open(ro);
    if (!rt) return Report(err, rt.error());
    auto st = (*rt)->db().CheckIntegrity();
    if (!st) return Report(err, st.error());
    auto info = (*rt)->db().Info();
    out << "childsafe: " << ro.db_path << " ok (" << (info ? info->driver : "") << ", schema "
        << (info ? info->schema_version : 0) << ", " << (info ? info->file_bytes : 0) << " bytes)\n";
    return 0;
  }
  if (app.got_subcommand("openapi")) {
    out << api::ServedOpenApiDocument().dump(2) << "\n";
    return 0;
  }
  return 2;
}

}  // namespace childsafe::cli
