#pragma once
// Errors as values at module boundaries.
//
// Every fallible call across a module boundary returns Result<T> (tl::expected<T, Error>).
// An Error carries a code (mapped to an HTTP status in exactly one place, api/problem.cc), a
// message that is safe to show a client, optional per-field errors, and a `detail` meant for the
// log only. Neither `message` nor `detail` may contain personal data: name fields and codes, never
// values a person typed.

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>
#include <vector>

namespace childsafe {

enum class ErrorCode {
  kInvalidArgument,     // the input is wrong; fields say where (HTTP 400/422)
  kNotFound,            // no such record (404)
  kAlreadyExists,       // unique key taken (409)
  kConflict,            // stale version or idempotency key reused with another body (409)
  kFailedPrecondition,  // state forbids it, e.g. database newer than this binary (409/500)
  kUnauthenticated,     // no or bad credentials (401)
  kPermissionDenied,    // authenticated but not allowed (403)
  kPayloadTooLarge,     // body or file over the limit (413)
  kResourceExhausted,   // rate limit, quota (429)
  kUnavailable,         // try again later: database busy, shutting down (503)
  kDataLoss,            // corruption detected (500)
  kInternal,            // a bug (500)
};

/// Stable lower-case name of a code, e.g. "invalid_argument" (used in logs and problem types).
std::string_view ErrorCodeName(ErrorCode code);

/// A problem with one input field. `field` is a JSON-pointer-like path ("children/0/age") or a
/// CLI option/column name; `code` is a machine word (see field_codes below); `message` is English
/// and safe to show. Vietnamese text for each code lives in the interface layer.
struct FieldError {
  std::string field;
  std::string code;
  std::string message;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

/// Machine codes for field errors; interfaces translate them (vi first, en second).
namespace field_codes {
inline constexpr std::string_view kRequired = "required";
inline constexpr std::string_view kInvalidType = "invalid_type";
inline constexpr std::string_view kInvalidFormat = "invalid_format";
inline constexpr std::string_view kUnknownCode = "unknown_code";
inline constexpr std::string_view kUnknownField = "unknown_field";
inline constexpr std::string_view kOutOfRange = "out_of_range";
inline constexpr std::string_view kTooLong = "too_long";
inline constexpr std::string_view kNotAllowed = "not_allowed";
inline constexpr std::string_view kInFuture = "in_future";
inline constexpr std::string_view kInvalidUtf8 = "invalid_utf8";
inline constexpr std::string_view kDuplicate = "duplicate";
}  // namespace field_codes

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;             // safe for clients; English
  std::vector<FieldError> fields;  // empty unless kInvalidArgument
  std::string detail;              // log only; never personal data
  int retry_after_seconds = 0;     // for kResourceExhausted: when to try again (Retry-After)

  static Error Invalid(std::string message, std::vector<FieldError> fields = {});
  static Error InvalidField(std::string field, std::string_view code, std::string message);
  static Error NotFound(std::string message);
  static Error Conflict(std::string message);
  static Error AlreadyExists(std::string message);
  static Error Precondition(std::string message);
  static Error Unauthenticated(std::string message);
  static Error PermissionDenied(std::string message);
  static Error TooLarge(std::string message);
  static Error Unavailable(std::string message, std::string detail = {});
  static Error DataLoss(std::string message, std::string detail = {});
  static Error Internal(std::string detail);

  /// One line for a terminal or a log: "invalid_argument: bad contact (children/0/age: ...)".
  std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

/// Shorthand for returning an error from a function that returns Result<T> or Status.
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

/// Collects field errors while validating, so a client learns every problem at once.
class FieldErrors {
 public:
  void Add(std::string field, std::string_view code, std::string message);
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  const std::vector<FieldError>& fields() const { return fields_; }
  /// Ok when empty, otherwise an kInvalidArgument Error with `message` and all the fields.
  Status ToStatus(std::string message) &&;

 private:
  std::vector<FieldError> fields_;
};

}  // namespace childsafe

/// Propagates an error: `CS_TRY(auto x, Foo());` or `CS_TRY_STATUS(Bar());`.
#define CS_CONCAT_INNER(a, b) a##b
#define CS_CONCAT(a, b) CS_CONCAT_INNER(a, b)
#define CS_TRY(decl, expr) CS_TRY_IMPL(CS_CONCAT(cs_try_tmp_, __COUNTER__), decl, expr)
#define CS_TRY_IMPL(tmp, decl, expr)                          \
  auto tmp = (expr);                                          \
  if (!tmp) return ::childsafe::Fail(std::move(tmp).error()); \
  decl = std::move(*tmp)
#define CS_TRY_STATUS(expr) CS_TRY_STATUS_IMPL(CS_CONCAT(cs_status_tmp_, __COUNTER__), expr)
#define CS_TRY_STATUS_IMPL(tmp, expr)                           \
  do {                                                          \
    auto tmp = (expr);                                          \
    if (!tmp) return ::childsafe::Fail(std::move(tmp).error()); \
  } while (0)
