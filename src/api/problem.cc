#include "api/problem.h"

namespace childsafe::api {

Lang NegotiateLang(std::string_view h) {
  // The first language tag decides; Vietnamese is the default.
  size_t start = h.find_first_not_of(" \t");
  if (start == std::string_view::npos) return Lang::kVi;
  std::string_view first = h.substr(start, 2);
  return (first == "en" || first == "EN" || first == "En") ? Lang::kEn : Lang::kVi;
}

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDataLoss: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

namespace {

struct Title {
  const char* vi;
  const char* en;
};

Title TitleOf(int status) {
  switch (status) {
    case 400: return {"Yêu cầu không hợp lệ", "Invalid request"};
    case 401: return {"Chưa xác thực", "Authentication required"};
    case 403: return {"Không có quyền", "Not allowed"};
    case 404: return {"Không tìm thấy", "Not found"};
    case 405: return {"Phương thức không được hỗ trợ", "Method not allowed"};
    case 409: return {"Xung đột dữ liệu", "Conflict"};
    case 413: return {"Dữ liệu gửi lên quá lớn", "Request body too large"};
    case 414: return {"Địa chỉ quá dài", "URI too long"};
    case 415: return {"Kiểu dữ liệu không được hỗ trợ", "Unsupported media type"};
    case 416: return {"Phạm vi không hợp lệ", "Range not satisfiable"};
    case 428: return {"Cần điều kiện phiên bản", "Precondition required"};
    case 429: return {"Quá nhiều yêu cầu", "Too many requests"};
    case 431: return {"Tiêu đề yêu cầu quá lớn", "Request headers too large"};
    case 503: return {"Dịch vụ tạm thời không sẵn sàng", "Service unavailable"};
    default:
      if (status >= 500) return {"Lỗi máy chủ", "Server error"};
      return {"Yêu cầu không hợp lệ", "Invalid request"};
  }
}

std::string TypeOf(int status) { return "urn:childsafe:problem:" + std::to_string(status); }

}  // namespace

std::string_view FieldCodeVi(std::string_view code) {
  if (code == field_codes::kRequired) return "Bắt buộc phải có";
  if (code == field_codes::kInvalidType) return "Sai kiểu dữ liệu";
  if (code == field_codes::kInvalidFormat) return "Sai định dạng";
  if (code == field_codes::kUnknownCode) return "Mã không có trong bộ phân loại";
  if (code == field_codes::kUnknownField) return "Trường không được hỗ trợ";
  if (code == field_codes::kOutOfRange) return "Giá trị ngoài phạm vi cho phép";
  if (code == field_codes::kTooLong) return "Quá dài";
  if (code == field_codes::kNotAllowed) return "Không được phép trong trường hợp này";
  if (code == field_codes::kInFuture) return "Thời điểm ở tương lai";
  if (code == field_codes::kInvalidUtf8) return "Văn bản không phải UTF-8 hợp lệ";
  if (code == field_codes::kDuplicate) return "Bị trùng lặp";
  return "Giá trị không hợp lệ";
}

nlohmann::json ProblemJson(const Error& e, Lang lang, const std::string& request_id, int status) {
  if (status == 0) status = HttpStatus(e.code);
  Title t = TitleOf(status);
  nlohmann::json j;
  j["type"] = TypeOf(status);
  j["title"] = lang == Lang::kVi ? t.vi : t.en;
  j["status"] = status;
  j["code"] = std::string(ErrorCodeName(e.code));
  // 5xx details stay in the log; the client gets the title only.
  if (status < 500) j["detail"] = e.message;
  if (!e.fields.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& f : e.fields) {
      std::string message = lang == Lang::kVi ? std::string(FieldCodeVi(f.code)) : f.message;
      errors.push_back({{"field", f.field}, {"code", f.code}, {"message", message},
                        {"message_en", f.message}});
    }
    j["errors"] = std::move(errors);
  }
  j["request_id"] = request_id;
  return j;
}

nlohmann::json ProblemForStatus(int status, Lang lang, const std::string& request_id) {
  Title t = TitleOf(status);
  return {{"type", TypeOf(status)},
          {"title", lang == Lang::kVi ? t.vi : t.en},
          {"status", status},
          {"request_id", request_id}};
}

}  // namespace childsafe::api
