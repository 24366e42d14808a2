#pragma once
// What the contact service asks of text triage, as an interface so intake stays testable on its
// own and does not depend on the text engine. triage::TriageService implements it; the runtime
// (cli/runtime.cc) and the test back end (testing/services.h) wire the real one in.
//
// On every create, correction and import of a contact, ContactService calls Prepare() with the
// contact's plaintext before its unit of work (the compute happens outside the database's single
// writer), then runs the returned `apply` inside the same unit of work as the contact itself, so
// the contact, its triage, its search terms and any supervisor alert are written together or not
// at all. `after_commit` runs once the unit of work is durable (to wake alert streams).
//
// Implementations must be thread-safe.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "domain/contact.h"
#include "storage/store.h"

namespace childsafe::intake {

/// Work prepared outside a unit of work and applied inside it.
struct PreparedText {
  /// Runs inside the contact's unit of work; `stored` has its id and reference assigned.
  std::function<Status(storage::WriteTxn& t, const domain::Contact& stored)> apply;
  /// Runs after the unit of work committed (may be empty).
  std::function<void()> after_commit;
};

class ContactTriage {
 public:
  enum class Event {
    kArrival,     // a new contact: triaged, queued if nobody handles it yet, alerts raised
    kCorrection,  // a contact's fields replaced: triaged again; the engine may raise, not lower
    kImport,      // a record from elsewhere (history): triaged and indexed, never queued
  };

  virtual ~ContactTriage() = default;

  /// Triages the contact's text and prepares what to store. kUnavailable if the engine cannot
  /// be loaded (the contact is then not written either: nothing is stored untriaged).
  virtual Result<PreparedText> Prepare(const auth::Principal& who, const domain::Contact& c,
                                       Event event, UnixSeconds now) = 0;

  /// The triage of a contact as its reader sees it (signals with spans into `c.summary`,
  /// suggested categories, queue state, alerts), or null if it has none. `c` is decrypted; the
  /// caller has checked and recorded the read.
  virtual Result<nlohmann::json> Describe(storage::ReadTxn& t, const domain::Contact& c) = 0;

  /// The keyed hashes of the words of a search query (every one must match). kInvalidArgument
  /// naming `q` when it has no words or too many.
  virtual Result<std::vector<std::string>> SearchTerms(std::string_view query) const = 0;
};

}  // namespace childsafe::intake
