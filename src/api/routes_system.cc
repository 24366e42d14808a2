// Health, readiness and the taxonomy.
#include <httplib.h>

#include "api/server.h"

namespace childsafe::api {

namespace {
nlohmann::json CodesJson(const domain::CodeSet& set) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : set.codes()) out.push_back({{"code", c.code}, {"vi", c.label.vi}, {"en", c.label.en}});
  return out;
}
}  // namespace

void AddSystemRoutes(std::vector<Route>& routes, Backend* b) {
  using nlohmann::json;
  routes.push_back(Route{"GET", "/healthz", {}, std::string(kPublic), false,
                         {{"summary", "Liveness: the process answers"},
                          {"tags", {"system"}},
                          {"responses", {{"200", {{"description", "Alive"}}}}}},
                         [](const Call&) -> Result<Reply> { return Reply::Json(200, {{"status", "ok"}}); }});
  routes.push_back(Route{
      "GET", "/readyz", {}, std::string(kPublic), false,
      {{"summary", "Readiness: the database answers and the statistics index is loaded"},
       {"tags", {"system"}},
       {"responses", {{"200", {{"description", "Ready"}}}, {"503", {{"description", "Not ready yet"}}}}}},
      [b](const Call& call) -> Result<Reply> {
        if (b->ready && !b->ready->load()) {
          return Reply::Json(503, {{"status", "starting"}, {"request_id", call.request_id}});
        }
        int64_t n = 0;
        auto st = b->db.Read([&](storage::ReadTxn& t) -> Status {
          CS_TRY(auto v, t.GetSetting("installation_id"));
          (void)v;
          n = static_cast<int64_t>(b->stats.contacts());
          return {};
        });
        if (!st) return Reply::Json(503, {{"status", "database unavailable"}});
        return Reply::Json(200, {{"status", "ready"}, {"contacts", n}});
      }});
  routes.push_back(Route{
      "GET", "/api/v1/taxonomy", {}, "taxonomy.read", false,
      {{"summary", "The codes contacts are recorded with, labelled in Vietnamese and English"},
       {"tags", {"taxonomy"}},
       {"responses", {{"200", {{"description", "The taxonomy in force and the provinces"}}}}}},
      [b](const Call&) -> Result<Reply> {
        const domain::Taxonomy& t = b->taxonomy;
        json call_types = json::array();
        for (size_t i = 0; i < t.call_types().size(); ++i) {
          const auto& c = t.call_types().at(i);
          call_types.push_back({{"code", c.code}, {"vi", c.label.vi}, {"en", c.label.en},
                                {"kind", t.call_kind(static_cast<uint16_t>(i)) == domain::CallKind::kData ? "data" : "non_data"}});
        }
        json categories = json::array();
        for (size_t i = 0; i < t.categories().size(); ++i) {
          const auto& c = t.categories().at(i);
          json subs = json::array();
          for (const auto& s : t.subcategories()) {
            if (s.parent != i) continue;
            subs.push_back({{"code", s.code}, {"vi", s.label.vi}, {"en", s.label.en}, {"online", s.online},
                            {"chi", {{"category", s.chi.category}, {"subcategory", s.chi.subcategory}}}});
          }
          categories.push_back({{"code", c.code}, {"vi", c.label.vi}, {"en", c.label.en}, {"subcategories", subs}});
        }
        json p34 = json::array(), p63 = json::array();
        for (const auto& p : b->provinces.units34()) p34.push_back({{"code", p.code}, {"name", p.name_vi}});
        for (const auto& p : b->provinces.units63()) {
          p63.push_back({{"code", p.code}, {"name", p.name_vi}, {"successor", p.successor}, {"centre", p.centre}});
        }
        return Reply::Json(200, {{"version", t.version()},
                                 {"call_types", call_types},
                                 {"channels", CodesJson(t.channels())},
                                 {"centres", CodesJson(t.centres())},
                                 {"outcomes", CodesJson(t.outcomes())},
                                 {"urgencies", CodesJson(t.urgencies())},
                                 {"genders", CodesJson(t.genders())},
                                 {"child_age_bands", CodesJson(t.child_age_bands())},
                                 {"caller_age_bands", CodesJson(t.caller_age_bands())},
                                 {"caller_relations", CodesJson(t.caller_relations())},
                                 {"categories", categories},
                                 {"provinces", {{"from_2025_07_01", p34}, {"until_2025_06_30", p63}}}});
      }});
}

}  // namespace childsafe::api
