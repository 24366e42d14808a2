#include "crypto/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace childsafe::crypto {

Status Init() {
  static const int rc = sodium_init();
  if (rc < 0) return Fail(Error::Internal("sodium_init failed"));
  return {};
}

namespace {
void MustInit() {
  if (!Init()) std::abort();  // libsodium unusable: nothing safe can be done
}
}  // namespace

SecretKey::SecretKey() = default;
SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }
SecretKey::SecretKey(const SecretKey& o) : bytes_(o.bytes_) {}
SecretKey& SecretKey::operator=(const SecretKey& o) {
  bytes_ = o.bytes_;
  return *this;
}

SecretKey SecretKey::Random() {
  MustInit();
  SecretKey k;
  randombytes_buf(k.bytes_.data(), k.bytes_.size());
  return k;
}

Result<SecretKey> SecretKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) return Fail(Error::Invalid("a key is 32 bytes"));
  SecretKey k;
  std::memcpy(k.bytes_.data(), bytes.data(), kSize);
  return k;
}

std::string SecretKey::Hex() const {
  return ToHex(std::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

Result<SecretKey> SecretKey::FromHex(std::string_view hex) {
  CS_TRY(std::string bytes, crypto::FromHex(hex));
  auto k = FromBytes(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return k;
}

// ---- master keys -------------------------------------------------------------------------------

Result<MasterKeys> MasterKeys::Parse(std::string_view text) {
  MasterKeys m;
  std::string line;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of(";\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
    while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    if (l.empty() || l.front() == '#') continue;
    size_t colon = l.find(':');
    auto bad = [&] {
      return Fail(Error::Invalid("master key entry " + std::to_string(line_no) +
                                 " is not '<id>:<64 hex digits>'"));
    };
    if (colon == std::string_view::npos || colon == 0 || colon > 9) return bad();
    uint32_t id = 0;
    for (char c : l.substr(0, colon)) {
      if (c < '0' || c > '9') return bad();
      id = id * 10 + static_cast<uint32_t>(c - '0');
    }
    auto key = SecretKey::FromHex(l.substr(colon + 1));
    if (!key || id == 0) return bad();
    if (m.keys.count(id)) return Fail(Error::Invalid("master key id " + std::to_string(id) + " twice"));
    m.keys.emplace(id, std::move(*key));
    m.current = id;
  }
  if (m.keys.empty()) return Fail(Error::Invalid("no master key found"));
  return m;
}

Result<MasterKeys> MasterKeys::LoadFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Fail(Error::NotFound("master key file not found: " + path));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(Error::Precondition("master key file " + path +
                                    " is readable by others; run: chmod 600 " + path));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto m = Parse(text);
  sodium_memzero(text.data(), text.size());
  if (!m) m.error().message = path + ": " + m.error().message;
  return m;
}

uint32_t MasterKeys::AddRandom() {
  uint32_t id = keys.empty() ? 1 : keys.rbegin()->first + 1;
  keys.emplace(id, SecretKey::Random());
  current = id;
  return id;
}

Status MasterKeys::SaveFile(const std::string& path) const {
  std::string text = "# childsafe master keys: keep secret, back up separately from the database.\n"
                     "# The last line is the current key. Never edit by hand during a rotation.\n";
  // Current key last.
  for (const auto& [id, key] : keys) {
    if (id != current) text += std::to_string(id) + ":" + key.Hex() + "\n";
  }
  text += std::to_string(current) + ":" + keys.at(current).Hex() + "\n";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(Error::Unavailable("cannot write " + tmp));
  ::fchmod(fd, 0600);
  ssize_t written = ::write(fd, text.data(), text.size());
  bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(Error::Unavailable("cannot write " + path));
  }
  // Make the rename durable.
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<MasterKeys> MasterKeys::CreateFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    return Fail(Error::AlreadyExists("master key file already exists: " + path));
  }
  MasterKeys m;
  m.AddRandom();
  CS_TRY_STATUS(m.SaveFile(path));
  return m;
}

// ---- wrapping ----------------------------------------------------------------------------------

namespace {
std::string WrapAd(uint32_t id, std::string_view purpose) {
  return "childsafe-data-key-v1|" + std::to_string(id) + "|" + std::string(purpose);
}

std::string Seal(const SecretKey& key, std::string_view plaintext, std::string_view ad) {
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce, key.data());
  return out;
}

bool Open(const SecretKey& key, std::string_view sealed, std::string_view ad, std::string& out) {
  constexpr size_t kN = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kA = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kN + kA) return false;
  out.assign(sealed.size() - kN - kA, '\0');
  unsigned long long mlen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr, nonce + kN, sealed.size() - kN,
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce, key.data());
  if (rc != 0) {
    sodium_memzero(out.data(), out.size());
    out.clear();
    return false;
  }
  out.resize(mlen);
  return true;
}
}  // namespace

Result<WrappedKey> Wrap(const MasterKeys& master, uint32_t id, std::string_view purpose,
                        const SecretKey& key) {
  MustInit();
  auto it = master.keys.find(master.current);
  if (it == master.keys.end()) return Fail(Error::Internal("no current master key"));
  WrappedKey w{id, std::string(purpose), master.current, {}};
  w.wrapped = Seal(it->second,
                   std::string_view(reinterpret_cast<const char*>(key.data()), SecretKey::kSize),
                   WrapAd(id, purpose));
  return w;
}

Result<SecretKey> Unwrap(const MasterKeys& master, const WrappedKey& w) {
  MustInit();
  auto it = master.keys.find(w.master_id);
  if (it == master.keys.end()) {
    return Fail(Error::DataLoss("data key " + std::to_string(w.id) + " is wrapped by master key " +
                                std::to_string(w.master_id) + ", which is not in the key file"));
  }
  std::string raw;
  if (!Open(it->second, w.wrapped, WrapAd(w.id, w.purpose), raw)) {
    return Fail(Error::DataLoss("data key " + std::to_string(w.id) +
                                " does not unwrap: wrong master key or altered database"));
  }
  auto key = SecretKey::FromBytes(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

// ---- field cipher ------------------------------------------------------------------------------

FieldCipher::FieldCipher(std::map<uint32_t, SecretKey> keys, uint32_t current)
    : keys_(std::move(keys)), current_(current) {
  MustInit();
}

std::string FieldCipher::Encrypt(std::string_view plaintext, std::string_view ad) const {
  if (plaintext.empty()) return {};
  std::string out(5, '\0');
  out[0] = 0x01;
  out[1] = static_cast<char>((current_ >> 24) & 0xFF);
  out[2] = static_cast<char>((current_ >> 16) & 0xFF);
  out[3] = static_cast<char>((current_ >> 8) & 0xFF);
  out[4] = static_cast<char>(current_ & 0xFF);
  out += Seal(keys_.at(current_), plaintext, ad);
  return out;
}

Result<std::string> FieldCipher::Decrypt(std::string_view c, std::string_view ad) const {
  if (c.empty()) return std::string();
  if (c.size() < 5 || c[0] != 0x01) return Fail(Error::DataLoss("unknown ciphertext format"));
  uint32_t id = (static_cast<uint32_t>(static_cast<uint8_t>(c[1])) << 24) |
                (static_cast<uint32_t>(static_cast<uint8_t>(c[2])) << 16) |
                (static_cast<uint32_t>(static_cast<uint8_t>(c[3])) << 8) |
                static_cast<uint32_t>(static_cast<uint8_t>(c[4]));
  auto it = keys_.find(id);
  if (it == keys_.end()) return Fail(Error::DataLoss("unknown data key " + std::to_string(id)));
  std::string out;
  if (!Open(it->second, c.substr(5), ad, out)) {
    return Fail(Error::DataLoss("a protected field does not decrypt (altered or misplaced)"));
  }
  return out;
}

// ---- pseudonyms, tokens ------------------------------------------------------------------------

std::string Pseudonymizer::Pseudonym(std::string_view domain, std::string_view value) const {
  MustInit();
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_.data(), SecretKey::kSize, out.size());
  uint8_t len = static_cast<uint8_t>(domain.size() > 255 ? 255 : domain.size());
  crypto_generichash_update(&st, &len, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()), len);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits += c;
  }
  if (digits.size() >= 11 && digits.rfind("84", 0) == 0) digits = "0" + digits.substr(2);
  if (digits.size() < 3) return {};
  return digits;
}

std::string RandomToken(size_t bytes) {
  MustInit();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return Base64UrlEncode(raw);
}

std::string HashToken(std::string_view token) {
  MustInit();
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<uint8_t>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2) return Fail(Error::Invalid("hex text has an odd length"));
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = val(hex[2 * i]), lo = val(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Fail(Error::Invalid("not hexadecimal"));
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  MustInit();
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  MustInit();
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return Fail(Error::Invalid("not base64url"));
  }
  out.resize(len);
  return out;
}

}  // namespace childsafe::crypto
