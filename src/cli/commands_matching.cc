// Known-image matching on the command line: hash, match, bank import|list|enable|disable|export,
// evidence purge. Adapters over imagehash::HashImage and matching::MatchService.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <memory>
#include <ostream>

#include "cli/command.h"
#include "imagehash/image_hash.h"
#include "matching/match_json.h"
#include "matching/match_service.h"

namespace childsafe::cli {

namespace {

using nlohmann::json;

// Files read whole: images up to this size (uploads over HTTP are limited far lower).
constexpr uintmax_t kMaxImageFile = 512ull << 20;

// Pads to a width in characters (not bytes: the headings are Vietnamese).
std::string Pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
  return chars >= width ? s + " " : s + std::string(width - chars, ' ');
}

// 1234567 -> "1.234.567" (Vietnamese grouping).
std::string Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return out;
}

Result<std::string> ReadWholeFile(const std::string& path, uintmax_t max_bytes,
                                  const std::string& field) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(
        Error::InvalidField(field, field_codes::kInvalidFormat, "not a readable file: " + path));
  }
  if (std::filesystem::file_size(path, ec) > max_bytes) {
    return Fail(
        Error::TooLarge(path + " is larger than " + std::to_string(max_bytes >> 20) + " MiB"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Unavailable("cannot read " + path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ---- hash ----------------------------------------------------------------------------------

struct HashCli {
  std::vector<std::string> files;
  bool dihedral = false, fast = false, json = false, exif = false;
  std::string flavor = "fullres";
};

int Hash(const HashCli& o, Io& io) {
  imagehash::HashOptions ho;
  ho.dihedral = o.dihedral;
  ho.mode = o.fast ? imagehash::HashMode::kFast : imagehash::HashMode::kExact;
  ho.flavor = o.flavor == "ref512" ? imagehash::PdqFlavor::kRef512 : imagehash::PdqFlavor::kFullRes;
  ho.apply_exif_orientation = o.exif;
  int failed = 0;
  for (const auto& file : o.files) {
    auto bytes = ReadWholeFile(file, kMaxImageFile, "file");
    Result<imagehash::ImageHashes> h =
        bytes ? imagehash::HashImage(Bytes(*bytes), ho) : Fail(bytes.error());
    if (!h) {
      ++failed;
      io.err << "childsafe: " << file << ": " << h.error().message << "\n";
      continue;
    }
    if (o.json) {
      json j = matching::ImageHashesJson(*h);
      j["file"] = file;
      io.out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      continue;
    }
    io.out << file << "  " << imagehash::ImageFormatName(h->info.format) << " " << h->info.width
           << "×" << h->info.height << (h->path == imagehash::HashPath::kFast ? "  (fast)" : "")
           << "\n"
           << "  pdq     " << h->pdq.ToHex() << "  chất lượng / quality " << h->quality
           << (h->QualityOk() ? "" : "  (thấp, không dùng để so khớp / too low to match)") << "\n"
           << "  md5     " << h->digests.md5 << "\n"
           << "  sha1    " << h->digests.sha1 << "\n"
           << "  sha256  " << h->digests.sha256 << "\n";
    if (h->has_dihedral) {
      for (int i = 1; i < imagehash::kDihedralCount; ++i) {
        io.out << "  " << std::left << std::setw(11)
               << imagehash::DihedralName(static_cast<imagehash::Dihedral>(i))
               << h->dihedral[i].ToHex() << "\n";
      }
    }
  }
  return failed ? 2 : 0;
}

// ---- match ---------------------------------------------------------------------------------

struct MatchCli {
  std::vector<std::string> items, banks;
  int radius = 31;
  bool dihedral = false, fast = false, json = false;
  std::string type = "pdq";
};

void PrintOutcome(std::ostream& out, const std::string& what, const matching::MatchOutcome& o) {
  switch (o.status) {
    case matching::MatchStatus::kMatch:
      out << what << ": KHỚP / MATCH — " << Count(o.total) << " kết quả / matches\n";
      break;
    case matching::MatchStatus::kNoMatch:
      out << what << ": không khớp / no match\n";
      break;
    case matching::MatchStatus::kLowQuality:
      out << what << ": chất lượng ảnh thấp, không so khớp PDQ / quality too low to match PDQ\n";
      break;
    case matching::MatchStatus::kSuppressed:
      out << what << ": khớp với mục đã biết là nhầm, bỏ qua / matches withheld by a negative "
          << "bank (" << o.suppressed << ")\n";
      break;
  }
  for (const auto& m : o.matches) {
    out << "  " << m.bank << "  mục / entry " << m.entry_id
        << (m.source_entry_id.empty() ? "" : " (" + m.source_entry_id + ")") << "  "
        << hashlist::HashTypeName(m.hash_type) << "  khoảng cách / distance " << m.distance;
    if (!m.labels.empty()) {
      out << "  nhãn / labels";
      for (const auto& l : m.labels) out << " " << l;
    }
    out << "\n";
  }
}

int Match(const RuntimeOptions& ro, const MatchCli& o, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  matching::MatchService& s = (*rt)->matching();
  if (auto st = s.Load(); !st) return Report(io.err, st.error());
  const auth::Principal who = CliPrincipal();
  const auto default_64 =
      o.type == "sha256" ? hashlist::HashType::kSha256 : hashlist::HashType::kPdq;
  matching::MatchRequest request;
  request.radius = o.radius;
  request.banks = o.banks;
  int failed = 0;
  for (size_t i = 0; i < o.items.size(); ++i) {
    const std::string& item = o.items[i];
    std::error_code ec;
    const bool is_file = std::filesystem::exists(item, ec);
    json j;
    if (is_file) {
      auto bytes = ReadWholeFile(item, kMaxImageFile, "file");
      if (!bytes) {
        ++failed;
        Report(io.err, bytes.error());
        continue;
      }
      matching::ImageMatchRequest r;
      r.match = request;
      r.dihedral = o.dihedral;
      r.fast = o.fast;
      auto m = s.MatchImage(who, Bytes(*bytes), r);
      if (!m) {
        ++failed;
        io.err << "childsafe: " << item << ": ";
        Report(io.err, m.error());
        continue;
      }
      if (o.json) {
        j = matching::MatchOutcomeJson(m->outcome);
        j["file"] = item;
        j["image"] = matching::ImageHashesJson(m->hashes);
      } else {
        PrintOutcome(io.out, item, m->outcome);
      }
    } else {
      auto q = matching::ParseHashArgument(item, default_64, "argument " + std::to_string(i + 1));
      if (!q) {
        ++failed;
        Report(io.err, q.error());
        continue;
      }
      auto m = s.MatchHashes(who, {*q}, request);
      if (!m) {
        ++failed;
        Report(io.err, m.error());
        continue;
      }
      if (o.json) {
        j = matching::MatchOutcomeJson(m->at(0));
        j["hash"] = std::string(hashlist::HashTypeName(q->type)) + ":" + q->hex;
      } else {
        PrintOutcome(io.out, std::string(hashlist::HashTypeName(q->type)) + ":" + q->hex, m->at(0));
      }
    }
    if (o.json) io.out << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  return failed ? 2 : 0;
}

// ---- bank ----------------------------------------------------------------------------------

struct ImportCli {
  std::string file;
  matching::ImportRequest request;
  std::string default_type;
  bool json = false;
};

int Import(const RuntimeOptions& ro, ImportCli& o, Io& io) {
  auto text = ReadWholeFile(o.file, uintmax_t{64} << 30, "file");
  if (!text) return Report(io.err, text.error());
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  o.request.file_name = o.file;
  if (!o.default_type.empty()) o.request.default_type = hashlist::ParseHashType(o.default_type);
  auto report = (*rt)->matching().Import(CliPrincipal(), o.request, *text);
  if (!report) return Report(io.err, report.error());
  const matching::ImportReport& r = *report;
  if (o.json) {
    io.out << matching::ImportReportJson(r).dump(2) << "\n";
  } else {
    for (const auto& w : r.warnings) io.err << "childsafe: cảnh báo / warning: " << w << "\n";
    size_t shown = 0;
    for (const auto& e : r.errors) {
      if (++shown > 20) break;
      io.err << "  dòng / line " << e.line << ":";
      for (const auto& p : e.problems) {
        io.err << " " << (p.field.empty() ? "" : p.field + ": ") << p.message << ";";
      }
      io.err << "\n";
    }
    if (r.errors.size() > 20 || r.rejected > r.errors.size()) {
      io.err << "  ... " << Count(r.rejected - std::min<size_t>(r.rejected, 20))
             << " dòng lỗi khác / more bad rows\n";
    }
    const std::string counts =
        Count(r.rows) + " dòng / rows, " + Count(r.added) + " mã mới / new hashes, " +
        Count(r.duplicates) + " trùng / duplicates, " + Count(r.withdrawn) +
        " rút lại / withdrawn, " + Count(r.rejected) + " dòng lỗi / bad rows";
    if (r.committed) {
      io.out << "childsafe: đã nhập vào / imported into " << r.bank << " (lần nhập / import "
             << r.import_id << (r.bank_created ? ", danh sách mới / new bank" : "")
             << "): " << counts << "\n";
    } else if (o.request.dry_run) {
      io.out << "childsafe: kiểm tra, chưa ghi gì / checked, nothing written: " << counts << "\n";
    } else if (r.rejected > 0) {
      io.err << "childsafe: tệp có dòng lỗi, không nhập gì / the file has bad rows; nothing was "
                "imported (--keep-good-rows imports the good ones): "
             << counts << "\n";
      return 2;
    } else {
      io.out << "childsafe: không có gì mới để nhập / nothing new to import: " << counts << "\n";
    }
  }
  if (!r.committed && !o.request.dry_run && r.rejected > 0) return 2;
  return 0;
}

int ListBanks(const RuntimeOptions& ro, bool as_json, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto banks = (*rt)->matching().ListBanks(CliPrincipal());
  if (!banks) return Report(io.err, banks.error());
  if (as_json) {
    json items = json::array();
    for (const auto& b : *banks) items.push_back(matching::BankSummaryJson(b));
    io.out << json{{"items", items}}.dump(2) << "\n";
    return 0;
  }
  io.out << Pad("tên / name", 24) << Pad("bật / on", 11) << Pad("loại / kind", 15)
         << Pad("số mã / hashes", 16) << Pad("nhập lần cuối / last import", 29)
         << "nguồn / source — giấy phép / licence\n";
  for (const auto& b : *banks) {
    io.out << Pad(b.bank.name, 24) << Pad(b.bank.enabled ? "có / yes" : "không / no", 11)
           << Pad(b.bank.negative ? "âm / negative" : "dương / pos.", 15)
           << Pad(Count(static_cast<uint64_t>(b.entries)), 16)
           << Pad(b.last_import_at ? FormatDateTimeVi(*b.last_import_at) : "-", 29) << b.bank.source
           << " — " << b.bank.licence << "\n";
  }
  return 0;
}

int SetEnabled(const RuntimeOptions& ro, const std::string& name, bool enabled, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  auto b = (*rt)->matching().SetBankEnabled(CliPrincipal(), name, enabled);
  if (!b) return Report(io.err, b.error());
  io.out << "childsafe: " << name << (enabled ? " đã bật / enabled" : " đã tắt / disabled")
         << " (máy chủ đang chạy áp dụng trong vài giây / running servers follow within seconds)\n";
  return 0;
}

struct ExportCli {
  std::string name, format = "csv", output;
};

int Export(const RuntimeOptions& ro, const ExportCli& o, Io& io) {
  auto rt = Runtime::Open(ro);
  if (!rt) return Report(io.err, rt.error());
  const auto format =
      o.format == "jsonl" ? matching::ExportFormat::kJsonLines : matching::ExportFormat::kCsv;
  if (o.output.empty()) {
    auto st = (*rt)->matching().Export(CliPrincipal(), o.name, format, io.out);
    return st ? 0 : Report(io.err, st.error());
  }
  // Hash lists are licensed: the file is readable by its owner only.
  const std::string tmp = o.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::chmod(tmp.c_str(), 0600);
    if (!out) return Report(io.err, Error::Unavailable("cannot write " + o.output));
    auto st = (*rt)->matching().Export(CliPrincipal(), o.name, format, out);
    out.flush();
    if (!st || !out) {
      std::filesystem::remove(tmp);
      return Report(io.err, st ? Error::Unavailable("cannot write " + o.output) : st.error());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, o.output, ec);
  if (ec) return Report(io.err, Error::Unavailable("cannot write " + o.output));
  io.out << "childsafe: đã xuất / exported " << o.name << " → " << o.output << "\n";
  return 0;
}

}  // namespace

void RegisterMatchingCommands(Registry& r) {
  CLI::App& app = r.app();
  RuntimeOptions& ro = r.options();

  auto ho = std::make_shared<HashCli>();
  CLI::App* hash = app.add_subcommand(
      "hash", "Tính mã băm ảnh / hash images: PDQ, quality, MD5, SHA-1, SHA-256");
  hash->add_option("files", ho->files, "Image files (JPEG, PNG, WebP, GIF, BMP)")->required();
  hash->add_flag("--dihedral", ho->dihedral, "Also print the 8 rotations and mirrors");
  hash->add_flag("--fast", ho->fast,
                 "Large JPEGs: decode at reduced scale (a few bits from the exact hash)");
  hash->add_flag("--json", ho->json, "One JSON object per file");
  hash->add_flag("--exif", ho->exif, "Apply the EXIF orientation first (lists are made without)");
  hash->add_option("--flavor", ho->flavor, "fullres (HMA, Java) or ref512 (the reference tool)")
      ->check(CLI::IsMember({"fullres", "ref512"}))
      ->capture_default_str();
  r.Add(hash, [ho](Io& io) { return Hash(*ho, io); });

  auto mo = std::make_shared<MatchCli>();
  CLI::App* match = app.add_subcommand(
      "match", "So khớp ảnh hoặc mã băm với danh sách / match images or hashes against the banks");
  r.AddDbOptions(match);
  match
      ->add_option("items", mo->items,
                   "Image files, or hashes: pdq:HEX, md5:HEX, sha1:HEX, sha256:HEX or bare hex")
      ->required();
  match->add_option("--bank", mo->banks,
                    "Only this bank (repeatable; default: every enabled bank)");
  match->add_option("--radius", mo->radius, "PDQ match radius in bits")
      ->check(CLI::Range(0, 48))
      ->capture_default_str();
  match->add_flag("--dihedral", mo->dihedral, "Images: also match rotations and mirrors");
  match->add_flag("--fast", mo->fast, "Images: fast JPEG decode");
  match->add_option("--type", mo->type, "What bare 64-digit hashes are")
      ->check(CLI::IsMember({"pdq", "sha256"}))
      ->capture_default_str();
  match->add_flag("--json", mo->json, "One JSON object per item");
  r.Add(match, [&ro, mo](Io& io) { return Match(ro, *mo, io); });

  CLI::App* bank = app.add_subcommand("bank", "Danh sách mã băm / hash banks");
  bank->require_subcommand(1);
  auto io_opts = std::make_shared<ImportCli>();
  CLI::App* import = bank->add_subcommand(
      "import", "Import a hash list (CSV or JSON Lines) into a bank, creating it if needed");
  r.AddDbOptions(import);
  import->add_option("file", io_opts->file, "The list (docs/formats/hash-list.md)")->required();
  import->add_option("--name", io_opts->request.bank, "The bank, e.g. IWF_2025")->required();
  import->add_option("--source", io_opts->request.source,
                     "Who supplied the list (required for a new bank)");
  import->add_option("--licence", io_opts->request.licence,
                     "The licence or agreement it is used under (required for a new bank)");
  import->add_option("--description", io_opts->request.description, "What the list holds");
  import->add_option("--label", io_opts->request.labels,
                     "Label for rows that carry none, e.g. A (repeatable)");
  import->add_flag("--negative", io_opts->request.negative,
                   "A negative bank: known false positives that suppress matches");
  import->add_flag("--keep-good-rows", io_opts->request.keep_good_rows,
                   "Import the good rows of a file that has bad ones (which are reported)");
  import->add_flag("--dry-run", io_opts->request.dry_run, "Check every row, write nothing");
  import->add_flag("--replace", io_opts->request.replace,
                   "The file is the bank's full list: it replaces the current entries");
  import->add_option("--default-type", io_opts->default_type, "What untyped 64-digit values are")
      ->check(CLI::IsMember({"pdq", "sha256"}));
  import->add_flag("--json", io_opts->json, "The report as JSON");
  r.Add(import, [&ro, io_opts](Io& io) { return Import(ro, *io_opts, io); });

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = bank->add_subcommand("list", "List the banks with their provenance");
  r.AddDbOptions(list);
  list->add_flag("--json", *list_json, "As JSON");
  r.Add(list, [&ro, list_json](Io& io) { return ListBanks(ro, *list_json, io); });

  for (bool enable : {true, false}) {
    auto name = std::make_shared<std::string>();
    CLI::App* c =
        bank->add_subcommand(enable ? "enable" : "disable",
                             enable ? "Enable a bank" : "Disable a bank (stops matching)");
    r.AddDbOptions(c);
    c->add_option("name", *name, "The bank")->required();
    r.Add(c, [&ro, name, enable](Io& io) { return SetEnabled(ro, *name, enable, io); });
  }

  auto eo = std::make_shared<ExportCli>();
  CLI::App* exp = bank->add_subcommand("export", "Export a bank's live entries (audited)");
  r.AddDbOptions(exp);
  exp->add_option("name", eo->name, "The bank")->required();
  exp->add_option("--format", eo->format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  exp->add_option("-o,--output", eo->output, "File to write (mode 0600; default: standard output)");
  r.Add(exp, [&ro, eo](Io& io) { return Export(ro, *eo, io); });

  auto days = std::make_shared<int>(90);
  CLI::App* evidence = app.add_subcommand("evidence", "Ảnh bằng chứng / kept evidence images");
  evidence->require_subcommand(1);
  CLI::App* purge = evidence->add_subcommand("purge", "Delete kept images older than --days");
  r.AddDbOptions(purge);
  purge->add_option("--days", *days, "Keep this many days")
      ->check(CLI::Range(0, 36500))
      ->capture_default_str();
  r.Add(purge, [&ro, days](Io& io) {
    auto rt = Runtime::Open(ro);
    if (!rt) return Report(io.err, rt.error());
    auto n = (*rt)->matching().PurgeEvidence(CliPrincipal(), *days);
    if (!n) return Report(io.err, n.error());
    io.out << "childsafe: đã xoá / deleted " << Count(static_cast<uint64_t>(*n))
           << " ảnh bằng chứng / evidence images\n";
    return 0;
  });
}

}  // namespace childsafe::cli
