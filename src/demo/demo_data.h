#pragma once
// A synthetic national dataset for demonstrations, tests and benchmarks, shaped like Hotline
// 111's published figures (shared/reference/seed-article.md, vietnam-law-and-process.md):
//
//  - volume: about 1,000-1,500 contacts a day, more than 1.55 million from 1 June 2021 to
//    1 June 2025, following the yearly totals (368k in 2022, 323,615 in 2023) with weekly and
//    seasonal rhythm (summer holidays up, Tết down) and night hours;
//  - about 90% non-data call types (silent, hang-up, prank, ...), the rest counselling contacts
//    with children, categories, outcomes and urgency;
//  - exactly 2,439 contacts about abuse in the online environment over that period — 2,043
//    counselling, 91 intervention and connection, 305 reports — with more in January-June 2025
//    than in any earlier half-year. Other periods get the same daily rates pro rata;
//  - three call centres serving their provinces, provinces weighted by population, the 63-unit
//    codes before 1 July 2025 and the 34-unit codes after;
//  - synthetic summaries (never real cases) and some repeat callers.
//
// Deterministic: the same seed and period give the same contacts (own PRNG, no std
// distributions, whose output differs between standard libraries).

#include <cstdint>
#include <functional>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "domain/contact.h"
#include "domain/provinces.h"
#include "domain/taxonomy.h"
#include "intake/contact_service.h"

namespace childsafe::demo {

struct DemoOptions {
  uint64_t seed = 111;
  LocalDay from = 0;  // inclusive, local
  LocalDay to = 0;    // exclusive
  /// Days per transaction when writing.
  int days_per_batch = 30;
};

struct DemoReport {
  int64_t contacts = 0;
  int64_t data_contacts = 0;
  int64_t online_contacts = 0;
  int64_t online_counselling = 0, online_intervention = 0, online_report = 0;
};

/// Generates the dataset day by day, calling `sink` with each day's contacts in time order.
/// Pure: no I/O, no clock.
Result<DemoReport> GenerateDemoData(const DemoOptions& options, const domain::Taxonomy& taxonomy,
                                    const domain::Provinces& provinces,
                                    const std::function<Status(std::vector<domain::Contact>&&)>& sink);

/// Generates and writes the dataset through the contact service (batched transactions).
Result<DemoReport> WriteDemoData(const DemoOptions& options, intake::ContactService& service);

/// The published targets for online-abuse contacts per half-year of the canonical period.
struct HalfYearTarget {
  int year;
  int half;  // 1 or 2
  int contacts;
};
const std::vector<HalfYearTarget>& OnlineTargets();

}  // namespace childsafe::demo
