#include "auth/password_policy.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "common/utf8.h"
#include "crypto/crypto.h"

namespace childsafe::auth {

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}
}  // namespace

Result<PasswordPolicy> PasswordPolicy::Load(const std::string& file, size_t min_length) {
  std::ifstream in(file);
  if (!in) return Fail(Error::NotFound("common password list not found: " + file));
  PasswordPolicy p;
  p.min_length_ = min_length;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    p.common_.insert(Lower(line));
  }
  if (p.common_.size() < 100)
    return Fail(Error::Invalid("the common password list looks truncated"));
  return p;
}

Status PasswordPolicy::Check(std::string_view pw, std::string_view username,
                             const std::string& field) const {
  auto no = [&](const std::string& why) {
    return Fail(Error::InvalidField(field, field_codes::kNotAllowed, why));
  };
  if (!IsValidUtf8(pw))
    return Fail(Error::InvalidField(field, field_codes::kInvalidUtf8, "not valid UTF-8"));
  size_t len = Utf8Length(pw);
  if (len < min_length_) {
    return Fail(Error::InvalidField(field, field_codes::kOutOfRange,
                                    "at least " + std::to_string(min_length_) + " characters"));
  }
  if (len > 256)
    return Fail(Error::InvalidField(field, field_codes::kTooLong, "at most 256 characters"));
  std::string lower = Lower(pw);
  if (common_.count(lower)) return no("a commonly used password");
  if (std::all_of(pw.begin(), pw.end(), [&](char c) { return c == pw[0]; }))
    return no("one character repeated");
  if (std::all_of(pw.begin(), pw.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return no("only digits (like a phone number or a date)");
  }
  bool up = true, down = true;
  for (size_t i = 1; i < lower.size(); ++i) {
    up = up && lower[i] == lower[i - 1] + 1;
    down = down && lower[i] == lower[i - 1] - 1;
  }
  if (up || down) return no("a run of consecutive characters");
  std::string user = Lower(username);
  if (user.size() >= 3 && lower.find(user) != std::string::npos)
    return no("contains the sign-in name");
  // A common password with a few characters added around it is still a common password.
  for (size_t cut = 1; cut <= 4 && cut < lower.size(); ++cut) {
    if (common_.count(lower.substr(0, lower.size() - cut)) && lower.size() - cut >= 6) {
      return no("a common password with a few characters added");
    }
  }
  return {};
}

std::string GeneratePassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";  // no 0/o, 1/l/i
  if (!crypto::Init()) std::abort();
  std::string out;
  for (int g = 0; g < 4; ++g) {
    if (g) out += '-';
    for (int i = 0; i < 5; ++i) out += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  }
  return out;
}

}  // namespace childsafe::auth
