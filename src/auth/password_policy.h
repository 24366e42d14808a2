#pragma once
// What a password must be: long enough (12 characters by default), not one of the common
// passwords shipped in data/auth/common-passwords.txt (case-insensitive), not one character
// repeated, not a run like "123456789012" or "abcdefghijkl", not all digits (phone numbers,
// dates), and not containing the person's own sign-in name.

#include <string>
#include <string_view>
#include <unordered_set>

#include "common/result.h"

namespace childsafe::auth {

class PasswordPolicy {
 public:
  static Result<PasswordPolicy> Load(const std::string& common_passwords_file,
                                     size_t min_length = 12);
  /// Ok, or kInvalidArgument naming `field` with the reason.
  Status Check(std::string_view password, std::string_view username,
               const std::string& field = "password") const;

 private:
  size_t min_length_ = 12;
  std::unordered_set<std::string> common_;
};

/// A random password people can type: 4 groups of 5 letters and digits, e.g. "k7m2q-x9w3r-...".
std::string GeneratePassword();

}  // namespace childsafe::auth
