#pragma once
// Text triage in the hotline: the use cases around the engine of src/text.
//
//  * Contacts: implements intake::ContactTriage. A contact's text is triaged when it arrives, is
//    corrected or imported; the level and score (coded, in clear) set its queue priority, the
//    signals and suggested categories are sealed with the keyring like the summary itself, and
//    its words go into the blind search index (search_terms.h). An emergency raises a supervisor
//    alert in the same unit of work as the contact. Nothing here is logged but ids and codes.
//  * The queue: contacts that arrived with text and nobody handling them (a web form, chat or
//    e-mail message received through an integration), highest priority first, then oldest. A
//    counsellor takes one; it becomes theirs. Contacts a counsellor records are theirs already.
//  * Decisions: the engine never closes or lowers anything. It may raise a contact's priority when
//    a correction reveals more risk; only a person lowers it. A counsellor's change of priority
//    and verdicts on suggestions ("wrong", "right") are stored (sealed) and audited.
//  * Alerts: listed, acknowledged (audited), and waited for by server-sent-event streams.
//  * The engine: compiled from the lexicon in the data directory, swapped atomically on reload
//    (SIGHUP or an administrator's API call); a lexicon that does not compile is refused and the
//    running engine stays. Calls in flight finish on the engine they started with.
//
// Every method checks the caller's permission (data/auth/permissions.json) and scope.
// Thread-safe: any number of threads may call any method.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/audit.h"
#include "auth/keyring.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/result.h"
#include "common/time.h"
#include "intake/contact_triage.h"
#include "storage/store.h"
#include "text/engine.h"
#include "triage/taxonomy_map.h"

namespace childsafe::triage {

struct TriageOptions {
  /// Where the lexicon lives (triage/*.tsv and text/teencode.tsv under it): the data directory.
  std::string data_dir;
  /// POST /api/v1/triage refuses longer text (413 naming "text"). A summary is at most 20,000
  /// characters (80 KB); chat transcripts may be longer.
  size_t max_text_bytes = 256 * 1024;
  /// Alert streams open at once (each holds one of the server's worker threads).
  int max_streams = 16;
};

struct QueueFilter {
  std::string state = "waiting";  // "waiting" or "taken"
  std::optional<storage::QueueCursor> after;
  int limit = 50;
};

/// A counsellor's decision on a contact's triage. At least one member must be set.
struct Decision {
  std::optional<text::Level> priority;
  /// Lexicon category -> "right", "wrong", or "" to withdraw a verdict. Only suggested
  /// categories may be judged.
  std::map<std::string, std::string> verdicts;
};

struct AlertFilter {
  bool open_only = true;
  std::optional<int64_t> before_id;
  int limit = 50;
};

/// Holds one of the limited alert-stream slots while it lives.
class StreamSlot {
 public:
  explicit StreamSlot(std::atomic<int>& open) : open_(open) {}
  ~StreamSlot() { open_.fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

 private:
  std::atomic<int>& open_;
};

class TriageService final : public intake::ContactTriage {
 public:
  TriageService(storage::Database& db, std::shared_ptr<const auth::Keyring> keyring,
                const auth::PermissionMatrix& permissions, const auth::AuditLog& audit,
                const Clock& clock, TaxonomyMap taxonomy_map, TriageOptions options);
  ~TriageService() override;

  // ---- the engine ----
  /// Compiles the lexicon now if no engine is loaded yet (the server does this at start, so a
  /// bad lexicon stops it there rather than at the first contact). Takes a few seconds.
  Status LoadEngine();
  /// Uses this engine (tests; the evaluation command).
  void UseEngine(std::shared_ptr<const text::Engine> engine);
  /// The engine in use, compiling it on first use. kUnavailable if the lexicon does not compile.
  Result<std::shared_ptr<const text::Engine>> Engine();
  /// Recompiles the lexicon from the data directory and swaps it in; on any error the running
  /// engine stays (kFailedPrecondition naming the file and line). Audited. Returns the new
  /// lexicon version. Needs "triage.reload" (the system principal for SIGHUP).
  Result<std::string> Reload(const auth::Principal& who);

  // ---- a text that is not stored ----
  /// The triage of `text` (POST /api/v1/triage, `childsafe triage`): kInvalidArgument naming
  /// "text" if empty or not UTF-8, kPayloadTooLarge over max_text_bytes. Not stored, not logged.
  Result<nlohmann::json> Analyse(const auth::Principal& who, std::string_view text);

  // ---- intake::ContactTriage ----
  Result<intake::PreparedText> Prepare(const auth::Principal& who, const domain::Contact& c,
                                       Event event, UnixSeconds now) override;
  Result<nlohmann::json> Describe(storage::ReadTxn& t, const domain::Contact& c) override;
  Result<std::vector<std::string>> SearchTerms(std::string_view query) const override;

  // ---- the queue ----
  Result<storage::QueuePage> ListQueue(const auth::Principal& who, const QueueFilter& f);
  /// Takes a waiting contact: kConflict if someone already has it, kNotFound if it is not in
  /// the queue or out of the caller's reach. Returns the entry as it now stands. Audited.
  Result<storage::ContactTriageRecord> Take(const auth::Principal& who, int64_t contact_id);
  /// Records a decision (kInvalidArgument naming the field; kNotFound out of reach;
  /// kFailedPrecondition if the contact has no triage or its data was erased). Audited with levels
  /// and counts only.
  Result<nlohmann::json> Decide(const auth::Principal& who, int64_t contact_id, const Decision& d);

  // ---- alerts ----
  Result<std::vector<storage::TriageAlert>> ListAlerts(const auth::Principal& who,
                                                       const AlertFilter& f);
  /// Acknowledges an alert (the first acknowledgement stands; repeating it is not an error).
  Result<storage::TriageAlert> Acknowledge(const auth::Principal& who, int64_t alert_id);
  /// Alerts above `after_id` the caller may see, oldest first (at most `limit`).
  Result<std::vector<storage::TriageAlert>> AlertsAfter(const auth::Principal& who,
                                                        int64_t after_id, int limit);
  /// The highest alert id the caller may see (0 if none): where a new stream starts.
  Result<int64_t> LatestAlertId(const auth::Principal& who);
  /// A stream slot, or kResourceExhausted when max_streams are open.
  Result<std::shared_ptr<StreamSlot>> OpenStream();
  /// Waits until an alert is raised in this process after `seen` (see AlertEpoch), Shutdown(),
  /// or `timeout`. Returns the current epoch. Alerts raised by other server instances are found
  /// by polling AlertsAfter.
  uint64_t WaitForAlert(uint64_t seen, std::chrono::milliseconds timeout);
  uint64_t AlertEpoch() const;
  /// Wakes every waiting stream and makes them finish (server shutdown).
  void Shutdown();
  bool shutting_down() const { return shutdown_.load(); }

  const TaxonomyMap& taxonomy_map() const { return taxonomy_map_; }
  const TriageOptions& options() const { return options_; }

 private:
  struct Prepared;
  Status Apply(storage::WriteTxn& t, const auth::Principal& who, const domain::Contact& stored,
               Prepared& p, Event event, UnixSeconds now);
  std::string Seal(const std::string& reference, const char* field, const std::string& plain) const;
  Result<std::string> Open(const std::string& reference, const char* field,
                           const std::string& sealed) const;
  Result<std::vector<std::string>> AlertCentres(const auth::Principal& who) const;
  void NotifyAlert();

  storage::Database& db_;
  std::shared_ptr<const auth::Keyring> keyring_;
  const auth::PermissionMatrix& permissions_;
  const auth::AuditLog& audit_;
  const Clock& clock_;
  TaxonomyMap taxonomy_map_;
  TriageOptions options_;

  std::mutex load_mu_;  // serialises compiles (first load, reloads)
  text::EngineHolder engine_{nullptr};

  mutable std::mutex alert_mu_;
  std::condition_variable alert_cv_;
  uint64_t alert_epoch_ = 0;
  std::atomic<bool> shutdown_{false};
  std::atomic<int> open_streams_{0};
};

}  // namespace childsafe::triage
