#include "imagehash/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace childsafe::imagehash {

namespace {

std::string Hex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (unsigned int i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string Digest(std::span<const uint8_t> bytes, const EVP_MD* md) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure or a missing provider; both are bugs or an
  // exhausted machine, not bad input, so they surface as exceptions.
  if (EVP_Digest(bytes.data(), bytes.size(), out, &size, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return Hex(out, size);
}

}  // namespace

FileDigests ComputeDigests(std::span<const uint8_t> bytes) {
  FileDigests d;
  d.md5 = Digest(bytes, EVP_md5());
  d.sha1 = Digest(bytes, EVP_sha1());
  d.sha256 = Digest(bytes, EVP_sha256());
  return d;
}

}  // namespace childsafe::imagehash
