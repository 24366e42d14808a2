#include "matching/bank_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/log.h"
#include "common/memory.h"
#include "crypto/crypto.h"
#include "hamming/index_file.h"

namespace childsafe::matching {

namespace {

using Clock = std::chrono::steady_clock;
using imagehash::Hash256;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <size_t N>
std::array<uint8_t, N> ToArray(std::string_view raw) {
  std::array<uint8_t, N> a{};
  std::memcpy(a.data(), raw.data(), std::min(raw.size(), N));
  return a;
}

Hash256 PdqFromRaw(std::string_view raw) {
  std::array<uint8_t, 32> bytes{};
  std::memcpy(bytes.data(), raw.data(), std::min<size_t>(raw.size(), 32));
  return Hash256::FromBigEndianBytes(bytes);
}

// Hash for the tombstone maps (the values are digests or perceptual hashes: well mixed already).
struct RawHash {
  size_t operator()(const std::string& s) const {
    uint64_t h = 0;
    std::memcpy(&h, s.data(), std::min<size_t>(s.size(), 8));
    return static_cast<size_t>(h ^ (s.size() * 0x9E3779B97F4A7C15ull));
  }
};

// Everything read from the entries of some imports, before it is put into tables.
struct Collected {
  std::vector<hamming::IndexEntry> pdq;
  std::vector<DigestTable<16>::Item> md5;
  std::vector<DigestTable<20>::Item> sha1;
  std::vector<DigestTable<32>::Item> sha256;
  // Tombstones: type name + raw value -> the highest tombstone id.
  std::unordered_map<std::string, int64_t, RawHash> tombstones;
};

std::string TombstoneKey(std::string_view type, std::string_view value) {
  std::string key(value);
  key += '/';
  key += type;
  return key;
}

Status Collect(storage::ReadTxn& t, int64_t import_id, const std::string& type, Collected& out) {
  return t.ScanBankHashes(import_id, type, [&](const storage::BankHashRef& r) -> Status {
    auto parsed = StoredHashType(r.hash_type);
    if (!parsed || r.value.size() != RawLength(*parsed)) {
      return Fail(Error::DataLoss("a bank entry is damaged",
                                  "entry " + std::to_string(r.id) + " has a bad type or length"));
    }
    if (r.tombstone) {
      int64_t& id = out.tombstones[TombstoneKey(r.hash_type, r.value)];
      id = std::max(id, r.id);
      return {};
    }
    switch (*parsed) {
      case HashType::kPdq:
        out.pdq.push_back({PdqFromRaw(r.value), static_cast<uint64_t>(r.id)});
        break;
      case HashType::kMd5:
        out.md5.push_back({ToArray<16>(r.value), r.id});
        break;
      case HashType::kSha1:
        out.sha1.push_back({ToArray<20>(r.value), r.id});
        break;
      case HashType::kSha256:
        out.sha256.push_back({ToArray<32>(r.value), r.id});
        break;
    }
    return {};
  });
}

// Drops items withdrawn by a tombstone with a higher id.
template <class Item, class RawOf, class IdOf>
void ApplyTombstones(std::vector<Item>& items, std::string_view type, const Collected& c,
                     RawOf raw_of, IdOf id_of) {
  if (c.tombstones.empty()) return;
  std::erase_if(items, [&](const Item& item) {
    auto it = c.tombstones.find(TombstoneKey(type, raw_of(item)));
    return it != c.tombstones.end() && it->second > id_of(item);
  });
}

std::string PdqRaw(const hamming::IndexEntry& e) {
  auto b = e.hash.ToBigEndianBytes();
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
template <class Item>
std::string DigestRaw(const Item& i) {
  return std::string(reinterpret_cast<const char*>(i.value.data()), i.value.size());
}

template <size_t N>
std::shared_ptr<const DigestTable<N>> Merge(const DigestTable<N>* old,
                                            std::vector<typename DigestTable<N>::Item> added,
                                            std::string_view type, const Collected& c) {
  std::vector<typename DigestTable<N>::Item> items;
  if (old) items = old->items();
  items.insert(items.end(), added.begin(), added.end());
  if (!c.tombstones.empty()) {
    std::erase_if(items, [&](const typename DigestTable<N>::Item& i) {
      auto it = c.tombstones.find(TombstoneKey(type, DigestRaw(i)));
      return it != c.tombstones.end() && it->second > i.id;
    });
  }
  return std::make_shared<const DigestTable<N>>(std::move(items));
}

std::string NoteOf(const storage::HashBank& bank, const std::vector<storage::BankImport>& imports,
                   const std::string& db_key) {
  // What the cache must agree with: the database's identity, the bank's content version and the
  // committed imports (id, file and commit time, so a restored backup that diverged is noticed).
  nlohmann::json j = {{"format", 1},
                      {"db_key", db_key},
                      {"bank_id", bank.id},
                      {"content_version", bank.content_version}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : imports) {
    if (i.state != "committed") continue;
    list.push_back(std::to_string(i.id) + ":" + i.file_sha256 + ":" +
                   std::to_string(i.committed_at.value_or(0)));
  }
  j["imports"] = list;
  return j.dump();
}

std::optional<uint32_t> TrailerCrc(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(-static_cast<std::streamoff>(hamming::kIndexFileTrailerSize), std::ios::end);
  uint8_t b[4];
  if (!in.read(reinterpret_cast<char*>(b), 4)) return std::nullopt;
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}

bool WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << data;
    if (!out.flush()) return false;
  }
  ::chmod(tmp.c_str(), 0600);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

size_t RawLength(HashType type) {
  switch (type) {
    case HashType::kPdq:
      return 32;
    case HashType::kMd5:
      return 16;
    case HashType::kSha1:
      return 20;
    case HashType::kSha256:
      return 32;
  }
  return 0;
}

std::optional<HashType> StoredHashType(std::string_view name) {
  if (name == "pdq") return HashType::kPdq;
  if (name == "md5") return HashType::kMd5;
  if (name == "sha1") return HashType::kSha1;
  if (name == "sha256") return HashType::kSha256;
  return std::nullopt;
}

template <size_t N>
DigestTable<N>::DigestTable(std::vector<Item> items) : items_(std::move(items)) {
  std::sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
    return a.value != b.value ? a.value < b.value : a.id < b.id;
  });
  items_.shrink_to_fit();
}

template <size_t N>
void DigestTable<N>::Find(std::string_view value, std::vector<int64_t>& ids) const {
  if (value.size() != N) return;
  std::array<uint8_t, N> key = ToArray<N>(value);
  auto it = std::lower_bound(
      items_.begin(), items_.end(), key,
      [](const Item& item, const std::array<uint8_t, N>& k) { return item.value < k; });
  for (; it != items_.end() && it->value == key; ++it) ids.push_back(it->id);
}

template class DigestTable<16>;
template class DigestTable<20>;
template class DigestTable<32>;

size_t LoadedBank::entries() const {
  return (pdq ? pdq->size() : 0) + (md5 ? md5->size() : 0) + (sha1 ? sha1->size() : 0) +
         (sha256 ? sha256->size() : 0);
}

size_t LoadedBank::memory_bytes() const {
  return (pdq ? pdq->Stats().memory_bytes : 0) + (md5 ? md5->memory_bytes() : 0) +
         (sha1 ? sha1->memory_bytes() : 0) + (sha256 ? sha256->memory_bytes() : 0);
}

BankIndex::BankIndex(BankIndexOptions options)
    : options_(std::move(options)), banks_(std::make_shared<const BankMap>()) {}

BankIndex::~BankIndex() = default;

std::shared_ptr<const BankIndex::BankMap> BankIndex::Current() const {
  std::lock_guard lock(publish_mu_);
  return banks_;
}

void BankIndex::Publish(std::shared_ptr<const BankMap> banks) {
  std::lock_guard lock(publish_mu_);
  banks_ = std::move(banks);
}

bool BankIndex::loaded() const {
  std::lock_guard lock(publish_mu_);
  return loaded_;
}

std::shared_ptr<const LoadedBank> BankIndex::Bank(int64_t bank_id) const {
  auto banks = Current();
  auto it = banks->find(bank_id);
  return it == banks->end() ? nullptr : it->second;
}

std::optional<int64_t> BankIndex::EnabledBankId(const std::string& name) const {
  for (const auto& [id, b] : *Current()) {
    if (b->bank.name == name) return id;
  }
  return std::nullopt;
}

Status BankIndex::Refresh(storage::Database& db, std::optional<int64_t> only_bank) {
  std::lock_guard refresh(refresh_mu_);
  std::vector<storage::HashBank> banks;
  std::map<int64_t, std::vector<storage::BankImport>> imports;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(banks, t.ListHashBanks());
    for (const auto& b : banks) {
      if (only_bank && b.id != *only_bank) continue;
      CS_TRY(imports[b.id], t.ListBankImports(b.id));
    }
    return {};
  }));
  CS_TRY_STATUS(ReadDbKey(db));

  auto current = Current();
  auto next = std::make_shared<BankMap>();
  bool built = false;
  if (only_bank) *next = *current;  // other banks stay as they are
  for (const auto& bank : banks) {
    if (only_bank && bank.id != *only_bank) continue;
    next->erase(bank.id);
    if (!bank.enabled) continue;
    std::vector<int64_t> committed;
    for (const auto& i : imports[bank.id]) {
      if (i.state == "committed") committed.push_back(i.id);
    }
    auto old = current->find(bank.id);
    std::shared_ptr<const LoadedBank> loaded;
    if (old != current->end() && old->second->bank.content_version == bank.content_version &&
        std::vector<int64_t>(old->second->imports.begin(), old->second->imports.end()) ==
            committed) {
      if (old->second->bank.version == bank.version) {
        loaded = old->second;
      } else {  // only the bank's description or provenance changed
        auto copy = std::make_shared<LoadedBank>(*old->second);
        copy->bank = bank;
        loaded = copy;
      }
    } else if (old != current->end() &&
               std::includes(committed.begin(), committed.end(), old->second->imports.begin(),
                             old->second->imports.end())) {
      CS_TRY(loaded, Extend(db, bank, *old->second, committed));
      built = true;
      SaveCache(*loaded, imports[bank.id]);
    } else {
      CS_TRY(loaded, Build(db, bank, committed, imports[bank.id]));
      built = true;
    }
    (*next)[bank.id] = std::move(loaded);
  }
  const bool rebuilt = built;
  Publish(std::move(next));
  {
    std::lock_guard lock(publish_mu_);
    loaded_ = true;
  }
  // A build frees a few hundred megabytes of temporary arrays (the entries as read) that the
  // allocator would otherwise keep (tcmalloc's page heap, glibc's heap), counting against the
  // process for good: measured 1.2 GB instead of 0.78 GB with a 10M-hash bank.
  if (rebuilt) ReleaseFreeMemory();
  return {};
}

Result<std::shared_ptr<const LoadedBank>> BankIndex::Build(
    storage::Database& db, const storage::HashBank& bank, const std::vector<int64_t>& committed,
    const std::vector<storage::BankImport>& imports) {
  const auto started = Clock::now();
  auto out = std::make_shared<LoadedBank>();
  out->bank = bank;
  out->imports = std::set<int64_t>(committed.begin(), committed.end());
  std::shared_ptr<hamming::HammingIndex> cached = LoadCache(bank, imports);
  Collected c;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    for (int64_t import_id : committed) {
      if (cached) {
        for (const char* type : {"md5", "sha1", "sha256"})
          CS_TRY_STATUS(Collect(t, import_id, type, c));
      } else {
        CS_TRY_STATUS(Collect(t, import_id, "", c));
      }
    }
    return {};
  }));
  auto digest_raw = [](const auto& i) { return DigestRaw(i); };
  auto digest_id = [](const auto& i) { return i.id; };
  ApplyTombstones(c.md5, "md5", c, digest_raw, digest_id);
  ApplyTombstones(c.sha1, "sha1", c, digest_raw, digest_id);
  ApplyTombstones(c.sha256, "sha256", c, digest_raw, digest_id);
  if (cached) {
    out->pdq = std::move(cached);
    out->loaded_from = "cache";
  } else {
    ApplyTombstones(
        c.pdq, "pdq", c, [](const hamming::IndexEntry& e) { return PdqRaw(e); },
        [](const hamming::IndexEntry& e) { return static_cast<int64_t>(e.id); });
    out->pdq = std::make_shared<hamming::HammingIndex>(c.pdq);
    out->loaded_from = "database";
    c.pdq = {};
  }
  out->md5 = std::make_shared<const DigestTable<16>>(std::move(c.md5));
  out->sha1 = std::make_shared<const DigestTable<20>>(std::move(c.sha1));
  out->sha256 = std::make_shared<const DigestTable<32>>(std::move(c.sha256));
  out->load_seconds = Since(started);
  log::Info("matching.bank_loaded", {{"bank_id", bank.id},
                                     {"entries", out->entries()},
                                     {"from", out->loaded_from},
                                     {"seconds", out->load_seconds},
                                     {"bytes", out->memory_bytes()}});
  if (out->loaded_from == "database") SaveCache(*out, imports);
  return std::shared_ptr<const LoadedBank>(std::move(out));
}

Result<std::shared_ptr<const LoadedBank>> BankIndex::Extend(storage::Database& db,
                                                            const storage::HashBank& bank,
                                                            const LoadedBank& old,
                                                            const std::vector<int64_t>& committed) {
  const auto started = Clock::now();
  // Read everything first: the shared PDQ index is changed only once nothing can fail.
  Collected c;
  std::vector<int64_t> added;
  for (int64_t id : committed) {
    if (!old.imports.count(id)) added.push_back(id);
  }
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    for (int64_t import_id : added) CS_TRY_STATUS(Collect(t, import_id, "", c));
    return {};
  }));
  auto out = std::make_shared<LoadedBank>(old);
  out->bank = bank;
  out->imports.insert(added.begin(), added.end());
  // New PDQ entries first (a tombstone in the same import withdraws earlier rows of it too).
  if (!c.pdq.empty()) out->pdq->Add(c.pdq);
  if (!c.tombstones.empty()) {
    std::vector<uint64_t> remove;
    for (const auto& [key, tomb_id] : c.tombstones) {
      if (key.size() != 32 + 4 || key.compare(32, 4, "/pdq") != 0) continue;
      auto found = out->pdq->Search(PdqFromRaw(std::string_view(key).substr(0, 32)), 0);
      if (!found) continue;
      for (const auto& m : *found) {
        if (static_cast<int64_t>(m.id) < tomb_id) remove.push_back(m.id);
      }
    }
    if (!remove.empty()) out->pdq->Remove(remove);
  }
  out->md5 = Merge<16>(old.md5.get(), std::move(c.md5), "md5", c);
  out->sha1 = Merge<20>(old.sha1.get(), std::move(c.sha1), "sha1", c);
  out->sha256 = Merge<32>(old.sha256.get(), std::move(c.sha256), "sha256", c);
  out->loaded_from = "incremental";
  out->load_seconds = Since(started);
  log::Info("matching.bank_extended", {{"bank_id", bank.id},
                                       {"imports", added.size()},
                                       {"entries", out->entries()},
                                       {"seconds", out->load_seconds}});
  return std::shared_ptr<const LoadedBank>(std::move(out));
}

Status BankIndex::ReadDbKey(storage::Database& db) {
  if (options_.cache_dir.empty() || !db_key_.empty()) return {};
  // The database's identity in the cache notes: a cache left by another database at the same
  // path must never be taken for this one's.
  std::string key = crypto::RandomToken(16);
  CS_TRY_STATUS(db.Write([&](storage::WriteTxn& t) -> Status {
    CS_TRY(auto existing, t.GetSetting("matching.cache_key"));
    if (existing) {
      key = *existing;
      return {};
    }
    return t.PutSetting("matching.cache_key", key);
  }));
  db_key_ = key;
  return {};
}

std::shared_ptr<hamming::HammingIndex> BankIndex::LoadCache(
    const storage::HashBank& bank, const std::vector<storage::BankImport>& imports) const {
  if (options_.cache_dir.empty() || db_key_.empty()) return nullptr;
  const std::string base = options_.cache_dir + "/bank-" + std::to_string(bank.id);
  std::ifstream note_in(base + ".json");
  if (!note_in) return nullptr;
  std::string note((std::istreambuf_iterator<char>(note_in)), std::istreambuf_iterator<char>());
  auto j = nlohmann::json::parse(note, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("note") || !j.contains("crc") ||
      !j["note"].is_string() || !j["crc"].is_number_unsigned() ||
      j["note"].get<std::string>() != NoteOf(bank, imports, db_key_)) {
    return nullptr;
  }
  auto crc = TrailerCrc(base + ".pdq");
  if (!crc || *crc != j["crc"].get<uint32_t>()) return nullptr;
  auto index = hamming::LoadIndexFile(base + ".pdq");
  if (!index) {
    log::Warn("matching.cache_ignored",
              {{"bank_id", bank.id}, {"code", std::string(ErrorCodeName(index.error().code))}});
    return nullptr;
  }
  return std::make_shared<hamming::HammingIndex>(std::move(*index));
}

void BankIndex::SaveCache(const LoadedBank& bank,
                          const std::vector<storage::BankImport>& imports) const {
  if (options_.cache_dir.empty() || db_key_.empty() || !bank.pdq) return;
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  ::chmod(options_.cache_dir.c_str(), 0700);
  const std::string base = options_.cache_dir + "/bank-" + std::to_string(bank.bank.id);
  // The index file first, then the note naming its checksum: a crash in between leaves a note
  // that does not match the file, which is ignored.
  auto st = hamming::SaveIndexFile(bank.pdq->Snapshot(), base + ".pdq");
  auto crc = st ? TrailerCrc(base + ".pdq") : std::nullopt;
  nlohmann::json j = {{"note", NoteOf(bank.bank, imports, db_key_)}};
  if (crc) j["crc"] = *crc;
  if (!crc || !WriteFileAtomically(base + ".json", j.dump())) {
    log::Warn("matching.cache_not_saved", {{"bank_id", bank.bank.id}});
    std::filesystem::remove(base + ".json", ec);
  }
}

Result<LookupResult> BankIndex::Find(const Lookup& q, const LookupOptions& o) const {
  if (o.radius < 0 || o.radius > kMaxRadius) {
    return Fail(Error::InvalidField("radius", field_codes::kOutOfRange,
                                    "must be between 0 and " + std::to_string(kMaxRadius)));
  }
  if (q.pdq.size() > static_cast<size_t>(hamming::kMaxVariants)) {
    return Fail(Error::InvalidField("pdq", field_codes::kOutOfRange, "at most 8 variants"));
  }
  LookupResult r;
  const bool use_pdq = !q.pdq.empty() && !(q.pdq_quality && *q.pdq_quality < o.min_quality);
  r.low_quality = !q.pdq.empty() && !use_pdq;
  auto banks = Current();
  std::vector<Hit> positive;
  std::vector<int64_t> ids;
  for (const auto& [bank_id, bank] : *banks) {
    const bool negative = bank->bank.negative;
    if (!negative && !o.banks.empty() &&
        std::find(o.banks.begin(), o.banks.end(), bank_id) == o.banks.end()) {
      continue;
    }
    std::vector<Hit>& out = negative ? r.negative : positive;
    if (use_pdq && bank->pdq && bank->pdq->size() > 0) {
      auto found = q.pdq.size() == 1 ? bank->pdq->Search(q.pdq[0], o.radius)
                                     : bank->pdq->SearchVariants(q.pdq, o.radius);
      if (!found) return Fail(found.error());
      for (const auto& m : *found) {
        out.push_back({bank_id, static_cast<int64_t>(m.id), HashType::kPdq, m.distance, m.variant});
      }
    }
    auto digest = [&](const std::string& value, HashType type, auto& table) {
      if (value.empty() || !table) return;
      ids.clear();
      table->Find(value, ids);
      for (int64_t id : ids) out.push_back({bank_id, id, type, 0, 0});
    };
    digest(q.md5, HashType::kMd5, bank->md5);
    digest(q.sha1, HashType::kSha1, bank->sha1);
    digest(q.sha256, HashType::kSha256, bank->sha256);
  }
  // A known false positive wins over a match at the same or a greater distance. An exact-file
  // negative (a digest) means this very file is known to be innocent: it withholds every match.
  std::optional<int> negative_pdq;
  bool negative_file = false;
  for (const Hit& h : r.negative) {
    if (h.type == HashType::kPdq) {
      negative_pdq = std::min(negative_pdq.value_or(h.distance), h.distance);
    } else {
      negative_file = true;
    }
  }
  for (const Hit& h : positive) {
    const bool withheld =
        negative_file || (h.type == HashType::kPdq && negative_pdq && *negative_pdq <= h.distance);
    (withheld ? r.suppressed : r.hits).push_back(h);
  }
  auto order = [](const Hit& a, const Hit& b) {
    return std::tie(a.distance, a.bank_id, a.entry_id, a.type) <
           std::tie(b.distance, b.bank_id, b.entry_id, b.type);
  };
  std::sort(r.hits.begin(), r.hits.end(), order);
  std::sort(r.suppressed.begin(), r.suppressed.end(), order);
  std::sort(r.negative.begin(), r.negative.end(), order);
  return r;
}

bool LoadedBank::Contains(HashType type, std::string_view raw) const {
  if (raw.size() != RawLength(type)) return false;
  std::vector<int64_t> ids;
  switch (type) {
    case HashType::kPdq: {
      if (!pdq) return false;
      auto found = pdq->Search(PdqFromRaw(raw), 0);
      return found && !found->empty();
    }
    case HashType::kMd5:
      if (md5) md5->Find(raw, ids);
      break;
    case HashType::kSha1:
      if (sha1) sha1->Find(raw, ids);
      break;
    case HashType::kSha256:
      if (sha256) sha256->Find(raw, ids);
      break;
  }
  return !ids.empty();
}

Result<std::shared_ptr<const LoadedBank>> BankIndex::LoadOne(storage::Database& db,
                                                             int64_t bank_id) {
  std::lock_guard refresh(refresh_mu_);
  std::optional<storage::HashBank> bank;
  std::vector<storage::BankImport> imports;
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    CS_TRY(bank, t.GetHashBank(bank_id));
    if (bank) {
      CS_TRY(imports, t.ListBankImports(bank_id));
    }
    return {};
  }));
  if (!bank) return Fail(Error::NotFound("no such bank"));
  CS_TRY_STATUS(ReadDbKey(db));
  std::vector<int64_t> committed;
  for (const auto& i : imports) {
    if (i.state == "committed") committed.push_back(i.id);
  }
  return Build(db, *bank, committed, imports);
}

std::vector<LoadedBankInfo> BankIndex::Banks() const {
  std::vector<LoadedBankInfo> out;
  for (const auto& [id, b] : *Current()) {
    LoadedBankInfo i;
    i.bank_id = id;
    i.name = b->bank.name;
    i.negative = b->bank.negative;
    i.content_version = b->bank.content_version;
    i.pdq = b->pdq ? b->pdq->size() : 0;
    i.md5 = b->md5 ? b->md5->size() : 0;
    i.sha1 = b->sha1 ? b->sha1->size() : 0;
    i.sha256 = b->sha256 ? b->sha256->size() : 0;
    i.memory_bytes = b->memory_bytes();
    i.loaded_from = b->loaded_from;
    i.load_seconds = b->load_seconds;
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace childsafe::matching
