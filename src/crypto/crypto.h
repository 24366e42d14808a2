#pragma once
// Cryptography for children's data, all from libsodium.
//
//  - Master keys live outside the database: a file with 0600 permissions (or the environment).
//    They only wrap data keys; losing them loses the data, so the file can hold several keys
//    (during rotation) and each wrapped key records which master key wrapped it.
//  - Data keys (random, 256-bit) encrypt fields with XChaCha20-Poly1305. Each ciphertext names its
//    data key, so old records stay readable after a data-key rotation, and is bound to where it
//    belongs (associated data such as "contacts.summary#42"), so a ciphertext copied to another row
//    or column fails to decrypt.
//  - Pseudonyms: keyed BLAKE2b, so the same phone number always maps to the same opaque value
//    without the number being stored or recoverable without the key.
//
// All classes are immutable after construction and safe to share between threads.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace childsafe::crypto {

/// Initialises libsodium (idempotent, thread-safe). Every other function calls it.
Status Init();

/// A 256-bit secret, wiped from memory on destruction.
class SecretKey {
 public:
  static constexpr size_t kSize = 32;
  SecretKey();  // zero key
  ~SecretKey();
  SecretKey(const SecretKey&);
  SecretKey& operator=(const SecretKey&);
  static SecretKey Random();
  static Result<SecretKey> FromBytes(std::string_view bytes);
  const uint8_t* data() const { return bytes_.data(); }
  std::string Hex() const;
  static Result<SecretKey> FromHex(std::string_view hex);

 private:
  std::array<uint8_t, kSize> bytes_{};
};

/// Master keys by id. File format (text): one key per line, "<id>:<64 hex digits>"; '#' comments.
/// The last line is the current key. The file must not be readable by group or others.
struct MasterKeys {
  std::map<uint32_t, SecretKey> keys;
  uint32_t current = 0;

  /// Reads `path`; refuses a file with permissions wider than 0600 or malformed lines.
  static Result<MasterKeys> LoadFile(const std::string& path);
  /// Parses the environment form: the same text ("1:abcd...;2:..." with ';' or newlines).
  static Result<MasterKeys> Parse(std::string_view text);
  /// Creates a new file with one random key (mode 0600). Fails if it exists.
  static Result<MasterKeys> CreateFile(const std::string& path);
  /// Writes all keys to `path` atomically (temp file + fsync + rename), mode 0600.
  Status SaveFile(const std::string& path) const;
  /// Adds a fresh random key and makes it current; returns its id.
  uint32_t AddRandom();
};

/// A data key wrapped (encrypted) by a master key, as stored in the database.
struct WrappedKey {
  uint32_t id = 0;         // data key id
  std::string purpose;     // "field", "pseudonym", "audit", "token"
  uint32_t master_id = 0;  // which master key wrapped it
  std::string wrapped;     // nonce || ciphertext || tag
};

/// Wraps a data key under the current master key (associated data binds id and purpose).
Result<WrappedKey> Wrap(const MasterKeys& master, uint32_t id, std::string_view purpose,
                        const SecretKey& key);
/// Unwraps; fails with kDataLoss if the master key is missing or the wrapping was altered.
Result<SecretKey> Unwrap(const MasterKeys& master, const WrappedKey& wrapped);

/// Field encryption. Ciphertext layout (binary): version byte 0x01 | data key id (4 bytes,
/// big-endian) | 24-byte nonce | ciphertext | 16-byte tag. Empty plaintext encrypts to an empty
/// string (nothing to protect; keeps optional fields cheap).
class FieldCipher {
 public:
  /// `keys` are all data keys by id; `current` encrypts new values.
  FieldCipher(std::map<uint32_t, SecretKey> keys, uint32_t current);

  std::string Encrypt(std::string_view plaintext, std::string_view associated_data) const;
  /// kDataLoss on tampering, wrong associated data or an unknown key id.
  Result<std::string> Decrypt(std::string_view ciphertext, std::string_view associated_data) const;
  uint32_t current_key_id() const { return current_; }

 private:
  std::map<uint32_t, SecretKey> keys_;
  uint32_t current_;
};

/// Keyed pseudonyms (BLAKE2b-256 keyed with a dedicated data key). Deterministic.
class Pseudonymizer {
 public:
  explicit Pseudonymizer(SecretKey key) : key_(std::move(key)) {}
  /// 32 raw bytes. Callers normalise input first (see NormalizePhone).
  std::string Pseudonym(std::string_view domain, std::string_view value) const;

 private:
  SecretKey key_;
};

/// Normalises a Vietnamese phone number for pseudonymisation: digits only, "+84"/"84" prefix
/// turned into a leading 0, so "+84 912 345 678" and "0912.345.678" are the same person.
/// Returns empty if there are fewer than 3 digits (too little to identify anyone).
std::string NormalizePhone(std::string_view phone);

/// A high-entropy random token, URL-safe base64 without padding (32 random bytes → 43 chars).
std::string RandomToken(size_t bytes = 32);
/// SHA-256-style digest of a high-entropy token for storage (BLAKE2b-256, hex). Not for passwords.
std::string HashToken(std::string_view token);
/// Constant-time comparison.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string ToHex(std::string_view bytes);
Result<std::string> FromHex(std::string_view hex);
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace childsafe::crypto
