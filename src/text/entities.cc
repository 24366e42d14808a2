// Entity extraction: URLs, e-mail addresses, phone numbers and @handles (see normalize.h).
//
// A hand-written scanner rather than regular expressions: it runs on every message, must be
// linear on hostile input, and the Vietnamese phone rules are easier to read as code.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/normalize.h"

namespace childsafe::text {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Characters that can belong to a URL, an e-mail address or a handle. An entity starts only
// where the previous byte is not one of these, and a failed attempt skips the whole run, which
// keeps the scan linear ("a.a.a.a..." is one run, tried once).
constexpr std::array<bool, 256> MakeRunTable() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  for (char c : std::string_view("._-@/:%+~#?=&")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kRunChar = MakeRunTable();

bool IsRunChar(unsigned char c) { return kRunChar[c]; }

// What a run character is, as bits, so scanning a run is one table lookup per byte: every run
// character has kRunChar; '.', '@', ':' and digits or '+' have their own bit too.
enum : unsigned { kRunAny = 1, kRunDot = 2, kRunAt = 4, kRunColon = 8, kRunDigit = 16 };

constexpr std::array<unsigned char, 256> MakeRunBits() {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (!kRunChar[c]) continue;
    unsigned bits = kRunAny;
    if (c == '.') bits |= kRunDot;
    if (c == '@') bits |= kRunAt;
    if (c == ':') bits |= kRunColon;
    if ((c >= '0' && c <= '9') || c == '+') bits |= kRunDigit;
    t[c] = static_cast<unsigned char>(bits);
  }
  return t;
}
constexpr std::array<unsigned char, 256> kRunBits = MakeRunBits();

// Whether p[k] (k < n) is a tell-tale: a digit, '+', ':' or '@', or a '.' followed by an ASCII
// letter, digit or '-'. A dot before anything else (the full stop after a word) is none: a
// host needs two labels ("a.vn"), so a URL has a dot followed by a label character, and e-mail
// addresses and handles have '@', phones digits.
bool IsTellAt(const unsigned char* p, size_t k, size_t n) {
  const unsigned bits = kRunBits[p[k]];
  if ((bits & (kRunAt | kRunColon | kRunDigit)) != 0) return true;
  if ((bits & kRunDot) == 0 || k + 1 >= n) return false;
  const unsigned char next = p[k + 1];
  return (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
         (next >= '0' && next <= '9') || next == '-';
}

// The first position >= i holding a tell-tale byte (IsTellAt), or the end. All of them lie in
// 0x2B..0x40, which sixteen bytes at a time rule out for most text.
size_t NextTell(std::string_view text, size_t i) {
  const size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8(0x2B);
  const __m128i hi = _mm_set1_epi8(0x40);
  while (i + 16 <= n) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i in_range = _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, lo), x),
                                           _mm_cmpeq_epi8(_mm_min_epu8(x, hi), x));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(in_range));
    while (mask != 0) {
      const size_t k = i + static_cast<size_t>(__builtin_ctz(mask));
      if (IsTellAt(p, k, n)) return k;
      mask &= mask - 1;
    }
    i += 16;
  }
#endif
  while (i < n && !IsTellAt(p, i, n)) ++i;
  return i;
}

// Bytes an entity can start at: an ASCII letter or digit (URL, e-mail, phone), '+' (phone) or
// '@' (handle). The scan skips everything else without looking further.
constexpr std::array<bool, 256> MakeStartTable() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '@';
  }
  return t;
}
constexpr std::array<bool, 256> kMayStart = MakeStartTable();

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

// Top-level domains that show up in messages to a Vietnamese helpline. A bare "x.y" is a URL
// only when y is one of these, so "TP.HCM" and "v.v" stay words.
constexpr std::array<std::string_view, 48> kTlds = {
    "app",    "asia", "biz", "cc", "club", "cn",   "co",    "com",  "dev", "edu", "fun", "gg",
    "gov",    "info", "io",  "jp", "kr",   "la",   "link",  "live", "ly",  "me",  "ml",  "net",
    "online", "org",  "pro", "ru", "shop", "site", "store", "tk",   "to",  "top", "tv",  "uk",
    "us",     "vip",  "vn",  "ws", "xyz",  "kh",   "th",    "tw",   "sg",  "my",  "fb",  "page"};

bool IsTld(std::string_view label) {
  if (label.size() < 2 || label.size() > 6) return false;
  std::string lower(label);
  for (char& c : lower) c = Lower(c);
  return std::find(kTlds.begin(), kTlds.end(), lower) != kTlds.end();
}

// Strips sentence punctuation that follows a URL or address in running text.
size_t TrimTrailing(std::string_view text, size_t begin, size_t end) {
  while (end > begin) {
    const char c = text[end - 1];
    if (c != '.' && c != ',' && c != ':' && c != ';' && c != '?' && c != '!' && c != '-' &&
        c != '_') {
      break;
    }
    --end;
  }
  return end;
}

// Validates host labels [a-z0-9-]+ separated by '.', at least two, last one a known TLD.
bool IsHost(std::string_view host, bool require_known_tld) {
  if (host.empty() || host.front() == '.' || host.back() == '.') return false;
  size_t labels = 0;
  size_t start = 0;
  std::string_view last, second_last;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return false;
    for (unsigned char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') return false;
    }
    second_last = last;
    last = label;
    ++labels;
    start = dot + 1;
    if (dot == host.size()) break;
  }
  if (labels < 2) return false;
  if (!require_known_tld) {
    for (unsigned char c : last) {
      if (IsDigit(c)) return false;
    }
    return last.size() >= 2;
  }
  if (!IsTld(last)) return false;
  // "c.o" or "l.i.n.k" are obfuscated words, not hosts: a one-letter second-level label is
  // accepted only for the short links people really send.
  if (second_last.size() < 2) {
    std::string h(host);
    for (char& c : h) c = Lower(c);
    return h == "t.me" || h == "m.me";
  }
  return true;
}

// Tries a URL in run [i, run_end). Returns the end, or 0.
size_t MatchUrl(std::string_view text, size_t i, size_t run_end) {
  std::string_view run = text.substr(i, run_end - i);
  size_t host_begin = 0;
  bool explicit_url = false;
  if (StartsWithNoCase(run, "https://")) {
    host_begin = 8;
    explicit_url = true;
  } else if (StartsWithNoCase(run, "http://")) {
    host_begin = 7;
    explicit_url = true;
  } else if (StartsWithNoCase(run, "www.")) {
    explicit_url = true;
  }
  size_t host_end = host_begin;
  while (host_end < run.size() && run[host_end] != '/' && run[host_end] != '?' &&
         run[host_end] != '#' && run[host_end] != ':' && run[host_end] != '@') {
    ++host_end;
  }
  if (host_end < run.size() && run[host_end] == '@') return 0;  // an e-mail address
  std::string_view host = run.substr(host_begin, host_end - host_begin);
  // Trailing dots belong to the sentence, not the host.
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (!IsHost(host, !explicit_url)) return 0;
  size_t end = TrimTrailing(text, i, run_end);
  return std::max(end, i + host_begin + host.size());
}

// Tries an e-mail address in run [i, run_end). Returns the end, or 0.
size_t MatchEmail(std::string_view text, size_t i, size_t run_end) {
  std::string_view run = text.substr(i, run_end - i);
  size_t at = run.find('@');
  if (at == 0 || at == std::string_view::npos) return 0;
  for (size_t k = 0; k < at; ++k) {
    const unsigned char c = run[k];
    if (!IsAsciiAlnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-') return 0;
  }
  size_t end = at + 1;
  while (end < run.size() && (IsAsciiAlnum(run[end]) || run[end] == '.' || run[end] == '-')) ++end;
  std::string_view domain = run.substr(at + 1, end - at - 1);
  while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (!IsHost(domain, false)) return 0;
  return i + at + 1 + domain.size();
}

// Tries an @handle at i (text[i] == '@'). Returns the end, or 0.
size_t MatchHandle(std::string_view text, size_t i, size_t run_end) {
  size_t end = i + 1;
  while (end < run_end && (IsAsciiAlnum(text[end]) || text[end] == '_' || text[end] == '.')) ++end;
  while (end > i + 1 && text[end - 1] == '.') --end;
  const size_t length = end - i - 1;
  if (length < 3 || length > 30) return 0;
  return end;
}

// Tries a phone number at i. Returns the end (0 if none) and sets `value`.
size_t MatchPhone(std::string_view text, size_t i, std::string& value) {
  size_t p = i;
  bool plus = false;
  if (text[p] == '+') {
    plus = true;
    ++p;
    if (p >= text.size() || !IsDigit(text[p])) return 0;
  }
  std::string digits;
  size_t best_end = 0;
  std::string best_value;
  bool separated = false;
  while (p < text.size() && IsDigit(text[p])) {
    while (p < text.size() && IsDigit(text[p])) digits.push_back(text[p++]);
    if (digits.size() > 15) break;
    // A candidate ends here when the next byte is not a letter or digit.
    const bool boundary = p >= text.size() || !IsAsciiAlnum(text[p]);
    if (boundary) {
      std::string v;
      const size_t n = digits.size();
      auto vn_national = [](std::string_view national) {
        // Mobile: 9 digits starting 3/5/7/8/9; landline: 10 digits starting 2.
        if (national.size() == 9 &&
            std::string_view("35789").find(national[0]) != std::string_view::npos) {
          return true;
        }
        return national.size() == 10 && national[0] == '2';
      };
      if (n >= 11 && digits.rfind("84", 0) == 0 &&
          vn_national(std::string_view(digits).substr(2))) {
        v = "+" + digits;
      } else if (!plus && n >= 10 && digits[0] == '0' &&
                 vn_national(std::string_view(digits).substr(1))) {
        v = "+84" + digits.substr(1);
      } else if (!plus && (n == 8 || n == 10) &&
                 (digits.rfind("1800", 0) == 0 || digits.rfind("1900", 0) == 0)) {
        v = digits;
      } else if (plus && n >= 8 && n <= 15) {
        v = "+" + digits;
      } else if (!plus && !separated && n == 3 && digits[0] == '1' && digits[1] == '1' &&
                 digits[2] >= '1' && digits[2] <= '5') {
        v = digits;  // 111 (child helpline), 112-115 (emergency services)
      }
      if (!v.empty()) {
        best_end = p;
        best_value = std::move(v);
      }
    }
    // One separator between digit groups.
    if (p + 1 < text.size() && (text[p] == ' ' || text[p] == '.' || text[p] == '-') &&
        IsDigit(text[p + 1])) {
      ++p;
      separated = true;
      continue;
    }
    break;
  }
  if (best_end == 0) return 0;
  value = std::move(best_value);
  return best_end;
}

}  // namespace

std::string_view EntityKindName(EntityKind kind) {
  switch (kind) {
    case EntityKind::kUrl:
      return "url";
    case EntityKind::kEmail:
      return "email";
    case EntityKind::kPhone:
      return "phone";
    case EntityKind::kHandle:
      return "handle";
  }
  return "url";
}

std::vector<Entity> ExtractEntities(std::string_view text) {
  std::vector<Entity> out;
  const size_t n = text.size();
  size_t no_run_before = 0;  // inside a run that failed: no URL/e-mail/handle may start here
  size_t run_with_tell = 0;  // the scan below is inside a run holding a tell-tale until here
  size_t i = 0;
  while (i < n) {
    if (i >= run_with_tell) {
      // Every entity holds a tell-tale (IsTellAt: a digit, '+', ':', '@' or a dot inside a
      // host) in the run of URL characters it starts in. Jump to the next such byte and back to the
      // start of its run (not before i): in the runs skipped, nothing can start.
      const size_t tell = NextTell(text, i);
      if (tell == n) break;
      size_t start = tell;
      while (start > i && IsRunChar(static_cast<unsigned char>(text[start - 1]))) --start;
      run_with_tell = tell;
      while (run_with_tell < n && IsRunChar(static_cast<unsigned char>(text[run_with_tell]))) {
        ++run_with_tell;
      }
      i = start;
    }
    while (i < n && !kMayStart[static_cast<unsigned char>(text[i])]) ++i;
    if (i == n) break;
    const unsigned char c = text[i];
    const bool after_alnum = i > 0 && IsAsciiAlnum(static_cast<unsigned char>(text[i - 1]));
    // Phones at every digit group not glued to a letter or digit before it, even inside a run
    // that is not a URL ("abc/0912345678"): what the canonical view keeps as a word must be
    // what a second pass sees.
    if (!after_alnum && (IsDigit(c) || (c == '+' && i + 1 < n && IsDigit(text[i + 1])))) {
      std::string value;
      if (size_t end = MatchPhone(text, i, value); end != 0) {
        out.push_back({EntityKind::kPhone,
                       {static_cast<uint32_t>(i), static_cast<uint32_t>(end)},
                       std::move(value)});
        i = end;
        no_run_before = end;
        continue;
      }
    }
    const bool at_boundary = i == 0 || !IsRunChar(static_cast<unsigned char>(text[i - 1]));
    if (i < no_run_before || !at_boundary || !(IsAsciiAlnum(c) || c == '@')) {
      ++i;
      continue;
    }
    size_t run_end = i;
    unsigned seen = 0;  // RunBits of the run's characters
    while (run_end < n) {
      const unsigned bits = kRunBits[static_cast<unsigned char>(text[run_end])];
      if (bits == 0) break;
      seen |= bits;
      ++run_end;
    }
    const bool dot = (seen & kRunDot) != 0, at = (seen & kRunAt) != 0;
    const bool colon = (seen & kRunColon) != 0, digit = (seen & kRunDigit) != 0;
    if (!dot && !at && !colon) {
      // No URL, address or handle without one of these: the common case of a plain word. Only
      // a phone number could still start inside the run, and only at a digit or '+'.
      no_run_before = run_end;
      i = digit ? i + 1 : run_end;
      continue;
    }
    size_t end = 0;
    EntityKind kind = EntityKind::kUrl;
    if (c == '@') {
      end = MatchHandle(text, i, run_end);
      kind = EntityKind::kHandle;
    } else if ((end = MatchEmail(text, i, run_end)) != 0) {
      kind = EntityKind::kEmail;
    } else if ((end = MatchUrl(text, i, run_end)) != 0) {
      kind = EntityKind::kUrl;
    }
    if (end != 0) {
      std::string value(text.substr(i, end - i));
      if (kind != EntityKind::kUrl) {
        for (char& ch : value) ch = Lower(ch);
      }
      out.push_back(
          {kind, {static_cast<uint32_t>(i), static_cast<uint32_t>(end)}, std::move(value)});
      i = end;
      no_run_before = end;
    } else {
      // The rest of this run cannot start a URL, address or handle; it can hold a phone.
      no_run_before = run_end;
      ++i;
    }
  }
  return out;
}

}  // namespace childsafe::text
