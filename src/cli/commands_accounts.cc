// Accounts and data protection on the command line: user add|disable|enable|reset-password|list,
// audit verify, retention run, subject export|erase.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <ostream>

#include "cli/command.h"
#include "intake/contact_json.h"

namespace childsafe::cli {

namespace {

// Reads a password from standard input (one line), so it never appears in `ps` or shell history.
std::optional<std::string> ReadPasswordLine() {
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

struct UserAdd {
  std::string username, display_name, role, centre, agency;
  bool password_stdin = false;
};

int AddUser(const RuntimeOptions& ro, const UserAdd& a, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auth::NewUser nu{a.username, a.display_name, a.role, a.centre, a.agency, std::nullopt};
  if (a.password_stdin) {
    nu.password = ReadPasswordLine();
    if (!nu.password)
      return Report(io.err, Error::InvalidField("password", field_codes::kRequired,
                                                "no password on standard input"));
  }
  auto created = (*rt)->accounts().CreateUser(CliPrincipal(), nu);
  if (!created) return Report(io.err, created.error());
  io.out << "childsafe: đã tạo tài khoản / created account '" << created->user.username << "' ("
         << created->user.role << ")\n";
  if (!created->initial_password.empty()) {
    io.out << "\n  Mật khẩu tạm thời (đổi khi đăng nhập lần đầu) / temporary password (change it "
              "at first sign-in):\n\n    "
           << created->initial_password << "\n";
  }
  if (!created->totp_uri.empty()) {
    io.out << "\n  Mã xác thực một lần (thêm vào ứng dụng xác thực) / one-time codes (add to an "
              "authenticator app):\n"
           << "    secret: " << created->totp_secret_base32 << "\n    " << created->totp_uri << "\n"
           << "\n  Mã khôi phục, mỗi mã dùng một lần / recovery codes, each usable once:\n    ";
    for (size_t i = 0; i < created->recovery_codes.size(); ++i) {
      io.out << created->recovery_codes[i] << (i % 5 == 4 ? "\n    " : "  ");
    }
    io.out << "\n  Những thông tin này chỉ hiện một lần / shown once only.\n";
  }
  return 0;
}

int ChangeUser(const RuntimeOptions& ro, const std::string& username, std::optional<bool> disabled,
               Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto u = (*rt)->accounts().FindUser(username);
  if (!u) return Report(io.err, u.error());
  auth::UserChanges c;
  c.disabled = disabled;
  auto changed = (*rt)->accounts().UpdateUser(CliPrincipal(), u->id, c);
  if (!changed) return Report(io.err, changed.error());
  io.out << "childsafe: " << changed->username
         << (changed->disabled_at ? " disabled (sessions ended)" : " enabled") << "\n";
  return 0;
}

int ResetPassword(const RuntimeOptions& ro, const std::string& username, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto u = (*rt)->accounts().FindUser(username);
  if (!u) return Report(io.err, u.error());
  auto pw = (*rt)->accounts().ResetPassword(CliPrincipal(), u->id);
  if (!pw) return Report(io.err, pw.error());
  io.out << "childsafe: temporary password for " << u->username
         << " (shown once; sessions ended):\n\n    " << *pw << "\n";
  return 0;
}

int ListUsers(const RuntimeOptions& ro, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto users = (*rt)->accounts().ListUsers(CliPrincipal());
  if (!users) return Report(io.err, users.error());
  for (const auto& u : *users) {
    io.out << u.username << "\t" << u.role << "\t" << (u.centre.empty() ? "-" : u.centre) << "\t"
           << (u.disabled_at ? "disabled" : "active") << "\t"
           << (u.totp_secret.empty() ? "no-2fa" : "2fa") << "\t" << u.display_name << "\n";
  }
  return 0;
}

int VerifyAudit(const RuntimeOptions& ro, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto report = (*rt)->audit().Verify((*rt)->db());
  if (!report) return Report(io.err, report.error());
  if (report->first_bad_seq) {
    io.err << "childsafe: audit trail broken at entry " << *report->first_bad_seq << ": "
           << report->problem << "\n";
    return 5;
  }
  io.out << "childsafe: audit trail intact (" << report->entries << " entries)\n";
  return 0;
}

int Retention(const RuntimeOptions& ro, int days, bool dry_run, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto report = (*rt)->contacts().RunRetention(CliPrincipal(), days, dry_run);
  if (!report) return Report(io.err, report.error());
  io.out << "childsafe: " << report->due << " contacts received before "
         << FormatDateVi(LocalDayOf(report->cutoff))
         << " hold narrative or identity and are not on legal hold; "
         << (dry_run ? "dry run, nothing erased"
                     : std::to_string(report->erased) + " erased (coded fields kept)")
         << "\n";
  return 0;
}

struct Subject {
  std::string phone;
  std::vector<std::string> references;
  std::string reason;
};

int SubjectExport(const RuntimeOptions& ro, const Subject& s, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auth::Principal who = CliPrincipal();
  who.reason = s.reason;
  auto views = (*rt)->contacts().SubjectExport(who, {s.phone, s.references});
  if (!views) return Report(io.err, views.error());
  nlohmann::json out = {{"generated_at", FormatTimestampUtc(SystemClock::Instance().Now())},
                        {"contacts", nlohmann::json::array()}};
  for (const auto& v : *views)
    out["contacts"].push_back(intake::EncodeContact(v.contact, v.extras, {}));
  io.out << out.dump(2) << "\n";
  return 0;
}

int SubjectErase(const RuntimeOptions& ro, const Subject& s, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auth::Principal who = CliPrincipal();
  who.reason = s.reason;
  auto r = (*rt)->contacts().SubjectErase(who, {s.phone, s.references});
  if (!r) return Report(io.err, r.error());
  io.out << "childsafe: erased the narrative and identity of " << r->first << " contacts"
         << (r->second ? "; " + std::to_string(r->second) + " on legal hold were left" : "")
         << "\n";
  return 0;
}

}  // namespace

void RegisterAccountCommands(Registry& r) {
  CLI::App& app = r.app();
  RuntimeOptions& ro = r.options();

  CLI::App* user = app.add_subcommand("user", "Tài khoản / user accounts");
  user->require_subcommand(1);
  auto add = std::make_shared<UserAdd>();
  CLI::App* user_add =
      user->add_subcommand("add", "Create an account (a temporary password is printed once)");
  r.AddDbOptions(user_add);
  user_add->add_option("--username", add->username, "Sign-in name: a-z, 0-9, . _ -")->required();
  user_add->add_option("--display-name", add->display_name, "Name shown to colleagues")->required();
  user_add
      ->add_option("--role", add->role,
                   "administrator, supervisor, counsellor, content_analyst, partner, manager")
      ->required();
  user_add->add_option("--centre", add->centre, "Call centre (hanoi, danang, angiang)");
  user_add->add_option("--agency", add->agency, "Partner agency");
  user_add->add_flag("--password-stdin", add->password_stdin,
                     "Read the password from standard input");
  r.Add(user_add, [&ro, add](Io& io) { return AddUser(ro, *add, io); });

  auto target = std::make_shared<std::string>();
  for (const char* verb : {"disable", "enable", "reset-password"}) {
    CLI::App* c =
        user->add_subcommand(verb, std::string(verb) == "reset-password"
                                       ? "Give a new temporary password and end the user's sessions"
                                       : std::string(verb) + " an account");
    r.AddDbOptions(c);
    c->add_option("username", *target)->required();
    std::string v = verb;
    r.Add(c, [&ro, target, v](Io& io) {
      if (v == "reset-password") return ResetPassword(ro, *target, io);
      return ChangeUser(ro, *target, v == "disable", io);
    });
  }
  CLI::App* user_list = user->add_subcommand("list", "List accounts");
  r.AddDbOptions(user_list);
  r.Add(user_list, [&ro](Io& io) { return ListUsers(ro, io); });

  CLI::App* audit = app.add_subcommand("audit", "Nhật ký truy cập / the audit trail");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check the chain; report the first altered, removed or moved entry");
  r.AddDbOptions(verify);
  r.Add(verify, [&ro](Io& io) { return VerifyAudit(ro, io); });

  auto ret = std::make_shared<std::pair<int, bool>>(1826, false);
  CLI::App* retention = app.add_subcommand("retention", "Lưu trữ / retention");
  retention->require_subcommand(1);
  CLI::App* run = retention->add_subcommand(
      "run", "Erase narrative and identity of old contacts (coded fields stay)");
  r.AddDbOptions(run);
  run->add_option("--max-age-days", ret->first, "Keep personal data this long (default 5 years)")
      ->capture_default_str()
      ->check(CLI::Range(30, 36500));
  run->add_flag("--dry-run", ret->second, "Only say what would be erased");
  r.Add(run, [&ro, ret](Io& io) { return Retention(ro, ret->first, ret->second, io); });

  auto subj = std::make_shared<Subject>();
  CLI::App* subject = app.add_subcommand(
      "subject", "Yêu cầu của chủ thể dữ liệu / requests of the person concerned");
  subject->require_subcommand(1);
  for (const char* verb : {"export", "erase"}) {
    CLI::App* c = subject->add_subcommand(verb, std::string(verb) == "export"
                                                    ? "All data about one person, as JSON"
                                                    : "Erase one person's narrative and identity");
    r.AddDbOptions(c);
    c->add_option("--phone", subj->phone, "The caller's phone number");
    c->add_option("--reference", subj->references, "Contact references, comma-separated")
        ->delimiter(',');
    c->add_option("--reason", subj->reason, "The request (e.g. its number and date)")->required();
    std::string v = verb;
    r.Add(c, [&ro, subj, v](Io& io) {
      return v == "export" ? SubjectExport(ro, *subj, io) : SubjectErase(ro, *subj, io);
    });
  }
}

}  // namespace childsafe::cli
