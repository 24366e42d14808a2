#include "common/result.h"

namespace childsafe {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDataLoss: return "data_loss";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

namespace {
Error Make(ErrorCode code, std::string message, std::string detail = {}) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  e.detail = std::move(detail);
  return e;
}
}  // namespace

Error Error::Invalid(std::string message, std::vector<FieldError> fields) {
  Error e = Make(ErrorCode::kInvalidArgument, std::move(message));
  e.fields = std::move(fields);
  return e;
}
Error Error::InvalidField(std::string field, std::string_view code, std::string message) {
  std::string top = field + ": " + message;
  return Invalid(std::move(top), {FieldError{std::move(field), std::string(code), std::move(message)}});
}
Error Error::NotFound(std::string message) { return Make(ErrorCode::kNotFound, std::move(message)); }
Error Error::Conflict(std::string message) { return Make(ErrorCode::kConflict, std::move(message)); }
Error Error::AlreadyExists(std::string message) {
  return Make(ErrorCode::kAlreadyExists, std::move(message));
}
Error Error::Precondition(std::string message) {
  return Make(ErrorCode::kFailedPrecondition, std::move(message));
}
Error Error::Unauthenticated(std::string message) {
  return Make(ErrorCode::kUnauthenticated, std::move(message));
}
Error Error::PermissionDenied(std::string message) {
  return Make(ErrorCode::kPermissionDenied, std::move(message));
}
Error Error::TooLarge(std::string message) {
  return Make(ErrorCode::kPayloadTooLarge, std::move(message));
}
Error Error::Unavailable(std::string message, std::string detail) {
  return Make(ErrorCode::kUnavailable, std::move(message), std::move(detail));
}
Error Error::DataLoss(std::string message, std::string detail) {
  return Make(ErrorCode::kDataLoss, std::move(message), std::move(detail));
}
Error Error::Internal(std::string detail) {
  return Make(ErrorCode::kInternal, "internal error", std::move(detail));
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  out += ": ";
  out += message;
  if (!fields.empty()) {
    out += " (";
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += "; ";
      out += fields[i].field;
      out += ": ";
      out += fields[i].message;
    }
    out += ")";
  }
  return out;
}

void FieldErrors::Add(std::string field, std::string_view code, std::string message) {
  fields_.push_back(FieldError{std::move(field), std::string(code), std::move(message)});
}

Status FieldErrors::ToStatus(std::string message) && {
  if (fields_.empty()) return {};
  return Fail(Error::Invalid(std::move(message), std::move(fields_)));
}

}  // namespace childsafe
