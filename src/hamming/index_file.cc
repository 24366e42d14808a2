#include "hamming/index_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>

#include "hamming/crc32c.h"

namespace childsafe::hamming {
namespace {

constexpr std::string_view kMagic = "CSHAMIDX";
constexpr std::string_view kEndMarker = "CSIE";
constexpr size_t kHeaderCrcOffset = 60;

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void PutU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t GetU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}
uint64_t GetU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

std::array<uint8_t, kIndexFileHeaderSize> MakeHeader(uint64_t count) {
  std::array<uint8_t, kIndexFileHeaderSize> h{};
  std::memcpy(h.data(), kMagic.data(), kMagic.size());
  PutU32(h.data() + 8, kIndexFileVersion);
  PutU32(h.data() + 12, kIndexFileHeaderSize);
  PutU32(h.data() + 16, kIndexFileRecordSize);
  PutU32(h.data() + 20, 0);  // flags
  PutU64(h.data() + 24, count);
  PutU32(h.data() + kHeaderCrcOffset, Crc32c(std::span<const uint8_t>(h.data(), kHeaderCrcOffset)));
  return h;
}

std::array<uint8_t, kIndexFileTrailerSize> MakeTrailer(uint32_t records_crc) {
  std::array<uint8_t, kIndexFileTrailerSize> t{};
  PutU32(t.data(), records_crc);
  std::memcpy(t.data() + 4, kEndMarker.data(), kEndMarker.size());
  return t;
}

// Hash limbs little-endian, then the id: on a little-endian host a plain copy.
void EncodeRecord(const IndexEntry& e, uint8_t* out) {
  for (int i = 0; i < 4; ++i) PutU64(out + 8 * i, e.hash.limbs[i]);
  PutU64(out + 32, e.id);
}
IndexEntry DecodeRecord(const uint8_t* in) {
  IndexEntry e;
  for (int i = 0; i < 4; ++i) e.hash.limbs[i] = GetU64(in + 8 * i);
  e.id = GetU64(in + 32);
  return e;
}

Error Corrupt(std::string message) {
  return Error::DataLoss("hamming index file is unusable: " + std::move(message));
}

// Validates the header and the total size; returns the record count.
Result<uint64_t> CheckHeader(std::span<const uint8_t> header, uint64_t file_size) {
  if (file_size < kIndexFileHeaderSize + kIndexFileTrailerSize) {
    return Fail(Corrupt("only " + std::to_string(file_size) +
                        " bytes, too short to be a hamming index file"));
  }
  if (std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) {
    return Fail(Corrupt("not a childsafe hamming index file (wrong magic number)"));
  }
  if (GetU32(header.data() + kHeaderCrcOffset) != Crc32c(header.subspan(0, kHeaderCrcOffset))) {
    return Fail(Corrupt("header checksum mismatch (the header is damaged)"));
  }
  const uint32_t version = GetU32(header.data() + 8);
  if (version > kIndexFileVersion) {
    return Fail(Error::Precondition("hamming index file format version " + std::to_string(version) +
                                    " is newer than this build understands (version " +
                                    std::to_string(kIndexFileVersion) + ")"));
  }
  if (version == 0 || GetU32(header.data() + 12) != kIndexFileHeaderSize ||
      GetU32(header.data() + 16) != kIndexFileRecordSize || GetU32(header.data() + 20) != 0) {
    return Fail(Corrupt("unsupported header fields for format version " + std::to_string(version)));
  }
  for (size_t i = 32; i < kHeaderCrcOffset; ++i) {
    if (header[i] != 0) return Fail(Corrupt("reserved header bytes are not zero"));
  }
  const uint64_t count = GetU64(header.data() + 24);
  constexpr uint64_t kFixed = kIndexFileHeaderSize + kIndexFileTrailerSize;
  if (count > (std::numeric_limits<uint64_t>::max() - kFixed) / kIndexFileRecordSize) {
    return Fail(Corrupt("record count " + std::to_string(count) + " is impossible"));
  }
  const uint64_t expected = kFixed + count * kIndexFileRecordSize;
  if (file_size < expected) {
    return Fail(Corrupt("truncated: " + std::to_string(count) + " records need " +
                        std::to_string(expected) + " bytes, the file has " +
                        std::to_string(file_size)));
  }
  if (file_size > expected) {
    return Fail(Corrupt(std::to_string(file_size - expected) +
                        " unexpected bytes after the last record (" + std::to_string(count) +
                        " records)"));
  }
  return count;
}

Status CheckTrailer(std::span<const uint8_t> trailer, uint32_t records_crc) {
  if (std::memcmp(trailer.data() + 4, kEndMarker.data(), kEndMarker.size()) != 0) {
    return Fail(Corrupt("end marker missing (the file is damaged at its end)"));
  }
  if (GetU32(trailer.data()) != records_crc) {
    return Fail(Corrupt("record checksum mismatch (the records are damaged)"));
  }
  return {};
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Fail(Error::Unavailable("could not write the hamming index file", ErrnoText(errno)));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

// Reads exactly n bytes; kDataLoss if the file ends first (it shrank while being read).
Status ReadAll(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Fail(Error::Unavailable("could not read the hamming index file", ErrnoText(errno)));
    }
    if (r == 0) return Fail(Corrupt("the file ended early while being read"));
    p += r;
    n -= static_cast<size_t>(r);
  }
  return {};
}

}  // namespace

std::vector<uint8_t> EncodeIndexFile(std::span<const IndexEntry> entries) {
  std::vector<uint8_t> out(kIndexFileHeaderSize + entries.size() * kIndexFileRecordSize +
                           kIndexFileTrailerSize);
  const auto header = MakeHeader(entries.size());
  std::memcpy(out.data(), header.data(), header.size());
  uint8_t* records = out.data() + kIndexFileHeaderSize;
  for (size_t i = 0; i < entries.size(); ++i) {
    EncodeRecord(entries[i], records + i * kIndexFileRecordSize);
  }
  const uint32_t crc =
      Crc32c(std::span<const uint8_t>(records, entries.size() * kIndexFileRecordSize));
  const auto trailer = MakeTrailer(crc);
  std::memcpy(out.data() + out.size() - trailer.size(), trailer.data(), trailer.size());
  return out;
}

Result<std::vector<IndexEntry>> DecodeIndexFile(std::span<const uint8_t> bytes) {
  if (bytes.size() < kIndexFileHeaderSize) {
    return Fail(Corrupt("only " + std::to_string(bytes.size()) +
                        " bytes, too short to be a hamming index file"));
  }
  CS_TRY(const uint64_t count, CheckHeader(bytes.subspan(0, kIndexFileHeaderSize), bytes.size()));
  const auto records = bytes.subspan(kIndexFileHeaderSize, count * kIndexFileRecordSize);
  CS_TRY_STATUS(CheckTrailer(bytes.subspan(bytes.size() - kIndexFileTrailerSize), Crc32c(records)));
  std::vector<IndexEntry> entries(count);
  for (size_t i = 0; i < count; ++i) {
    entries[i] = DecodeRecord(records.data() + i * kIndexFileRecordSize);
  }
  return entries;
}

Status SaveIndexFile(const IndexSnapshot& snapshot, const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return Fail(Error::Unavailable("could not create the hamming index file", ErrnoText(errno)));
  }
  auto fail = [&](Error e) {
    ::close(fd.Release());
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  };

  const uint64_t count = snapshot.size();
  const auto header = MakeHeader(count);
  if (auto s = WriteAll(fd.get(), header.data(), header.size()); !s) return fail(s.error());

  constexpr size_t kBufferRecords = 1 << 15;  // 1.25 MiB per write
  std::vector<uint8_t> buffer;
  buffer.reserve(kBufferRecords * kIndexFileRecordSize);
  uint32_t crc = 0;
  uint64_t written = 0;
  Status status;
  auto flush = [&] {
    if (!status || buffer.empty()) return;
    crc = Crc32c(buffer, crc);
    status = WriteAll(fd.get(), buffer.data(), buffer.size());
    buffer.clear();
  };
  snapshot.VisitEntries([&](std::span<const IndexEntry> chunk) {
    for (const IndexEntry& e : chunk) {
      const size_t at = buffer.size();
      buffer.resize(at + kIndexFileRecordSize);
      EncodeRecord(e, buffer.data() + at);
      if (buffer.size() == kBufferRecords * kIndexFileRecordSize) flush();
    }
    written += chunk.size();
  });
  flush();
  if (!status) return fail(status.error());
  if (written != count) {
    return fail(Error::Internal("snapshot changed while saving: " + std::to_string(written) +
                                " of " + std::to_string(count) + " entries"));
  }
  const auto trailer = MakeTrailer(crc);
  if (auto s = WriteAll(fd.get(), trailer.data(), trailer.size()); !s) return fail(s.error());
  if (::fsync(fd.get()) != 0) {
    return fail(Error::Unavailable("could not flush the hamming index file", ErrnoText(errno)));
  }
  if (::close(fd.Release()) != 0) {
    ::unlink(tmp.c_str());
    return Fail(Error::Unavailable("could not close the hamming index file", ErrnoText(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Fail(
        Error::Unavailable("could not move the hamming index file into place", ErrnoText(err)));
  }
  // Make the rename itself durable.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return {};
}

Result<std::vector<IndexEntry>> ReadIndexFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Fail(Error::NotFound("hamming index file not found"));
    return Fail(Error::Unavailable("could not open the hamming index file", ErrnoText(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Fail(Error::Unavailable("could not stat the hamming index file", ErrnoText(errno)));
  }
  if (!S_ISREG(st.st_mode)) return Fail(Corrupt("not a regular file"));
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  std::array<uint8_t, kIndexFileHeaderSize> header{};
  if (file_size < header.size()) {
    return Fail(Corrupt("only " + std::to_string(file_size) +
                        " bytes, too short to be a hamming index file"));
  }
  CS_TRY_STATUS(ReadAll(fd.get(), header.data(), header.size()));
  CS_TRY(const uint64_t count, CheckHeader(header, file_size));

  std::vector<IndexEntry> entries;
  entries.reserve(count);
  constexpr size_t kChunkRecords = 1 << 15;
  std::vector<uint8_t> chunk(kChunkRecords * kIndexFileRecordSize);
  uint32_t crc = 0;
  for (uint64_t done = 0; done < count;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkRecords, count - done));
    const size_t bytes = n * kIndexFileRecordSize;
    CS_TRY_STATUS(ReadAll(fd.get(), chunk.data(), bytes));
    crc = Crc32c(std::span<const uint8_t>(chunk.data(), bytes), crc);
    for (size_t i = 0; i < n; ++i) {
      entries.push_back(DecodeRecord(chunk.data() + i * kIndexFileRecordSize));
    }
    done += n;
  }
  std::array<uint8_t, kIndexFileTrailerSize> trailer{};
  CS_TRY_STATUS(ReadAll(fd.get(), trailer.data(), trailer.size()));
  CS_TRY_STATUS(CheckTrailer(trailer, crc));
  return entries;
}

Result<HammingIndex> LoadIndexFile(const std::string& path) {
  CS_TRY(std::vector<IndexEntry> entries, ReadIndexFile(path));
  return HammingIndex(entries);
}

}  // namespace childsafe::hamming
