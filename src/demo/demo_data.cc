#include "demo/demo_data.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

namespace childsafe::demo {

namespace {

// ---- a small deterministic PRNG (xoshiro256**, seeded by splitmix64) ---------------------------

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    __extension__ using U128 = unsigned __int128;  // Lemire's multiply-shift, no modulo bias
    return static_cast<uint64_t>((static_cast<U128>(Next()) * n) >> 64);
  }
  /// Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  /// Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_;
};

// Weighted choice over a fixed table.
template <class T>
struct Weighted {
  std::vector<T> items;
  std::vector<double> cumulative;
  Weighted() = default;
  Weighted(std::initializer_list<std::pair<T, double>> list) {
    for (const auto& [item, w] : list) Add(item, w);
  }
  void Add(const T& item, double w) {
    if (w <= 0) return;
    items.push_back(item);
    cumulative.push_back((cumulative.empty() ? 0.0 : cumulative.back()) + w);
  }
  const T& Pick(Rng& rng) const {
    double x = rng.Unit() * cumulative.back();
    size_t i = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
    return items[std::min(i, items.size() - 1)];
  }
};

// Largest-remainder apportionment of `total` in proportion to `weights`.
std::vector<int64_t> Apportion(int64_t total, const std::vector<double>& weights) {
  std::vector<int64_t> out(weights.size(), 0);
  double sum = 0;
  for (double w : weights) sum += w;
  if (sum <= 0 || total <= 0) return out;
  std::vector<std::pair<double, size_t>> rem;
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    double exact = static_cast<double>(total) * weights[i] / sum;
    out[i] = static_cast<int64_t>(std::floor(exact));
    given += out[i];
    rem.emplace_back(exact - std::floor(exact), i);
  }
  std::stable_sort(rem.begin(), rem.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total && k < rem.size(); ++k, ++given) out[rem[k].second]++;
  return out;
}

// ---- the shape of the hotline -------------------------------------------------------------------

// Average contacts a day by year (2023: 323,615 calls; 2022: about 368k; Jan-Aug 2025: about
// 233k), chosen so that June 2021 - May 2025 holds a little over 1.55 million contacts.
double BaseRate(int year) {
  switch (year) {
    case 2021: return 1300;
    case 2022: return 1010;
    case 2023: return 887;
    case 2024: return 1150;
    default: return year < 2021 ? 1300 : 1250;
  }
}

constexpr std::array<double, 12> kMonthFactor = {0.95, 0.85, 1.0, 1.0, 1.02, 1.12,
                                                 1.15, 1.10, 1.0, 0.97, 0.95, 0.92};
constexpr std::array<double, 7> kWeekdayFactor = {1.05, 1.03, 1.02, 1.0, 0.98, 0.95, 0.97};
// Share of contacts by local hour: quiet at night, busiest after school and in the evening.
constexpr std::array<double, 24> kHourWeight = {1.6, 1.1, 0.8, 0.6, 0.6, 0.9, 1.8, 3.0,
                                                4.2, 4.8, 5.0, 5.0, 4.6, 4.8, 5.2, 5.6,
                                                6.2, 6.6, 6.4, 6.6, 6.8, 6.0, 4.4, 2.8};

// First day of Tết (lunar new year), when calls drop.
bool NearTet(CivilDate d) {
  static const std::array<CivilDate, 6> kTet = {{{2020, 1, 25}, {2021, 2, 12}, {2022, 2, 1},
                                                 {2023, 1, 22}, {2024, 2, 10}, {2025, 1, 29}}};
  LocalDay day = DaysFromCivil(d);
  for (const auto& t : kTet) {
    LocalDay td = DaysFromCivil(t);
    if (day >= td - 2 && day <= td + 4) return true;
  }
  return false;
}

// Share of contacts that are data (counselling) contacts: about 9.5% in 2025, lower before.
double DataShare(LocalDay day) {
  double years = (day - DaysFromCivil({2021, 1, 1})) / 365.25;
  return std::clamp(0.085 + 0.003 * years, 0.06, 0.11);
}

}  // namespace

const std::vector<HalfYearTarget>& OnlineTargets() {
  // 2,439 in all (2,043 + 91 + 305), rising, with January-May 2025 above every earlier half-year.
  // The period starts on 1 June 2021, so the first half-year holds only June.
  static const std::vector<HalfYearTarget> kTargets = {
      {2021, 1, 25},  {2021, 2, 155}, {2022, 1, 240}, {2022, 2, 270}, {2023, 1, 290},
      {2023, 2, 310}, {2024, 1, 330}, {2024, 2, 360}, {2025, 1, 459}};
  return kTargets;
}

namespace {

constexpr int kOnlineCounselling = 2043, kOnlineIntervention = 91, kOnlineReport = 305;
const LocalDay kCanonicalFrom = DaysFromCivil({2021, 6, 1});
const LocalDay kCanonicalTo = DaysFromCivil({2025, 6, 1});

int HalfKey(LocalDay d) {
  CivilDate c = CivilFromDays(d);
  return c.year * 2 + (c.month <= 6 ? 0 : 1);
}

// Online-abuse contacts per day for a half-year (published target / its days in the canonical
// period); half-years outside it take the nearest one's rate.
double OnlineDailyRate(int half_key) {
  const auto& t = OnlineTargets();
  int first = t.front().year * 2 + t.front().half - 1, last = t.back().year * 2 + t.back().half - 1;
  int k = std::clamp(half_key, first, last);
  for (const auto& h : t) {
    if (h.year * 2 + h.half - 1 != k) continue;
    LocalDay start = std::max(kCanonicalFrom, DaysFromCivil({h.year, h.half == 1 ? 1 : 7, 1}));
    LocalDay end = std::min(kCanonicalTo, DaysFromCivil({h.half == 1 ? h.year : h.year + 1, h.half == 1 ? 7 : 1, 1}));
    return static_cast<double>(h.contacts) / (end - start);
  }
  return 0;
}

struct Tables {
  Weighted<std::string> non_data_types{{"hang_up", 22},  {"silent", 20},
                                       {"prank", 16},    {"blank", 8},
                                       {"wrong_number", 8}, {"test", 6},
                                       {"information_request", 9}, {"abusive", 4},
                                       {"thanks", 3},    {"follow_up", 4}};
  Weighted<std::string> relation{{"parent", 48},  {"grandparent", 6}, {"caregiver", 4},
                                 {"sibling", 4},  {"relative", 6},    {"teacher", 10},
                                 {"neighbour", 6}, {"friend", 6},     {"professional", 5},
                                 {"stranger", 3}, {"other", 2}};
  Weighted<std::string> gender{{"girl", 55}, {"boy", 42}, {"unknown", 3}};
  Weighted<int> age;
  Weighted<std::string> offline_categories{
      {"family.general", 14}, {"family.caregiver", 8}, {"violence.physical", 7},
      {"violence.psychological", 6}, {"violence.sexual", 3}, {"violence.neglect", 3},
      {"violence.bullying", 6}, {"violence.child_labour", 1}, {"violence.early_marriage", 0.5},
      {"violence.trafficking", 0.3}, {"mental_health.mood", 8}, {"mental_health.anxiety", 7},
      {"mental_health.self_harm", 1.5}, {"mental_health.suicidal", 1.2},
      {"mental_health.behaviour", 3}, {"mental_health.self_concerns", 3},
      {"peers.friends", 5}, {"peers.partner", 4}, {"peers.classmates", 3},
      {"education.academic", 7}, {"education.school", 3}, {"physical_health.general", 2},
      {"physical_health.pregnancy", 0.8}, {"physical_health.sexual_reproductive", 1.5},
      {"services.legal", 2}, {"services.education", 1}, {"services.social_economic", 1},
      {"sexuality.sogi", 1}, {"sexuality.behaviour", 1}, {"discrimination.gender", 0.5},
      {"missing.runaway", 0.6}, {"missing.lost", 0.3}};
  Weighted<std::string> channel_non_data{{"phone", 96}, {"zalo", 2}, {"app", 1.5}, {"web", 0.5}};
  Weighted<std::string> channel_data{{"phone", 85}, {"zalo", 5}, {"app", 4}, {"web", 2},
                                     {"facebook", 2}, {"email", 1}, {"chat", 1}};
  Weighted<std::string> channel_online{{"phone", 62}, {"zalo", 12}, {"app", 10}, {"web", 7},
                                       {"facebook", 6}, {"email", 1}, {"chat", 2}};
  Weighted<int> hour;
  Tables() {
    static constexpr std::array<double, 18> kAge = {0.5, 0.6, 0.8, 1.0, 1.4, 2.0, 2.8, 3.6, 4.6,
                                                    5.6, 6.6, 8.4, 10.5, 11.5, 11.0, 9.5, 7.5, 6.0};
    for (int a = 0; a < 18; ++a) age.Add(a, kAge[static_cast<size_t>(a)]);
    for (int h = 0; h < 24; ++h) hour.Add(h, kHourWeight[static_cast<size_t>(h)]);
  }
};

Weighted<std::string> OnlineCategories(int year) {
  double scam = year >= 2024 ? 6 : 3;
  double kidnapping = year >= 2025 ? 6 : (year >= 2024 ? 2 : 0.3);
  return Weighted<std::string>{{"online.cyberbullying", 20},
                               {"online.sextortion", 10 + (year - 2021) * 1.5},
                               {"online.grooming", 10},
                               {"online.sexual_abuse_exploitation", 9},
                               {"online.nonconsensual_images", 8},
                               {"online.harmful_content", 8},
                               {"online.scam", scam},
                               {"online.kidnapping_scam", kidnapping},
                               {"online.privacy_doxxing", 6},
                               {"online.impersonation_hacking", 5},
                               {"online.excessive_gaming", 6},
                               {"online.csam", 3}};
}

std::string Summary(const std::string& category, int age, const std::string& gender, Rng& rng) {
  const std::string who = gender == "boy" ? "em trai" : (gender == "girl" ? "em gái" : "em");
  const std::string a = std::to_string(age);
  std::string s;
  if (category == "online.sextortion") {
    s = "Trẻ (" + a + " tuổi) cho biết một tài khoản lạ đe doạ phát tán ảnh nhạy cảm nếu không "
        "chuyển tiền. Tư vấn viên hướng dẫn không chuyển tiền, lưu bằng chứng, chặn tài khoản và "
        "báo cha mẹ.";
  } else if (category == "online.cyberbullying") {
    s = "Học sinh " + a + " tuổi bị bạn cùng lớp lập nhóm chat chế giễu, đăng ảnh chỉnh sửa lên "
        "mạng xã hội. Đã tư vấn cách báo cáo nội dung và trao đổi với giáo viên chủ nhiệm.";
  } else if (category == "online.grooming") {
    s = "Phụ huynh lo lắng vì " + who + " " + a + " tuổi được người lạ làm quen qua trò chơi trực "
        "tuyến, tặng thẻ game và rủ chuyển sang ứng dụng nhắn tin riêng.";
  } else if (category == "online.kidnapping_scam") {
    s = "Phụ huynh báo con nhận cuộc gọi giả danh công an, bị yêu cầu giữ bí mật, thuê phòng "
        "khách sạn một mình và chuyển tiền. Đã hướng dẫn liên hệ công an 113 ngay.";
  } else if (category == "online.scam") {
    s = "Trẻ bị lừa chuyển tiền mua vật phẩm trong game qua một trang giả mạo. Tư vấn cách nhận "
        "biết lừa đảo và báo cho cha mẹ.";
  } else if (category.rfind("online.", 0) == 0) {
    s = "Trẻ " + a + " tuổi gặp rủi ro trên môi trường mạng; tư vấn viên hướng dẫn cách bảo vệ "
        "thông tin cá nhân và tìm sự hỗ trợ của người lớn tin cậy.";
  } else if (category.rfind("violence.", 0) == 0) {
    s = "Người gọi phản ánh " + who + " " + a + " tuổi có dấu hiệu bị bạo lực. Đã ghi nhận thông "
        "tin ban đầu và tư vấn các bước bảo vệ trẻ.";
  } else if (category.rfind("mental_health.", 0) == 0) {
    s = "Trẻ " + a + " tuổi chia sẻ cảm thấy buồn và căng thẳng kéo dài. Tư vấn viên lắng nghe, "
        "hỗ trợ tâm lý và giới thiệu dịch vụ phù hợp.";
  } else if (category.rfind("family.", 0) == 0) {
    s = "Mâu thuẫn trong gia đình ảnh hưởng đến " + who + " " + a + " tuổi. Đã tư vấn cách giao "
        "tiếp và hỗ trợ cho cả gia đình.";
  } else {
    s = "Trẻ " + a + " tuổi cần tư vấn về vấn đề học tập và quan hệ bạn bè.";
  }
  static const char* kTail[] = {"", " Hẹn gọi lại sau 3 ngày.", " Trẻ cảm thấy yên tâm hơn.",
                                " Đề nghị theo dõi thêm."};
  return s + kTail[rng.Below(4)];
}

}  // namespace

Result<DemoReport> GenerateDemoData(const DemoOptions& o, const domain::Taxonomy& taxonomy,
                                    const domain::Provinces& provinces,
                                    const std::function<Status(std::vector<domain::Contact>&&)>& sink) {
  if (o.to <= o.from) return Fail(Error::InvalidField("to", field_codes::kOutOfRange, "must be after from"));
  if (o.to - o.from > 366 * 30) {
    return Fail(Error::InvalidField("to", field_codes::kOutOfRange, "at most 30 years"));
  }
  Rng plan_rng(o.seed ^ 0x5A17ULL);
  const Tables tables;

  // 1. Contacts per day.
  const size_t ndays = static_cast<size_t>(o.to - o.from);
  std::vector<double> weight(ndays);
  std::vector<int64_t> total(ndays), data(ndays), online(ndays, 0);
  for (size_t i = 0; i < ndays; ++i) {
    LocalDay d = o.from + static_cast<LocalDay>(i);
    CivilDate c = CivilFromDays(d);
    double w = BaseRate(c.year) * kMonthFactor[static_cast<size_t>(c.month - 1)] *
               kWeekdayFactor[static_cast<size_t>(Weekday(d))] * (NearTet(c) ? 0.7 : 1.0);
    w *= 1.0 + 0.08 * (plan_rng.Unit() - 0.5);
    weight[i] = w;
    total[i] = std::llround(w);
    data[i] = std::llround(static_cast<double>(total[i]) * DataShare(d) * (1.0 + 0.1 * (plan_rng.Unit() - 0.5)));
  }

  // 2. Online-abuse contacts: per half-year at the published daily rate, then spread over days.
  std::map<int, std::vector<size_t>> days_of_half;
  for (size_t i = 0; i < ndays; ++i) days_of_half[HalfKey(o.from + static_cast<LocalDay>(i))].push_back(i);
  std::vector<double> expected;
  std::vector<int> halves;
  for (const auto& [key, days] : days_of_half) {
    halves.push_back(key);
    expected.push_back(OnlineDailyRate(key) * static_cast<double>(days.size()));
  }
  double expected_total = 0;
  for (double e : expected) expected_total += e;
  std::vector<int64_t> per_half = Apportion(std::llround(expected_total), expected);
  for (size_t h = 0; h < halves.size(); ++h) {
    const auto& days = days_of_half[halves[h]];
    Weighted<size_t> pick;
    for (size_t i : days) pick.Add(i, weight[i]);
    for (int64_t k = 0; k < per_half[h]; ++k) {
      size_t i = pick.Pick(plan_rng);
      online[i]++;
      data[i] = std::max(data[i], online[i]);
    }
  }
  int64_t n_online = 0;
  for (int64_t v : online) n_online += v;
  // Outcomes of the online contacts: exactly the published split for the published period.
  std::vector<int64_t> split =
      (o.from == kCanonicalFrom && o.to == kCanonicalTo)
          ? std::vector<int64_t>{kOnlineCounselling, kOnlineIntervention, kOnlineReport}
          : Apportion(n_online, {kOnlineCounselling, kOnlineIntervention, kOnlineReport});
  std::vector<std::string> online_outcomes;
  for (int k = 0; k < 3; ++k) {
    static const char* kOut[] = {"counselling", "intervention_connection", "report"};
    for (int64_t j = 0; j < split[static_cast<size_t>(k)]; ++j) online_outcomes.emplace_back(kOut[k]);
  }
  for (size_t i = online_outcomes.size(); i > 1; --i) {
    std::swap(online_outcomes[i - 1], online_outcomes[plan_rng.Below(i)]);
  }

  // Population-weighted provinces (63-unit scheme) and the centre serving each.
  Weighted<size_t> province;
  for (size_t i = 0; i < provinces.units63().size(); ++i) {
    province.Add(i, provinces.units63()[i].population_thousands);
  }
  std::vector<std::string> recent_phones;

  // 3. The contacts themselves, day by day.
  DemoReport report;
  size_t next_online_outcome = 0;
  for (size_t i = 0; i < ndays; ++i) {
    const LocalDay day = o.from + static_cast<LocalDay>(i);
    const int year = CivilFromDays(day).year;
    Rng rng(o.seed * 0x100000001B3ULL + static_cast<uint64_t>(day) * 0x9E3779B1ULL);
    const Weighted<std::string> online_cats = OnlineCategories(year);
    std::vector<domain::Contact> out;
    out.reserve(static_cast<size_t>(total[i]));
    for (int64_t k = 0; k < total[i]; ++k) {
      domain::Contact c;
      const int hour = tables.hour.Pick(rng);
      c.received_at = LocalDayStart(day) + hour * 3600 + rng.Between(0, 3599);
      const bool is_data = k < data[i];
      const bool is_online = k < online[i];
      const size_t prov = province.Pick(rng);
      const domain::Province& p63 = provinces.units63()[prov];
      c.centre = p63.centre;
      if (!is_data) {
        c.call_type = tables.non_data_types.Pick(rng);
        c.channel = tables.channel_non_data.Pick(rng);
        c.outcome = (c.call_type == "information_request" || c.call_type == "follow_up") ? "information" : "none";
        if (c.call_type == "silent" || c.call_type == "blank" || c.call_type == "hang_up") {
          c.duration_seconds = static_cast<int32_t>(rng.Between(3, 45));
        } else if (c.call_type == "prank" || c.call_type == "abusive") {
          c.duration_seconds = static_cast<int32_t>(rng.Between(15, 180));
        } else {
          c.duration_seconds = static_cast<int32_t>(rng.Between(20, 600));
        }
      } else {
        const bool self = rng.Chance(0.45);
        c.call_type = self ? "child_about_self" : "about_child";
        c.channel = (is_online ? tables.channel_online : tables.channel_data).Pick(rng);
        c.duration_seconds = static_cast<int32_t>(std::min<double>(
            5400, 240 + 900 * std::exp(0.6 * (rng.Unit() + rng.Unit() + rng.Unit() - 1.5))));
        size_t n_children = self ? 1 : (rng.Chance(0.92) ? 1 : (rng.Chance(0.75) ? 2 : 3));
        for (size_t j = 0; j < n_children; ++j) {
          domain::Child ch;
          if (rng.Chance(0.93)) ch.age = tables.age.Pick(rng);
          if (is_online && ch.age && *ch.age < 8) ch.age = *ch.age + 8;
          ch.gender = tables.gender.Pick(rng);
          if (rng.Chance(0.9)) {
            const domain::Province& cp = j == 0 ? p63 : provinces.units63()[province.Pick(rng)];
            ch.province = day < domain::Provinces::ReformDay() ? cp.code : cp.successor;
          }
          c.children.push_back(std::move(ch));
        }
        const domain::Child& first = c.children.front();
        if (self) {
          int age = first.age.value_or(14);
          c.caller = domain::Caller{"self", age < 16 ? "under_16" : (age < 18 ? "16-17" : "18-59"),
                                    first.gender, "", ""};
        } else {
          c.caller = domain::Caller{tables.relation.Pick(rng), rng.Chance(0.9) ? "18-59" : "60+",
                                    rng.Chance(0.65) ? "girl" : "boy", "", ""};
        }
        if (rng.Chance(0.6)) {
          if (!recent_phones.empty() && rng.Chance(0.15)) {
            c.caller->phone = recent_phones[rng.Below(recent_phones.size())];
          } else {
            c.caller->phone = "09" + std::to_string(10000000 + rng.Below(90000000));
            if (recent_phones.size() < 5000) {
              recent_phones.push_back(c.caller->phone);
            } else {
              recent_phones[rng.Below(recent_phones.size())] = c.caller->phone;
            }
          }
        }
        if (is_online) {
          c.categories.push_back(online_cats.Pick(rng));
          if (rng.Chance(0.2)) c.categories.push_back(online_cats.Pick(rng));
          if (rng.Chance(0.25)) c.categories.push_back(rng.Chance(0.5) ? "mental_health.anxiety" : "mental_health.mood");
          if (next_online_outcome >= online_outcomes.size()) {
            return Fail(Error::Internal("demo data: more online contacts than outcomes"));
          }
          c.outcome = online_outcomes[next_online_outcome++];
          report.online_contacts++;
          if (c.outcome == "counselling") report.online_counselling++;
          else if (c.outcome == "intervention_connection") report.online_intervention++;
          else report.online_report++;
        } else {
          size_t n_cat = rng.Chance(0.7) ? 1 : (rng.Chance(0.83) ? 2 : 3);
          for (size_t j = 0; j < n_cat; ++j) c.categories.push_back(tables.offline_categories.Pick(rng));
          double x = rng.Unit();
          c.outcome = x < 0.92 ? "counselling" : x < 0.955 ? "intervention_connection" : x < 0.97 ? "report" : "information";
        }
        std::sort(c.categories.begin(), c.categories.end());
        c.categories.erase(std::unique(c.categories.begin(), c.categories.end()), c.categories.end());
        double u = rng.Unit();
        if (c.outcome == "intervention_connection") {
          c.urgency = u < 0.4 ? "critical" : u < 0.9 ? "urgent" : "non_critical";
        } else if (c.outcome == "report") {
          c.urgency = u < 0.4 ? "urgent" : "non_critical";
        } else {
          c.urgency = u < 0.03 ? "critical" : u < 0.2 ? "urgent" : "non_critical";
        }
        // The summary describes the most specific (online first) category.
        std::string main = c.categories.front();
        for (const auto& cat : c.categories) {
          if (cat.rfind("online.", 0) == 0) main = cat;
        }
        c.summary = Summary(main, first.age.value_or(12), first.gender, rng);
        report.data_contacts++;
      }
      static const char* kPrefix[] = {"hn", "dn", "ag"};
      auto centre_index = taxonomy.centres().Find(c.centre).value_or(0);
      int staff = centre_index == 0 ? 40 : 22;
      c.counsellor = std::string(kPrefix[std::min<uint16_t>(centre_index, 2)]) + "-" +
                     std::to_string(rng.Between(1, staff));
      c.created_at = c.received_at + c.duration_seconds + rng.Between(30, 600);
      c.taxonomy_version = taxonomy.version();
      out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(), [](const domain::Contact& a, const domain::Contact& b) {
      return a.received_at < b.received_at;
    });
    report.contacts += static_cast<int64_t>(out.size());
    CS_TRY_STATUS(sink(std::move(out)));
  }
  return report;
}

Result<DemoReport> WriteDemoData(const DemoOptions& options, intake::ContactService& service) {
  std::vector<domain::Contact> batch;
  int days = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    CS_TRY(size_t n, service.InsertMany(std::move(batch)));
    (void)n;
    batch.clear();
    days = 0;
    return {};
  };
  auto report = GenerateDemoData(options, service.taxonomy(), service.provinces(),
                                 [&](std::vector<domain::Contact>&& day) -> Status {
                                   for (auto& c : day) batch.push_back(std::move(c));
                                   if (++days >= options.days_per_batch) return flush();
                                   return {};
                                 });
  if (!report) return report;
  CS_TRY_STATUS(flush());
  return report;
}

}  // namespace childsafe::demo
