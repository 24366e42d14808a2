#pragma once
// Errors on the wire: RFC 9457 problem+json. This file is the one place where an ErrorCode
// becomes an HTTP status, and where the client-facing text is chosen (Vietnamese first, English
// when the client asks for it with Accept-Language: en). Error::detail never leaves the server.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace childsafe::api {

enum class Lang { kVi, kEn };
/// Vietnamese unless the Accept-Language header prefers English.
Lang NegotiateLang(std::string_view accept_language);

int HttpStatus(ErrorCode code);
/// The problem+json body for an error (status 0: the status of the error's code).
nlohmann::json ProblemJson(const Error& e, Lang lang, const std::string& request_id, int status = 0);
/// A problem for an HTTP status the framework produced itself (404 route, 413 body, ...).
nlohmann::json ProblemForStatus(int status, Lang lang, const std::string& request_id);
/// Vietnamese text for a field-error code ("required" -> "Bắt buộc phải có").
std::string_view FieldCodeVi(std::string_view code);

inline constexpr std::string_view kProblemContentType = "application/problem+json; charset=utf-8";

}  // namespace childsafe::api
