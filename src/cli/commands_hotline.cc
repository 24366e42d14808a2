// The hotline core's commands: serve, migrate, demo-data, stats, contacts import|export,
// token create, keys rotate, check, openapi.
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <ostream>
#include <thread>

#include "api/server.h"
#include "auth/tokens.h"
#include "cli/command.h"
#include "common/csv.h"
#include "common/log.h"
#include "common/memory.h"
#include "demo/demo_data.h"
#include "intake/contact_csv.h"
#include "stats/stats_query.h"

namespace childsafe::cli {

namespace {

// ---- serve -------------------------------------------------------------------------------------

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8111;
  int threads = 64;
  std::string web_root;
  bool behind_tls = false;
  std::vector<std::string> trusted_proxies, allowed_origins;
  int max_upload_mib = 20;        // image uploads to POST /api/v1/match
  int bank_refresh_seconds = 10;  // how soon bank changes by other processes are picked up
};

int Serve(const RuntimeOptions& ro, const ServeOptions& so, std::ostream& out, std::ostream& err) {
  // Signals are taken by one thread with sigwait; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);  // reload the triage lexicon
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto rt = Runtime::Open(ro);
  if (!rt) return Report(err, rt.error());
  Runtime& r = **rt;
  // The triage lexicon compiles before the server listens: a bad one stops the start here rather
  // than the first message (later, a bad reload is refused and the running engine stays).
  if (auto loaded = r.triage().LoadEngine(); !loaded) return Report(err, loaded.error());
  int64_t admins = 0;
  (void)r.db().Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(admins, t.CountActiveUsers("administrator"));
    return {};
  });
  if (admins == 0) {
    out << "\nchildsafe: chưa có quản trị viên. Tạo người đầu tiên bằng dòng lệnh:\n"
        << "childsafe: no administrator yet. Create the first on the command line:\n\n"
        << "    childsafe user add --db " << ro.db_path
        << " --username admin --display-name 'Quản trị viên' --role administrator\n\n";
    out.flush();
  }

  stats::StatsIndex index(r.taxonomy(), r.provinces());
  r.contacts().AddListener([&index](const storage::ContactFacts& f) { index.Upsert(f); });
  std::atomic<bool> ready{false};
  api::Backend backend{r.db(),
                       r.contacts(),
                       index,
                       r.taxonomy(),
                       r.provinces(),
                       r.permissions(),
                       SystemClock::Instance(),
                       &ready,
                       r.accounts(),
                       r.audit(),
                       &r.matching(),
                       &r.triage()};
  api::ServerOptions options;
  options.host = so.host;
  options.port = so.port;
  options.threads = so.threads;
  options.web_root = so.web_root;
  options.behind_tls = so.behind_tls;
  options.trusted_proxies = so.trusted_proxies;
  options.allowed_origins = so.allowed_origins;
  options.max_upload_bytes = static_cast<size_t>(so.max_upload_mib) << 20;
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
    // The rows read to build the index are freed by now: about 100 MB that tcmalloc would keep.
    ReleaseFreeMemory();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    log::Info("stats.loaded",
              {{"contacts", index.contacts()}, {"seconds", s}, {"bytes", index.memory_bytes()}});
    ready = true;
  });
  // The enabled hash banks load beside the statistics (POST /api/v1/match answers 503 until they
  // have); then changes made by other processes (`childsafe bank import`) are picked up.
  std::thread bank_loader([&] {
    auto loaded = r.matching().Load();
    if (!loaded) {
      log::Error("matching.load_failed", {{"code", std::string(ErrorCodeName(loaded.error().code))},
                                          {"detail", loaded.error().detail}});
    }
    r.matching().StartRefresh(std::chrono::seconds(so.bank_refresh_seconds));
  });
  pthread_t main_thread = pthread_self();
  (void)main_thread;
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    while (true) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig == SIGHUP && !stopping.load()) {
        auth::Principal who = auth::Principal::System();
        who.reason = "SIGHUP";
        auto reloaded = r.triage().Reload(who);  // logged and audited either way
        if (reloaded) {
          out << "childsafe: đã nạp lại bộ từ điển / lexicon reloaded: " << *reloaded << "\n";
        } else {
          out << "childsafe: bộ từ điển mới bị từ chối, giữ bản đang chạy / new lexicon refused, "
                 "the running one stays\n";
        }
        out.flush();
        continue;
      }
      if (!stopping.exchange(true)) log::Info("server.stopping", {{"signal", sig}});
      r.triage().Shutdown();  // alert streams end now rather than at their next wake-up
      server.Stop();
      return;
    }
  });
  out << "childsafe: máy chủ đang chạy tại / serving on http://" << so.host << ":" << *port
      << "  (Ctrl-C để dừng / to stop)\n";
  out.flush();
  log::Info("server.listening", {{"host", so.host}, {"port", *port}, {"db", ro.db_path}});
  auto st = server.Run();
  if (!stopping.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  loader.join();
  bank_loader.join();
  r.matching().Stop();
  log::Info("server.stopped");
  log::Flush();
  if (!st) return Report(err, st.error());
  return 0;
}

// ---- other commands ----------------------------------------------------------------------------

int DemoData(const RuntimeOptions& ro_in, uint64_t seed, const std::string& from,
             const std::string& to, std::ostream& out, std::ostream& err) {
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
    return Report(err,
                  Error::Precondition(ro.db_path + " already holds " + std::to_string(existing) +
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
      << stats::GroupDigits(report->online_contacts, true)
      << " về xâm hại trẻ em trên môi trường mạng: "
      << stats::GroupDigits(report->online_counselling, true) << " tư vấn, "
      << report->online_intervention << " can thiệp kết nối, " << report->online_report
      << " phản ánh) trong " << took << " giây\n"
      << "childsafe: generated " << stats::GroupDigits(report->contacts, false)
      << " demo contacts in " << took << " s into " << ro.db_path << "\n";
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
    out << stats::StatsJson(*result, o.request) << "\n";
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

int ImportContacts(const RuntimeOptions& ro, const ImportCliOptions& o, std::ostream& out,
                   std::ostream& err) {
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
    err << "childsafe: nothing was imported because some rows are invalid; fix them or use "
           "--skip-invalid\n";
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

int ExportContacts(const RuntimeOptions& ro, const ExportCliOptions& o, std::ostream& out,
                   std::ostream& err) {
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
  auto st = (*rt)->contacts().Export(
      CliPrincipal(), filter, o.with_sensitive, [&](const intake::ContactView& v) -> Status {
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

int Migrate(RuntimeOptions ro, Io& io) {
  ro.migrate = true;
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto info = (*rt)->db().Info();
  io.out << "childsafe: " << ro.db_path << " is at schema version "
         << (info ? info->schema_version : 0) << "\n";
  return 0;
}

int CreateToken(const RuntimeOptions& ro, const std::string& name, const std::string& role,
                const std::vector<std::string>& scopes, int days, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  UnixSeconds now = SystemClock::Instance().Now();
  std::optional<UnixSeconds> expires;
  if (days > 0) expires = now + static_cast<int64_t>(days) * kSecondsPerDay;
  auto t = (*rt)->accounts().CreateToken(CliPrincipal(), name, role, scopes, expires);
  if (!t) return Report(io.err, t.error());
  io.out << t->token << "\n";
  return 0;
}

int RotateKeys(const RuntimeOptions& ro, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto id = auth::RotateMasterKey((*rt)->db(), (*rt)->master_key_path());
  if (!id) return Report(io.err, id.error());
  io.out << "childsafe: master key rotated (now key " << *id << " in " << (*rt)->master_key_path()
         << ")\n";
  return 0;
}

int Check(const RuntimeOptions& ro, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto st = (*rt)->db().CheckIntegrity();
  if (!st) return Report(io.err, st.error());
  auto info = (*rt)->db().Info();
  io.out << "childsafe: " << ro.db_path << " ok (" << (info ? info->driver : "") << ", schema "
         << (info ? info->schema_version : 0) << ", " << (info ? info->file_bytes : 0)
         << " bytes)\n";
  return 0;
}

}  // namespace

void RegisterHotlineCommands(Registry& r) {
  CLI::App& app = r.app();
  RuntimeOptions& ro = r.options();

  auto so = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Chạy máy chủ / run the HTTP server");
  r.AddDbOptions(serve);
  serve->add_option("--addr", so->host, "Listen address (loopback by default)")
      ->capture_default_str();
  serve->add_option("--port", so->port, "Listen port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--threads", so->threads, "Worker threads (one per open keep-alive connection)")
      ->capture_default_str()
      ->check(CLI::Range(2, 1024));
  serve->add_option("--web-root", so->web_root,
                    "Serve the browser application's files from this folder");
  serve->add_flag("--behind-tls", so->behind_tls,
                  "TLS ends at a proxy in front: Secure cookies and HSTS");
  serve
      ->add_option("--trusted-proxy", so->trusted_proxies,
                   "Proxy addresses whose X-Forwarded-For is believed")
      ->delimiter(',');
  serve
      ->add_option("--allowed-origin", so->allowed_origins,
                   "Extra origins allowed to send changes with a session")
      ->delimiter(',');
  serve
      ->add_option("--idle-timeout-minutes", ro.accounts.idle_timeout_seconds,
                   "Sessions end after this idle time")
      ->transform([](std::string v) { return std::to_string(std::stoll(v) * 60); })
      ->check(CLI::Range(1, 24 * 60));
  serve
      ->add_option("--max-upload-mib", so->max_upload_mib,
                   "Largest image upload to POST /api/v1/match, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 512));
  serve
      ->add_option("--keep-evidence", ro.matching.keep_evidence,
                   "Keep uploaded images as encrypted evidence: off, matched or all")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, matching::EvidencePolicy>{
              {"off", matching::EvidencePolicy::kOff},
              {"matched", matching::EvidencePolicy::kMatched},
              {"all", matching::EvidencePolicy::kAll}},
          CLI::ignore_case))
      ->default_str("off");
  serve
      ->add_option("--hash-workers", ro.matching.hash_workers,
                   "Images hashed at once (each may use up to ~400 MB on hostile input)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve
      ->add_option("--bank-refresh-seconds", so->bank_refresh_seconds,
                   "Pick up hash-bank changes made by other processes this often")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  r.Add(serve, [&ro, so](Io& io) { return Serve(ro, *so, io.out, io.err); });

  CLI::App* migrate =
      app.add_subcommand("migrate", "Tạo/cập nhật cơ sở dữ liệu / create or migrate the database");
  r.AddDbOptions(migrate);
  r.Add(migrate, [&ro](Io& io) { return Migrate(ro, io); });

  struct Demo {
    uint64_t seed = 111;
    std::string from = "2021-06-01", to = "2025-06-01";
  };
  auto demo = std::make_shared<Demo>();
  CLI::App* demo_cmd = app.add_subcommand(
      "demo-data", "Tạo dữ liệu mẫu / write the demo dataset into a new database");
  r.AddDbOptions(demo_cmd);
  demo_cmd->add_option("--seed", demo->seed, "Same seed, same data")->capture_default_str();
  demo_cmd->add_option("--from", demo->from, "First local date")->capture_default_str();
  demo_cmd->add_option("--to", demo->to, "Last local date (exclusive)")->capture_default_str();
  r.Add(demo_cmd, [&ro, demo](Io& io) {
    return DemoData(ro, demo->seed, demo->from, demo->to, io.out, io.err);
  });

  auto sto = std::make_shared<StatsCliOptions>();
  CLI::App* stats_cmd = app.add_subcommand("stats", "Thống kê / statistics for a period");
  r.AddDbOptions(stats_cmd);
  stats_cmd->add_option("--from", sto->request.from, "First local date (YYYY-MM-DD or dd/mm/yyyy)")
      ->required();
  stats_cmd->add_option("--to", sto->request.to, "Last local date, exclusive")->required();
  stats_cmd->add_flag("--online", sto->online,
                      "Only contacts about abuse in the online environment");
  std::string dims;
  for (auto d : stats::DimensionNames()) dims += (dims.empty() ? "" : ", ") + std::string(d);
  stats_cmd->add_option("--by", sto->request.by, "Groupings, comma-separated: " + dims)
      ->delimiter(',');
  stats_cmd->add_option("--channel", sto->request.query.channels)->delimiter(',');
  stats_cmd->add_option("--call-type", sto->request.query.call_types)->delimiter(',');
  stats_cmd->add_option("--outcome", sto->request.query.outcomes)->delimiter(',');
  stats_cmd->add_option("--centre", sto->request.query.centres)->delimiter(',');
  stats_cmd->add_option("--category", sto->request.query.categories)->delimiter(',');
  stats_cmd
      ->add_option("--min-cell", sto->request.query.min_cell,
                   "Suppress counts below this (published figures)")
      ->check(CLI::Range(0, 100));
  stats_cmd->add_option("--format", sto->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  stats_cmd->add_option("--lang", sto->lang, "vi or en")
      ->check(CLI::IsMember({"vi", "en"}))
      ->capture_default_str();
  r.Add(stats_cmd, [&ro, sto](Io& io) { return Stats(ro, *sto, io.out, io.err); });

  CLI::App* contacts =
      app.add_subcommand("contacts", "Nhập/xuất cuộc gọi / import and export contacts");
  contacts->require_subcommand(1);
  auto io_opts = std::make_shared<ImportCliOptions>();
  CLI::App* import = contacts->add_subcommand("import", "Import contacts from CSV or JSON Lines");
  r.AddDbOptions(import);
  import->add_option("file", io_opts->file, "CSV (.csv) or JSON Lines file")->required();
  import->add_option("--format", io_opts->format, "csv or jsonl (default: by extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import->add_flag("--dry-run", io_opts->options.dry_run, "Check every row, write nothing");
  import->add_flag("--skip-invalid", io_opts->options.skip_invalid,
                   "Import the good rows and report the bad");
  import->add_flag("--skip-existing", io_opts->options.skip_existing,
                   "Skip rows whose reference exists already");
  r.Add(import, [&ro, io_opts](Io& io) { return ImportContacts(ro, *io_opts, io.out, io.err); });
  auto eo = std::make_shared<ExportCliOptions>();
  CLI::App* export_cmd = contacts->add_subcommand("export", "Export contacts as JSON Lines or CSV");
  r.AddDbOptions(export_cmd);
  export_cmd->add_option("--format", eo->format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}))
      ->capture_default_str();
  export_cmd->add_option("-o,--output", eo->output,
                         "File to write (mode 0600; default: standard output)");
  export_cmd->add_flag("--with-sensitive", eo->with_sensitive,
                       "Include summaries and identities (decrypted)");
  export_cmd->add_option("--from", eo->from, "First local date");
  export_cmd->add_option("--to", eo->to, "Last local date, exclusive");
  r.Add(export_cmd, [&ro, eo](Io& io) { return ExportContacts(ro, *eo, io.out, io.err); });

  struct Token {
    std::string name, role = "administrator";
    std::vector<std::string> scopes;
    int days = 0;
  };
  auto tok = std::make_shared<Token>();
  CLI::App* token = app.add_subcommand("token", "API tokens");
  token->require_subcommand(1);
  CLI::App* token_create = token->add_subcommand("create", "Create an API token (printed once)");
  r.AddDbOptions(token_create);
  token_create->add_option("--name", tok->name, "Who or what will use it")->required();
  token_create->add_option("--role", tok->role, "A role of data/auth/permissions.json")
      ->capture_default_str();
  token_create
      ->add_option("--scopes", tok->scopes, "Limit it to these permissions, comma-separated")
      ->delimiter(',');
  token_create->add_option("--expires-days", tok->days, "Days until it expires (0: never)")
      ->check(CLI::Range(0, 3650));
  r.Add(token_create, [&ro, tok](Io& io) {
    return CreateToken(ro, tok->name, tok->role, tok->scopes, tok->days, io);
  });

  CLI::App* keys = app.add_subcommand("keys", "Encryption keys");
  keys->require_subcommand(1);
  CLI::App* rotate =
      keys->add_subcommand("rotate", "Rotate the master key (re-wraps data keys; no downtime)");
  r.AddDbOptions(rotate);
  r.Add(rotate, [&ro](Io& io) { return RotateKeys(ro, io); });

  CLI::App* check =
      app.add_subcommand("check", "Kiểm tra toàn vẹn / check the database's integrity");
  r.AddDbOptions(check);
  r.Add(check, [&ro](Io& io) { return Check(ro, io); });

  CLI::App* openapi = app.add_subcommand("openapi", "Print the OpenAPI document of the HTTP API");
  r.Add(openapi, [](Io& io) {
    io.out << api::ServedOpenApiDocument().dump(2) << "\n";
    return 0;
  });
}

}  // namespace childsafe::cli
