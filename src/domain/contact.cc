#include "domain/contact.h"

#include <cstdio>
#include <set>

#include "common/utf8.h"

namespace childsafe::domain {

namespace {

void CheckText(FieldErrors& errs, const std::string& field, const std::string& value,
               size_t max_chars) {
  if (value.empty()) return;
  if (!IsValidUtf8(value)) {
    errs.Add(field, field_codes::kInvalidUtf8, "text is not valid UTF-8");
  } else if (Utf8Length(value) > max_chars) {
    errs.Add(field, field_codes::kTooLong, "at most " + std::to_string(max_chars) + " characters");
  }
}

void CheckCode(FieldErrors& errs, const std::string& field, const std::string& value,
               const CodeSet& set, bool required) {
  if (value.empty()) {
    if (required) errs.Add(field, field_codes::kRequired, "is required");
    return;
  }
  if (!set.Contains(value)) errs.Add(field, field_codes::kUnknownCode, "unknown code");
}

}  // namespace

Status ValidateContact(const Contact& c, const ValidationContext& ctx) {
  const Taxonomy& tx = ctx.taxonomy;
  FieldErrors errs;

  if (c.received_at == 0) {
    errs.Add("received_at", field_codes::kRequired, "is required");
  } else if (c.received_at > ctx.now + kFutureToleranceSeconds) {
    errs.Add("received_at", field_codes::kInFuture, "is in the future");
  } else if (CivilFromDays(LocalDayOf(c.received_at)).year < kEarliestYear) {
    errs.Add("received_at", field_codes::kOutOfRange, "is before the hotline existed");
  }
  const LocalDay day = LocalDayOf(c.received_at);

  CheckCode(errs, "channel", c.channel, tx.channels(), true);
  CheckCode(errs, "centre", c.centre, tx.centres(), true);
  CheckCode(errs, "call_type", c.call_type, tx.call_types(), true);
  CheckCode(errs, "outcome", c.outcome, tx.outcomes(), true);
  CheckText(errs, "counsellor", c.counsellor, 64);
  CheckText(errs, "summary", c.summary, kMaxSummaryChars);
  if (c.duration_seconds < 0 || c.duration_seconds > kMaxDurationSeconds) {
    errs.Add("duration_seconds", field_codes::kOutOfRange, "must be between 0 and 86400");
  }
  if (!c.taxonomy_version.empty() && c.taxonomy_version != tx.version()) {
    errs.Add("taxonomy_version", field_codes::kNotAllowed,
             "this server records contacts with taxonomy " + tx.version());
  }

  if (c.caller) {
    CheckCode(errs, "caller/relation", c.caller->relation, tx.caller_relations(), false);
    CheckCode(errs, "caller/age_band", c.caller->age_band, tx.caller_age_bands(), false);
    CheckCode(errs, "caller/gender", c.caller->gender, tx.genders(), false);
    CheckText(errs, "caller/name", c.caller->name, 200);
    CheckText(errs, "caller/phone", c.caller->phone, 32);
  }

  if (c.children.size() > kMaxChildren) {
    errs.Add("children", field_codes::kOutOfRange, "at most 20 children per contact");
  }
  for (size_t i = 0; i < c.children.size() && i < kMaxChildren; ++i) {
    const Child& ch = c.children[i];
    std::string p = "children/" + std::to_string(i) + "/";
    if (ch.age && (*ch.age < 0 || *ch.age > 25)) {
      errs.Add(p + "age", field_codes::kOutOfRange, "must be between 0 and 25");
    }
    CheckCode(errs, p + "gender", ch.gender, tx.genders(), false);
    if (!ch.province.empty() && c.received_at != 0) {
      auto s = ctx.provinces.ValidateOn(ch.province, day, p + "province");
      if (!s) {
        for (auto& f : s.error().fields) errs.Add(f.field, f.code, f.message);
      }
    }
    CheckText(errs, p + "name", ch.name, 200);
    CheckText(errs, p + "address", ch.address, 500);
    CheckText(errs, p + "phone", ch.phone, 32);
    if (!ch.date_of_birth.empty() && !ParseDate(ch.date_of_birth, p + "date_of_birth")) {
      errs.Add(p + "date_of_birth", field_codes::kInvalidFormat, "expected YYYY-MM-DD or dd/mm/yyyy");
    }
  }

  if (c.categories.size() > kMaxCategories) {
    errs.Add("categories", field_codes::kOutOfRange, "at most 30 categories per contact");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < c.categories.size() && i < kMaxCategories; ++i) {
    std::string f = "categories/" + std::to_string(i);
    if (!tx.FindSubcategory(c.categories[i])) {
      errs.Add(f, field_codes::kUnknownCode, "unknown category code");
    } else if (!seen.insert(c.categories[i]).second) {
      errs.Add(f, field_codes::kDuplicate, "category listed twice");
    }
  }

  // Combinations.
  if (auto kind = tx.KindOf(c.call_type)) {
    if (*kind == CallKind::kNonData) {
      if (!c.children.empty()) {
        errs.Add("children", field_codes::kNotAllowed, "a non-data call type records no children");
      }
      if (!c.categories.empty()) {
        errs.Add("categories", field_codes::kNotAllowed,
                 "a non-data call type records no categories");
      }
      if (!c.urgency.empty()) {
        errs.Add("urgency", field_codes::kNotAllowed, "a non-data call type has no urgency");
      }
      if (!c.outcome.empty() && c.outcome != codes::kOutcomeNone &&
          c.outcome != codes::kOutcomeInformation) {
        errs.Add("outcome", field_codes::kNotAllowed,
                 "a non-data call type ends with outcome 'none' or 'information'");
      }
    } else {
      if (c.children.empty()) {
        errs.Add("children", field_codes::kRequired, "a data contact concerns at least one child");
      }
      if (c.categories.empty()) {
        errs.Add("categories", field_codes::kRequired, "a data contact has at least one category");
      }
      CheckCode(errs, "urgency", c.urgency, tx.urgencies(), true);
      if (c.call_type == codes::kCallChildAboutSelf && c.caller && !c.caller->relation.empty() &&
          c.caller->relation != codes::kRelationSelf) {
        errs.Add("caller/relation", field_codes::kNotAllowed,
                 "a child calling about self is the caller (relation 'self')");
      }
      if (c.call_type == codes::kCallChildAboutSelf && c.children.size() > 1) {
        errs.Add("children", field_codes::kNotAllowed,
                 "a child calling about self concerns exactly one child");
      }
    }
  } else {
    CheckCode(errs, "urgency", c.urgency, tx.urgencies(), false);
  }

  return std::move(errs).ToStatus("invalid contact");
}

bool IsOnline(const Contact& c, const Taxonomy& taxonomy) {
  for (const auto& code : c.categories) {
    auto i = taxonomy.FindSubcategory(code);
    if (i && taxonomy.subcategory(*i).online) return true;
  }
  return false;
}

std::string FormatReference(int year, int64_t sequence) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "111-%04d-%06lld", year, static_cast<long long>(sequence));
  return buf;
}

}  // namespace childsafe::domain
