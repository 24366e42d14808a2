// HTTP adapter of the statistics index.
#include <httplib.h>

#include <algorithm>

#include "api/server.h"
#include "common/csv.h"
#include "stats/stats_query.h"

namespace childsafe::api {

void AddStatsRoutes(std::vector<Route>& routes, Backend* b) {
  using nlohmann::json;
  json dims = json::array();
  for (auto d : stats::DimensionNames()) dims.push_back(std::string(d));
  routes.push_back(Route{
      "GET",
      "/api/v1/stats",
      {},
      "stats.read",
      false,
      {{"summary", "Counts of contacts for a period, grouped and filtered (thống kê)"},
       {"description",
        "Periods are local dates in Asia/Ho_Chi_Minh, start inclusive, end exclusive. A contact is "
        "counted once per group; grouping by a many-valued field (category, the children's "
        "province, age band or gender) counts a contact in each of its groups."},
       {"tags", {"statistics"}},
       {"parameters",
        json::array(
            {{{"name", "from"},
              {"in", "query"},
              {"required", true},
              {"schema", {{"type", "string"}, {"example", "2021-06-01"}}}},
             {{"name", "to"},
              {"in", "query"},
              {"required", true},
              {"schema", {{"type", "string"}, {"example", "2025-06-01"}}}},
             {{"name", "by"},
              {"in", "query"},
              {"description", "Up to 4 groupings, comma-separated"},
              {"schema", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", dims}}}}},
              {"style", "form"},
              {"explode", false}},
             {{"name", "online"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}},
             {{"name", "data"},
              {"in", "query"},
              {"description", "Only data (true) or non-data (false) contacts"},
              {"schema", {{"type", "boolean"}}}},
             {{"name", "channel"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "call_type"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "outcome"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "centre"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "category"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
             {{"name", "min_cell"},
              {"in", "query"},
              {"description", "Suppress counts below this (published figures)"},
              {"schema", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100}}}},
             {{"name", "format"},
              {"in", "query"},
              {"schema", {{"type", "string"}, {"enum", {"json", "csv"}}}}}})},
       {"responses",
        {{"200",
          {{"description", "The counts"},
           {"content",
            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Stats"}}}}},
             {"text/csv", {{"schema", {{"type", "string"}}}}}}}}}}}},
      [b](const Call& call) -> Result<Reply> {
        const httplib::Request& req = call.req;
        CS_TRY_STATUS(
            CheckQueryParams(req, {"from", "to", "by", "online", "data", "channel", "call_type",
                                   "outcome", "centre", "category", "min_cell", "format"}));
        stats::StatsRequest r;
        CS_TRY(r.from, OneParam(req, "from"));
        CS_TRY(r.to, OneParam(req, "to"));
        r.by = ListParam(req, "by");
        CS_TRY(r.query.online, BoolParam(req, "online"));
        CS_TRY(r.query.data_contacts, BoolParam(req, "data"));
        r.query.channels = ListParam(req, "channel");
        r.query.call_types = ListParam(req, "call_type");
        r.query.outcomes = ListParam(req, "outcome");
        r.query.centres = ListParam(req, "centre");
        r.query.categories = ListParam(req, "category");
        CS_TRY(auto min_cell, IntParam(req, "min_cell", 0, 100));
        r.query.min_cell = static_cast<int>(min_cell.value_or(0));
        // Roles limited to aggregates never see counts small enough to point at a child.
        if (b->permissions.ScopeOf(call.who, "stats.read") == auth::Scope::kAggregate) {
          r.query.min_cell = std::max(r.query.min_cell, 5);
        }
        std::string format = "json";
        if (req.has_param("format")) {
          CS_TRY(format, OneParam(req, "format"));
        }
        if (format != "json" && format != "csv") {
          return Fail(Error::InvalidField("format", field_codes::kUnknownCode, "json or csv"));
        }
        CS_TRY(auto result, stats::RunStats(b->stats, r));
        Reply reply;
        if (format == "csv") {
          reply.content_type = "text/csv; charset=utf-8";
          reply.body = stats::StatsCsv(result, call.lang == Lang::kVi);
        } else {
          reply.body = stats::StatsJson(result, r);
        }
        return reply;
      }});
}

}  // namespace childsafe::api
