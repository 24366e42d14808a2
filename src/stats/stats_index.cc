#include "stats/stats_index.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <unordered_map>

namespace childsafe::stats {

namespace {

const LocalDay kBaseDay = DaysFromCivil({2000, 1, 1});
constexpr uint8_t kUnknownCode = 254;  // a code this taxonomy does not know (older records)
constexpr uint8_t kAbsent = 255;       // not recorded / not applicable
constexpr uint16_t kUnknownSub = 0xFFFF;

struct DimInfo {
  Dimension dim;
  std::string_view name;
};

constexpr std::array<DimInfo, 19> kDims = {{
    {Dimension::kDay, "day"},
    {Dimension::kWeek, "week"},
    {Dimension::kMonth, "month"},
    {Dimension::kQuarter, "quarter"},
    {Dimension::kHalfYear, "half_year"},
    {Dimension::kYear, "year"},
    {Dimension::kChannel, "channel"},
    {Dimension::kCallType, "call_type"},
    {Dimension::kCallKind, "call_kind"},
    {Dimension::kCategory, "category"},
    {Dimension::kSubcategory, "subcategory"},
    {Dimension::kOutcome, "outcome"},
    {Dimension::kUrgency, "urgency"},
    {Dimension::kCentre, "centre"},
    {Dimension::kProvince, "province"},
    {Dimension::kAgeBand, "age_band"},
    {Dimension::kGender, "gender"},
    {Dimension::kCallerAgeBand, "caller_age_band"},
    {Dimension::kCallerGender, "caller_gender"},
}};

std::string Pad2(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

}  // namespace

// A dimension prepared for one query: how many keys, each row's key(s), each key's label.
struct KeySpace {
  Dimension dim;
  uint32_t cardinality = 0;
  std::vector<uint32_t> day_bucket;  // time dims: bucket of (day - from)
  std::vector<StatsLabel> labels;    // by key
};

namespace {

StatsLabel CodeLabel(const domain::Code& c) { return StatsLabel{c.code, c.label.vi, c.label.en}; }
StatsLabel Unknown() { return StatsLabel{"unknown", "Không rõ", "Unknown"}; }
StatsLabel UnknownCode() { return StatsLabel{"other_code", "Mã khác", "Other code"}; }
StatsLabel None() { return StatsLabel{"none", "Không áp dụng", "Not applicable"}; }

// Keys for a single-byte coded field: the set's codes, then "other code", then "not recorded".
KeySpace CodeSpace(Dimension d, const domain::CodeSet& set) {
  KeySpace k;
  k.dim = d;
  for (const auto& c : set.codes()) k.labels.push_back(CodeLabel(c));
  k.labels.push_back(UnknownCode());
  k.labels.push_back(Unknown());
  k.cardinality = static_cast<uint32_t>(k.labels.size());
  return k;
}

uint32_t CodeKey(uint8_t v, size_t set_size) {
  if (v == kAbsent) return static_cast<uint32_t>(set_size + 1);
  if (v == kUnknownCode || v >= set_size) return static_cast<uint32_t>(set_size);
  return v;
}

void TimeSpace(KeySpace& k, LocalDay from, LocalDay to) {
  CivilDate f = CivilFromDays(from);
  LocalDay w0 = WeekStart(from);
  for (LocalDay d = from; d < to; ++d) {
    CivilDate c = CivilFromDays(d);
    uint32_t b = 0;
    switch (k.dim) {
      case Dimension::kDay:
        b = static_cast<uint32_t>(d - from);
        break;
      case Dimension::kWeek:
        b = static_cast<uint32_t>((WeekStart(d) - w0) / 7);
        break;
      case Dimension::kMonth:
        b = static_cast<uint32_t>((c.year * 12 + c.month - 1) - (f.year * 12 + f.month - 1));
        break;
      case Dimension::kQuarter:
        b = static_cast<uint32_t>((c.year * 4 + (c.month - 1) / 3) -
                                  (f.year * 4 + (f.month - 1) / 3));
        break;
      case Dimension::kHalfYear:
        b = static_cast<uint32_t>((c.year * 2 + (c.month - 1) / 6) -
                                  (f.year * 2 + (f.month - 1) / 6));
        break;
      case Dimension::kYear:
        b = static_cast<uint32_t>(c.year - f.year);
        break;
      default:
        break;
    }
    k.day_bucket.push_back(b);
    if (b == k.labels.size()) {
      StatsLabel l;
      switch (k.dim) {
        case Dimension::kDay:
          l.code = FormatDateIso(d);
          l.vi = FormatDateVi(d);
          l.en = l.vi;
          break;
        case Dimension::kWeek: {
          IsoWeek w = IsoWeekOf(d);
          std::string code = std::to_string(w.year) + "-W" + Pad2(w.week);
          l = {code, "Tuần " + std::to_string(w.week) + "/" + std::to_string(w.year),
               "Week " + std::to_string(w.week) + " of " + std::to_string(w.year)};
          break;
        }
        case Dimension::kMonth: {
          std::string code = std::to_string(c.year) + "-" + Pad2(c.month);
          l = {code, "Tháng " + Pad2(c.month) + "/" + std::to_string(c.year),
               Pad2(c.month) + "/" + std::to_string(c.year)};
          break;
        }
        case Dimension::kQuarter: {
          int q = (c.month - 1) / 3 + 1;
          l = {std::to_string(c.year) + "-Q" + std::to_string(q),
               "Quý " + std::to_string(q) + "/" + std::to_string(c.year),
               "Q" + std::to_string(q) + " " + std::to_string(c.year)};
          break;
        }
        case Dimension::kHalfYear: {
          bool first = c.month <= 6;
          l = {std::to_string(c.year) + (first ? "-H1" : "-H2"),
               std::string(first ? "6 tháng đầu năm " : "6 tháng cuối năm ") +
                   std::to_string(c.year),
               std::string(first ? "January–June " : "July–December ") + std::to_string(c.year)};
          break;
        }
        case Dimension::kYear:
          l = {std::to_string(c.year), "Năm " + std::to_string(c.year), std::to_string(c.year)};
          break;
        default:
          break;
      }
      k.labels.push_back(std::move(l));
    }
  }
  k.cardinality = static_cast<uint32_t>(k.labels.size());
}

}  // namespace

std::optional<Dimension> ParseDimension(std::string_view name) {
  if (name == "half-year" || name == "halfyear") return Dimension::kHalfYear;
  for (const auto& d : kDims) {
    if (d.name == name) return d.dim;
  }
  return std::nullopt;
}

std::string_view DimensionName(Dimension d) {
  for (const auto& x : kDims) {
    if (x.dim == d) return x.name;
  }
  return "?";
}

bool IsTimeDimension(Dimension d) { return d <= Dimension::kYear; }

const std::vector<std::string_view>& DimensionNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& d : kDims) v.push_back(d.name);
    return v;
  }();
  return names;
}

StatsIndex::StatsIndex(const domain::Taxonomy& taxonomy, const domain::Provinces& provinces)
    : taxonomy_(taxonomy), provinces_(provinces) {
  rows_.resize(1);
  extras_.push_back(0);  // offset 0: no children
  extras_.push_back(0);  //           no categories
}

StatsIndex::FieldOf StatsIndex::SingleField(Dimension d) const {
  switch (d) {
    case Dimension::kChannel:
      return {&taxonomy_.channels(), &Row::channel};
    case Dimension::kCallType:
      return {&taxonomy_.call_types(), &Row::call_type};
    case Dimension::kOutcome:
      return {&taxonomy_.outcomes(), &Row::outcome};
    case Dimension::kUrgency:
      return {&taxonomy_.urgencies(), &Row::urgency};
    case Dimension::kCentre:
      return {&taxonomy_.centres(), &Row::centre};
    case Dimension::kCallerAgeBand:
      return {&taxonomy_.caller_age_bands(), &Row::caller_age_band};
    case Dimension::kCallerGender:
      return {&taxonomy_.genders(), &Row::caller_gender};
    default:
      return {};
  }
}

bool StatsIndex::IsManyValued(Dimension d) {
  return d == Dimension::kCategory || d == Dimension::kSubcategory || d == Dimension::kProvince ||
         d == Dimension::kAgeBand || d == Dimension::kGender;
}

uint8_t StatsIndex::Code(const domain::CodeSet& set, const std::string& code) const {
  if (code.empty()) return kAbsent;
  auto i = set.Find(code);
  return i && *i < kUnknownCode ? static_cast<uint8_t>(*i) : kUnknownCode;
}

void StatsIndex::Upsert(const storage::ContactFacts& f) {
  std::unique_lock lock(mu_);
  UpsertLocked(f);
}

void StatsIndex::UpsertLocked(const storage::ContactFacts& f) {
  if (f.id <= 0) return;
  size_t id = static_cast<size_t>(f.id);
  if (id >= rows_.size()) {
    size_t want = std::max(id + 1, rows_.size() + rows_.size() / 2);
    if (id < rows_.capacity()) want = std::min(want, rows_.capacity());  // within what was reserved
    rows_.resize(want);
  }
  Row& r = rows_[id];
  if ((r.flags & kPresent) && r.version > f.version) return;  // a late, older notification
  if (!(r.flags & kPresent)) ++present_;
  const uint8_t old_flags = r.flags;
  max_id_ = std::max(max_id_, f.id);
  LocalDay day = LocalDayOf(f.received_at);
  r.day = static_cast<uint16_t>(std::clamp<LocalDay>(day - kBaseDay, 0, 65535));
  for (auto [dim, value] : {std::pair{Dimension::kChannel, &f.channel},
                            {Dimension::kCallType, &f.call_type},
                            {Dimension::kOutcome, &f.outcome},
                            {Dimension::kCentre, &f.centre},
                            {Dimension::kUrgency, &f.urgency},
                            {Dimension::kCallerAgeBand, &f.caller_age_band},
                            {Dimension::kCallerGender, &f.caller_gender}}) {
    FieldOf field = SingleField(dim);
    r.*field.field = Code(*field.codes, *value);
  }
  r.version = static_cast<uint32_t>(f.version);
  r.flags = kPresent | (f.online ? kOnline : 0);
  auto kind = taxonomy_.KindOf(f.call_type);
  if (kind && *kind == domain::CallKind::kData) r.flags |= kData;
  if ((old_flags & kOnline) != (r.flags & kOnline) || !(old_flags & kPresent)) {
    SetMember(online_ids_, static_cast<uint32_t>(id), r.flags & kOnline);
  }
  if ((old_flags & kData) != (r.flags & kData) || !(old_flags & kPresent)) {
    SetMember(data_ids_, static_cast<uint32_t>(id), r.flags & kData);
  }
  if (f.children.empty() && f.categories.empty()) {
    r.extra = 0;
    return;
  }
  r.extra = static_cast<uint32_t>(extras_.size());
  size_t nc = std::min<size_t>(f.children.size(), 255);
  extras_.push_back(static_cast<uint8_t>(nc));
  for (size_t i = 0; i < nc; ++i) {
    const auto& ch = f.children[i];
    extras_.push_back(static_cast<uint8_t>(taxonomy_.ChildAgeBandOf(ch.age)));
    extras_.push_back(Code(taxonomy_.genders(), ch.gender));
    uint8_t prov = kAbsent;
    if (!ch.province_current.empty()) {
      const auto& units = provinces_.units34();
      prov = kUnknownCode;
      for (size_t p = 0; p < units.size(); ++p) {
        if (units[p].code == ch.province_current) prov = static_cast<uint8_t>(p);
      }
    }
    extras_.push_back(prov);
  }
  size_t nk = std::min<size_t>(f.categories.size(), 255);
  extras_.push_back(static_cast<uint8_t>(nk));
  for (size_t i = 0; i < nk; ++i) {
    auto s = taxonomy_.FindSubcategory(f.categories[i]);
    uint16_t v = s ? *s : kUnknownSub;
    extras_.push_back(static_cast<uint8_t>(v & 0xFF));
    extras_.push_back(static_cast<uint8_t>(v >> 8));
  }
}

void StatsIndex::SetMember(std::vector<uint32_t>& ids, uint32_t id, bool member) {
  if (member && (ids.empty() || ids.back() < id)) {
    ids.push_back(id);  // the usual case: a new contact
    return;
  }
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  bool present = it != ids.end() && *it == id;
  if (member && !present) ids.insert(it, id);
  if (!member && present) ids.erase(it);
}

namespace {
constexpr size_t kLoadBatch = 16384;  // contacts read before taking the write lock to add them
}  // namespace

Status StatsIndex::LoadFrom(storage::Database& db) {
  int64_t after;
  {
    std::shared_lock lock(mu_);
    after = max_id_;
  }
  std::vector<storage::ContactFacts> batch;
  batch.reserve(kLoadBatch);
  auto flush = [&] {
    std::unique_lock lock(mu_);
    for (const auto& f : batch) UpsertLocked(f);
    batch.clear();
  };
  CS_TRY_STATUS(db.Read([&](storage::ReadTxn& t) -> Status {
    if (after == 0) {
      // Sized once: growing the row array by halves while loading 1.6 M contacts briefly held
      // the old and the new array (the load's peak memory).
      CS_TRY(int64_t n, t.CountContacts());
      std::unique_lock lock(mu_);
      rows_.reserve(static_cast<size_t>(n) + 1);
    }
    return t.ScanContactFacts(after, [&](const storage::ContactFacts& f) {
      batch.push_back(f);
      if (batch.size() == kLoadBatch) flush();
    });
  }));
  flush();
  std::unique_lock lock(mu_);
  extras_.shrink_to_fit();
  rows_.resize(static_cast<size_t>(max_id_) + 1);
  rows_.shrink_to_fit();
  online_ids_.shrink_to_fit();
  data_ids_.shrink_to_fit();
  return {};
}

size_t StatsIndex::contacts() const {
  std::shared_lock lock(mu_);
  return present_;
}

size_t StatsIndex::memory_bytes() const {
  std::shared_lock lock(mu_);
  return rows_.capacity() * sizeof(Row) + extras_.capacity() +
         (online_ids_.capacity() + data_ids_.capacity()) * sizeof(uint32_t);
}

std::shared_ptr<const KeySpace> StatsIndex::TimeKeys(Dimension d, LocalDay from,
                                                     LocalDay to) const {
  {
    std::lock_guard lock(time_keys_mu_);
    for (const CachedKeys& c : time_keys_) {
      if (c.dim == d && c.from == from && c.to == to) return c.keys;
    }
  }
  auto k = std::make_shared<KeySpace>();
  k->dim = d;
  TimeSpace(*k, from, to);
  std::lock_guard lock(time_keys_mu_);
  if (time_keys_.size() >= kTimeKeysKept) time_keys_.erase(time_keys_.begin());
  time_keys_.push_back({d, from, to, k});
  return k;
}

Result<StatsResult> StatsIndex::Query(const StatsQuery& q) const {
  FieldErrors errs;
  if (q.to <= q.from)
    errs.Add("to", field_codes::kOutOfRange, "the period is empty: to must be after from");
  if (q.to - q.from > 366 * 40)
    errs.Add("to", field_codes::kOutOfRange, "the period is longer than 40 years");
  if (q.by.size() > 4) errs.Add("by", field_codes::kOutOfRange, "at most 4 groupings at once");
  for (size_t i = 0; i < q.by.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (q.by[i] == q.by[j]) errs.Add("by", field_codes::kDuplicate, "a grouping is listed twice");
    }
  }
  if (q.min_cell < 0 || q.min_cell > 100)
    errs.Add("min_cell", field_codes::kOutOfRange, "0 to 100");
  // Filters as 256-entry membership tables over the coded bytes.
  auto table = [&](const char* field, const std::vector<std::string>& codes,
                   const domain::CodeSet& set) {
    std::vector<bool> ok;
    if (codes.empty()) return ok;
    ok.assign(256, false);
    for (const auto& c : codes) {
      auto i = set.Find(c);
      if (!i) {
        errs.Add(field, field_codes::kUnknownCode, "unknown code '" + c + "'");
      } else if (*i < 256) {
        ok[*i] = true;
      }
    }
    return ok;
  };
  auto channels = table("channel", q.channels, taxonomy_.channels());
  auto call_types = table("call_type", q.call_types, taxonomy_.call_types());
  auto outcomes = table("outcome", q.outcomes, taxonomy_.outcomes());
  auto centres = table("centre", q.centres, taxonomy_.centres());
  std::vector<bool> cats;
  if (!q.categories.empty()) {
    cats.assign(taxonomy_.subcategories().size(), false);
    for (const auto& c : q.categories) {
      if (auto s = taxonomy_.FindSubcategory(c)) {
        cats[*s] = true;
      } else if (auto top = taxonomy_.categories().Find(c)) {
        for (size_t i = 0; i < taxonomy_.subcategories().size(); ++i) {
          if (taxonomy_.subcategories()[i].parent == *top) cats[i] = true;
        }
      } else {
        errs.Add("category", field_codes::kUnknownCode, "unknown category '" + c + "'");
      }
    }
  }
  CS_TRY_STATUS(std::move(errs).ToStatus("invalid statistics query"));

  // Key spaces.
  const size_t nsub = taxonomy_.subcategories().size();
  const size_t ncat = taxonomy_.categories().size();
  const size_t nprov = provinces_.units34().size();
  const size_t nband = taxonomy_.child_age_bands().size();
  const size_t ngender = taxonomy_.genders().size();
  std::vector<std::shared_ptr<const KeySpace>> spaces;
  for (Dimension d : q.by) {
    KeySpace k;
    k.dim = d;
    switch (d) {
      case Dimension::kDay:
      case Dimension::kWeek:
      case Dimension::kMonth:
      case Dimension::kQuarter:
      case Dimension::kHalfYear:
      case Dimension::kYear:
        spaces.push_back(TimeKeys(d, q.from, q.to));
        continue;
      case Dimension::kChannel:
      case Dimension::kCallType:
      case Dimension::kOutcome:
      case Dimension::kUrgency:
      case Dimension::kCentre:
      case Dimension::kCallerAgeBand:
      case Dimension::kCallerGender:
        k = CodeSpace(d, *SingleField(d).codes);
        break;
      case Dimension::kCallKind:
        k.labels = {{"data", "Cuộc gọi có dữ liệu", "Data contact"},
                    {"non_data", "Cuộc gọi không dữ liệu", "Non-data contact"}};
        k.cardinality = 2;
        break;
      case Dimension::kSubcategory:
        for (const auto& s : taxonomy_.subcategories())
          k.labels.push_back({s.code, s.label.vi, s.label.en});
        k.labels.push_back(UnknownCode());
        k.labels.push_back(None());
        k.cardinality = static_cast<uint32_t>(k.labels.size());
        break;
      case Dimension::kCategory:
        for (const auto& c : taxonomy_.categories().codes()) k.labels.push_back(CodeLabel(c));
        k.labels.push_back(UnknownCode());
        k.labels.push_back(None());
        k.cardinality = static_cast<uint32_t>(k.labels.size());
        break;
      case Dimension::kProvince:
        for (const auto& p : provinces_.units34())
          k.labels.push_back({p.code, p.name_vi, p.name_ascii});
        k.labels.push_back(UnknownCode());
        k.labels.push_back(Unknown());
        k.labels.push_back(None());
        k.cardinality = static_cast<uint32_t>(k.labels.size());
        break;
      case Dimension::kAgeBand:
        for (const auto& c : taxonomy_.child_age_bands().codes()) k.labels.push_back(CodeLabel(c));
        k.labels.push_back(None());
        k.cardinality = static_cast<uint32_t>(k.labels.size());
        break;
      case Dimension::kGender:
        for (const auto& c : taxonomy_.genders().codes()) k.labels.push_back(CodeLabel(c));
        k.labels.push_back(UnknownCode());
        k.labels.push_back(Unknown());
        k.labels.push_back(None());
        k.cardinality = static_cast<uint32_t>(k.labels.size());
        break;
    }
    spaces.push_back(std::make_shared<const KeySpace>(std::move(k)));
  }
  uint64_t cells = 1;
  for (const auto& k : spaces) cells *= std::max<uint32_t>(1, k->cardinality);
  const bool dense = cells <= (1u << 22);
  std::vector<int64_t> dense_counts(dense ? cells : 0, 0);
  std::unordered_map<uint64_t, int64_t> sparse_counts;

  StatsResult result;
  result.by = q.by;
  std::vector<std::vector<uint32_t>> keys(spaces.size());
  std::vector<size_t> pos(spaces.size());

  // Keys of the single-valued fields, precomputed once: a row's key is a table lookup.
  std::vector<std::array<uint32_t, 256>> byte_keys(spaces.size());
  std::vector<uint8_t Row::*> byte_field(spaces.size(), nullptr);
  bool multi = !cats.empty();
  for (size_t d = 0; d < spaces.size(); ++d) {
    const Dimension dim = spaces[d]->dim;
    if (IsManyValued(dim)) multi = true;
    if (dim == Dimension::kCallKind) {
      byte_field[d] = &Row::flags;
      for (uint32_t v = 0; v < 256; ++v) byte_keys[d][v] = (v & kData) ? 0u : 1u;
    } else if (auto f = SingleField(dim); f.codes) {
      byte_field[d] = f.field;
      for (uint32_t v = 0; v < 256; ++v)
        byte_keys[d][v] = CodeKey(static_cast<uint8_t>(v), f.codes->size());
    }
  }

  std::shared_lock lock(mu_);
  const LocalDay from_rel = q.from - kBaseDay, to_rel = q.to - kBaseDay;
  const size_t n = rows_.size();
  // Selective filters visit only their contacts (ids in order, like the full scan).
  const std::vector<uint32_t>* subset = nullptr;
  if (q.online && *q.online)
    subset = &online_ids_;
  else if ((q.data_contacts && *q.data_contacts) || !cats.empty())
    subset = &data_ids_;
  const size_t count = subset ? subset->size() : (n > 0 ? n - 1 : 0);

  auto passes = [&](const Row& r) {
    if (!(r.flags & kPresent) || r.day < from_rel || r.day >= to_rel) return false;
    if (q.online && ((r.flags & kOnline) != 0) != *q.online) return false;
    if (q.data_contacts && ((r.flags & kData) != 0) != *q.data_contacts) return false;
    if (!channels.empty() && (r.channel >= 254 || !channels[r.channel])) return false;
    if (!call_types.empty() && (r.call_type >= 254 || !call_types[r.call_type])) return false;
    if (!outcomes.empty() && (r.outcome >= 254 || !outcomes[r.outcome])) return false;
    if (!centres.empty() && (r.centre >= 254 || !centres[r.centre])) return false;
    return true;
  };

  if (!multi) {
    // The common case: every grouping has one value per contact. One pass, one lookup per
    // grouping, one increment.
    for (size_t i = 0; i < count; ++i) {
      const size_t id = subset ? (*subset)[i] : i + 1;
      const Row& r = rows_[id];
      if (!passes(r)) continue;
      ++result.total;
      if (spaces.empty()) continue;
      const uint32_t day_off = static_cast<uint32_t>(r.day - from_rel);
      uint64_t cell = 0;
      for (size_t d = 0; d < spaces.size(); ++d) {
        const KeySpace& sp = *spaces[d];
        uint32_t key = byte_field[d] ? byte_keys[d][r.*byte_field[d]] : sp.day_bucket[day_off];
        cell = cell * sp.cardinality + key;
      }
      if (dense) {
        ++dense_counts[cell];
      } else {
        ++sparse_counts[cell];
      }
    }
  } else {
    // Contacts without children or categories (the one-click calls, most of them) fall in the
    // "none" group of every many-valued grouping: no per-row work beyond the lookups.
    std::vector<uint32_t> none_key(spaces.size(), 0);
    std::vector<bool> is_multi(spaces.size(), false);
    for (size_t d = 0; d < spaces.size(); ++d) {
      switch (spaces[d]->dim) {
        case Dimension::kCategory:
          none_key[d] = static_cast<uint32_t>(ncat + 1), is_multi[d] = true;
          break;
        case Dimension::kSubcategory:
          none_key[d] = static_cast<uint32_t>(nsub + 1), is_multi[d] = true;
          break;
        case Dimension::kProvince:
          none_key[d] = static_cast<uint32_t>(nprov + 2), is_multi[d] = true;
          break;
        case Dimension::kAgeBand:
          none_key[d] = static_cast<uint32_t>(nband), is_multi[d] = true;
          break;
        case Dimension::kGender:
          none_key[d] = static_cast<uint32_t>(ngender + 2), is_multi[d] = true;
          break;
        default:
          break;
      }
    }
    for (size_t ix = 0; ix < count; ++ix) {
      const size_t id = subset ? (*subset)[ix] : ix + 1;
      const Row& r = rows_[id];
      if (!passes(r)) continue;
      if (r.extra == 0) {
        if (!cats.empty()) continue;  // no categories: cannot match a category filter
        ++result.total;
        if (spaces.empty()) continue;
        const uint32_t day_off = static_cast<uint32_t>(r.day - from_rel);
        uint64_t cell = 0;
        for (size_t d = 0; d < spaces.size(); ++d) {
          uint32_t key = is_multi[d]     ? none_key[d]
                         : byte_field[d] ? byte_keys[d][r.*byte_field[d]]
                                         : spaces[d]->day_bucket[day_off];
          cell = cell * spaces[d]->cardinality + key;
        }
        if (dense) {
          ++dense_counts[cell];
        } else {
          ++sparse_counts[cell];
        }
        continue;
      }
      const uint8_t* ex = &extras_[r.extra];
      const size_t n_children = ex[0];
      const uint8_t* children = ex + 1;
      const uint8_t* cat_block = ex + 1 + 3 * n_children;
      const size_t n_cats = cat_block[0];
      auto sub_at = [&](size_t i) {
        return static_cast<uint16_t>(cat_block[1 + 2 * i] | (cat_block[2 + 2 * i] << 8));
      };
      if (!cats.empty()) {
        bool any = false;
        for (size_t i = 0; i < n_cats && !any; ++i) {
          uint16_t s = sub_at(i);
          any = s < cats.size() && cats[s];
        }
        if (!any) continue;
      }
      ++result.total;
      if (spaces.empty()) continue;
      const uint32_t day_off = static_cast<uint32_t>(r.day - from_rel);
      for (size_t d = 0; d < spaces.size(); ++d) {
        auto& k = keys[d];
        k.clear();
        const KeySpace& s = *spaces[d];
        auto add = [&k](uint32_t v) {
          if (std::find(k.begin(), k.end(), v) == k.end()) k.push_back(v);
        };
        if (!IsManyValued(s.dim)) {  // the same lookups as the single-valued path
          k.push_back(byte_field[d] ? byte_keys[d][r.*byte_field[d]] : s.day_bucket[day_off]);
          continue;
        }
        switch (s.dim) {
          case Dimension::kSubcategory:
            for (size_t i = 0; i < n_cats; ++i) {
              uint16_t sub = sub_at(i);
              add(sub < nsub ? sub : static_cast<uint32_t>(nsub));
            }
            if (k.empty()) k.push_back(static_cast<uint32_t>(nsub + 1));
            break;
          case Dimension::kCategory:
            for (size_t i = 0; i < n_cats; ++i) {
              uint16_t sub = sub_at(i);
              add(sub < nsub ? taxonomy_.subcategories()[sub].parent : static_cast<uint32_t>(ncat));
            }
            if (k.empty()) k.push_back(static_cast<uint32_t>(ncat + 1));
            break;
          case Dimension::kProvince:
            for (size_t i = 0; i < n_children; ++i) {
              uint8_t p = children[3 * i + 2];
              add(p == kAbsent ? static_cast<uint32_t>(nprov + 1)
                               : (p < nprov ? p : static_cast<uint32_t>(nprov)));
            }
            if (k.empty()) k.push_back(static_cast<uint32_t>(nprov + 2));
            break;
          case Dimension::kAgeBand:
            for (size_t i = 0; i < n_children; ++i)
              add(std::min<uint32_t>(children[3 * i], static_cast<uint32_t>(nband - 1)));
            if (k.empty()) k.push_back(static_cast<uint32_t>(nband));
            break;
          case Dimension::kGender:
            for (size_t i = 0; i < n_children; ++i) add(CodeKey(children[3 * i + 1], ngender));
            if (k.empty()) k.push_back(static_cast<uint32_t>(ngender + 2));
            break;
          default:
            break;
        }
      }
      // Every combination of this contact's keys (usually exactly one), odometer style.
      std::fill(pos.begin(), pos.end(), 0);
      for (bool more = true; more;) {
        uint64_t cell = 0;
        for (size_t d = 0; d < spaces.size(); ++d)
          cell = cell * spaces[d]->cardinality + keys[d][pos[d]];
        if (dense) {
          ++dense_counts[cell];
        } else {
          ++sparse_counts[cell];
        }
        more = false;
        for (size_t d = spaces.size(); d-- > 0;) {
          if (++pos[d] < keys[d].size()) {
            more = true;
            break;
          }
          pos[d] = 0;
        }
      }
    }
  }
  lock.unlock();

  // Collect rows in key order; time-only groupings keep their empty periods.
  const bool time_only =
      !spaces.empty() && std::all_of(spaces.begin(), spaces.end(),
                                     [](const auto& k) { return IsTimeDimension(k->dim); });
  auto emit = [&](uint64_t cell, int64_t n_contacts) {
    StatsRow row;
    row.keys.resize(spaces.size());
    for (size_t d = spaces.size(); d > 0; --d) {
      row.keys[d - 1] = spaces[d - 1]->labels[cell % spaces[d - 1]->cardinality];
      cell /= spaces[d - 1]->cardinality;
    }
    row.count = n_contacts;
    result.rows.push_back(std::move(row));
  };
  if (!spaces.empty()) {
    if (dense) {
      for (uint64_t c = 0; c < cells; ++c) {
        if (dense_counts[c] || time_only) emit(c, dense_counts[c]);
      }
    } else {
      std::vector<std::pair<uint64_t, int64_t>> sorted(sparse_counts.begin(), sparse_counts.end());
      std::sort(sorted.begin(), sorted.end());
      for (auto& [c, v] : sorted) emit(c, v);
    }
  }
  if (q.min_cell > 1) {
    for (auto& r : result.rows) {
      if (r.count > 0 && r.count < q.min_cell) {
        r.count = 0;
        r.suppressed = true;
      }
    }
    if (result.total > 0 && result.total < q.min_cell) {
      result.total = 0;
      result.total_suppressed = true;
    }
  }
  return result;
}

}  // namespace childsafe::stats
