#pragma once
// Secrets people and devices hold: passwords (argon2id), one-time codes (RFC 6238 TOTP) and the
// base32 text form authenticator apps use. All from libsodium, except HMAC-SHA1, which TOTP apps
// expect and libsodium lacks (OpenSSL).
//
// Thread-safe; pure apart from the randomness of new secrets.

#include <cstdint>
#include <string>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace childsafe::crypto {

/// An argon2id hash in the PHC string form ("$argon2id$v=19$m=65536,t=2,p=1$..."), with
/// libsodium's interactive limits (64 MiB, about 0.1 s here): slow for an attacker with a stolen
/// table, fast enough for a person signing in.
Result<std::string> HashPassword(std::string_view password);
/// Constant-time check of a password against a stored hash. False for malformed hashes.
bool VerifyPassword(std::string_view password, const std::string& hash);
/// True when the hash was made with weaker limits than today's (rehash at next sign-in).
bool PasswordNeedsRehash(const std::string& hash);

/// RFC 4648 base32 without padding (authenticator apps' secret format).
std::string Base32Encode(std::string_view bytes);
Result<std::string> Base32Decode(std::string_view text);

enum class TotpHash { kSha1, kSha256, kSha512 };

/// RFC 6238 time-based one-time password for `unix_time` (step 30 s by default, T0 = 0).
/// HOTP truncation per RFC 4226; `digits` 6 to 8.
std::string Totp(std::string_view secret, int64_t unix_time, int digits = 6,
                 TotpHash hash = TotpHash::kSha1, int step_seconds = 30);

/// Checks a code against the current step and `window` steps either side (clock drift). Returns
/// the matched time step (so the caller can refuse reuse of the same step), or nullopt.
std::optional<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_time,
                                  int window = 1);

/// A new random TOTP secret (20 bytes, as RFC 4226 recommends).
std::string NewTotpSecret();
/// otpauth://totp/childsafe:<account>?secret=...&issuer=childsafe — for a QR code.
std::string TotpUri(std::string_view account, std::string_view secret);

}  // namespace childsafe::crypto
