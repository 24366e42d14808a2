#include "text/pattern.h"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace childsafe::text::internal {
namespace {

struct Node {
  enum class Kind { kWord, kGroup, kGap, kEntity } kind = Kind::kWord;
  std::string text;                     // kWord: folded bytes; kEntity: placeholder
  int gap = 0;                          // kGap: maximum words
  std::vector<std::vector<Node>> alts;  // kGroup
  bool optional = false;                // kGroup: has an empty alternative
};

class Parser {
 public:
  Parser(std::string_view s, const Normalizer& normalizer, std::vector<PatternWord>& words)
      : s_(s), normalizer_(normalizer), words_(words) {}

  Status ParseSeq(std::vector<Node>& out, bool in_group) {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '{') {
        ++pos_;
        Node group;
        group.kind = Node::Kind::kGroup;
        while (true) {
          std::vector<Node> alt;
          CS_TRY_STATUS(ParseSeq(alt, true));
          if (alt.empty()) group.optional = true;
          group.alts.push_back(std::move(alt));
          if (pos_ >= s_.size()) return Fail(Error::Invalid("unclosed '{'"));
          if (s_[pos_] == '}') {
            ++pos_;
            break;
          }
          ++pos_;  // '|'
        }
        out.push_back(std::move(group));
      } else if (c == '|' || c == '}') {
        if (!in_group) return Fail(Error::Invalid(std::string("'") + c + "' outside a group"));
        return {};
      } else if (c == '*') {
        ++pos_;
        Node gap;
        gap.kind = Node::Kind::kGap;
        gap.gap = 3;
        if (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
          gap.gap = s_[pos_] - '0';
          ++pos_;
          if (gap.gap < 1 || gap.gap > 6) return Fail(Error::Invalid("gap must be *1..*6"));
        }
        out.push_back(std::move(gap));
      } else if (c == '<') {
        const size_t close = s_.find('>', pos_);
        if (close == std::string_view::npos) return Fail(Error::Invalid("unclosed '<'"));
        const std::string_view name = s_.substr(pos_ + 1, close - pos_ - 1);
        if (name != "url" && name != "email" && name != "phone" && name != "handle") {
          return Fail(Error::Invalid("unknown entity (use <url> <email> <phone> <handle>)"));
        }
        Node entity;
        entity.kind = Node::Kind::kEntity;
        entity.text = "<" + std::string(name) + ">";
        out.push_back(std::move(entity));
        pos_ = close + 1;
      } else if (c == '>') {
        return Fail(Error::Invalid("stray '>'"));
      } else {
        size_t end = pos_;
        while (end < s_.size() &&
               std::string_view("{}|*<>").find(s_[end]) == std::string_view::npos) {
          ++end;
        }
        CS_TRY_STATUS(AddText(s_.substr(pos_, end - pos_), out));
        pos_ = end;
      }
    }
    if (in_group) return Fail(Error::Invalid("unclosed '{'"));
    return {};
  }

 private:
  Status AddText(std::string_view text, std::vector<Node>& out) {
    NormalizedText n = normalizer_.Normalize(text, {.canonical = false});
    for (const Token& t : n.tokens) {
      if (t.kind != TokenKind::kWord) {
        return Fail(Error::Invalid("punctuation or an address inside pattern words"));
      }
      Node word;
      word.kind = Node::Kind::kWord;
      word.text = n.folded.substr(t.begin, t.end - t.begin);
      PatternWord pw;
      pw.folded = word.text;
      pw.marks.assign(n.folded_marks.begin() + t.begin, n.folded_marks.begin() + t.end);
      words_.push_back(std::move(pw));
      out.push_back(std::move(word));
    }
    return {};
  }

  std::string_view s_;
  size_t pos_ = 0;
  const Normalizer& normalizer_;
  std::vector<PatternWord>& words_;
};

void AppendEscaped(std::string& out, std::string_view bytes) {
  for (unsigned char c : bytes) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out.append(hex);
    }
  }
}

std::string EmitSeq(const std::vector<Node>& seq);

std::string EmitNode(const Node& node) {
  std::string out;
  switch (node.kind) {
    case Node::Kind::kWord:
    case Node::Kind::kEntity:
      AppendEscaped(out, node.text);
      break;
    case Node::Kind::kGroup: {
      out += "(?:";
      for (size_t i = 0; i < node.alts.size(); ++i) {
        if (i > 0) out += "|";
        out += EmitSeq(node.alts[i]);
      }
      out += ")";
      break;
    }
    case Node::Kind::kGap:
      break;
  }
  return out;
}

std::string EmitSeq(const std::vector<Node>& seq) {
  std::string out;
  bool first = true, after_gap = false;
  for (const Node& node : seq) {
    if (node.kind == Node::Kind::kGap) {
      // Whole words of the same sentence: anything but a space or a sentence end.
      out += "(?: [^ .]+){0," + std::to_string(node.gap) + "}";
      after_gap = true;
      first = false;
      continue;
    }
    if (!first) out += after_gap ? " " : " ?";
    first = false;
    after_gap = false;
    out += EmitNode(node);
  }
  return out;
}

// True if the sequence must consume at least one word.
bool Required(const std::vector<Node>& seq) {
  for (const Node& node : seq) {
    if (node.kind == Node::Kind::kWord || node.kind == Node::Kind::kEntity) return true;
    if (node.kind == Node::Kind::kGroup && !node.optional) {
      bool all = true;
      for (const auto& alt : node.alts) all = all && Required(alt);
      if (all) return true;
    }
  }
  return false;
}

Status CheckGaps(const std::vector<Node>& seq) {
  for (size_t i = 0; i < seq.size(); ++i) {
    const Node& node = seq[i];
    if (node.kind == Node::Kind::kGap) {
      if (i == 0 || i + 1 == seq.size()) {
        return Fail(Error::Invalid("a gap '*' must be between words"));
      }
      if (seq[i + 1].kind == Node::Kind::kGap) return Fail(Error::Invalid("two gaps in a row"));
    }
    for (const auto& alt : node.alts) CS_TRY_STATUS(CheckGaps(alt));
  }
  return {};
}

bool ContainsGap(const std::vector<Node>& seq) {
  for (const Node& node : seq) {
    if (node.kind == Node::Kind::kGap) return true;
    for (const auto& alt : node.alts) {
      if (ContainsGap(alt)) return true;
    }
  }
  return false;
}

// Every word sequence a gap-free node sequence can match.
Status Expand(const std::vector<Node>& seq, std::vector<std::vector<std::string>>& out) {
  out.assign(1, {});
  for (const Node& node : seq) {
    if (node.kind == Node::Kind::kWord || node.kind == Node::Kind::kEntity) {
      for (auto& words : out) words.push_back(node.text);
      continue;
    }
    std::vector<std::vector<std::string>> next;
    for (const auto& alt : node.alts) {
      std::vector<std::vector<std::string>> tails;
      CS_TRY_STATUS(Expand(alt, tails));
      for (const auto& head : out) {
        for (const auto& tail : tails) {
          if (next.size() >= kMaxLiteralsPerSegment) {
            return Fail(Error::Invalid("too many alternatives: split the pattern"));
          }
          std::vector<std::string> words = head;
          words.insert(words.end(), tail.begin(), tail.end());
          next.push_back(std::move(words));
        }
      }
    }
    out = std::move(next);
  }
  return {};
}

}  // namespace

Result<CompiledPattern> CompilePattern(std::string_view pattern, const Normalizer& normalizer) {
  CompiledPattern compiled;
  std::vector<Node> seq;
  Parser parser(pattern, normalizer, compiled.words);
  CS_TRY_STATUS(parser.ParseSeq(seq, false));
  CS_TRY_STATUS(CheckGaps(seq));
  if (!Required(seq)) return Fail(Error::Invalid("pattern can match without any word"));
  compiled.regex = " " + EmitSeq(seq) + " ";

  // Split at gaps; a gap inside {...} has no single place to split.
  std::vector<std::vector<Node>> parts(1);
  for (const Node& node : seq) {
    if (node.kind == Node::Kind::kGap) {
      compiled.gaps.push_back(node.gap);
      parts.emplace_back();
      continue;
    }
    if (std::any_of(node.alts.begin(), node.alts.end(),
                    [](const std::vector<Node>& alt) { return ContainsGap(alt); })) {
      return Fail(Error::Invalid("a gap '*' inside {...} is not supported: write two patterns"));
    }
    parts.back().push_back(node);
  }
  for (const auto& part : parts) {
    std::vector<std::vector<std::string>> sequences;
    CS_TRY_STATUS(Expand(part, sequences));
    std::vector<std::string> literals;
    // Every way of writing adjacent words together ("muốn tựtử", "muốntự tử", ...) when that
    // stays small; otherwise spaced and wholly joined only.
    size_t combinations = 0;
    for (const auto& words : sequences) {
      if (words.empty()) return Fail(Error::Invalid("a part of the pattern can match no word"));
      combinations += size_t{1} << std::min<size_t>(words.size() - 1, 13);
    }
    const bool all_joins = combinations <= kMaxLiteralsPerSegment;
    for (const auto& words : sequences) {
      const size_t seams = words.size() - 1;
      const uint32_t full = seams >= 31 ? 0xFFFFFFFFu : (uint32_t{1} << seams) - 1;
      for (uint32_t mask = 0;; ++mask) {
        // Bit i set: words i and i+1 are written together. Entities never glue to words.
        const bool wanted = all_joins || mask == 0 || mask == full;
        bool valid = true;
        std::string literal = " ";
        for (size_t i = 0; i < words.size(); ++i) {
          if (i > 0) {
            const bool glued = (mask >> (i - 1)) & 1;
            if (glued && (words[i][0] == '<' || words[i - 1][0] == '<')) valid = false;
            if (!glued) literal += ' ';
          }
          literal += words[i];
        }
        if (wanted && valid) literals.push_back(literal + " ");
        if (mask == full || seams >= 31) break;
      }
    }
    std::sort(literals.begin(), literals.end());
    literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
    if (literals.size() > kMaxLiteralsPerSegment) {
      return Fail(Error::Invalid("too many alternatives: split the pattern"));
    }
    compiled.segments.push_back(std::move(literals));
  }
  return compiled;
}

bool MarksAgree(const uint8_t* text_marks, const std::vector<uint8_t>& pattern_marks) {
  bool text_marked = false, text_tone = false;
  for (size_t k = 0; k < pattern_marks.size(); ++k) {
    text_marked |= text_marks[k] != 0;
    text_tone |= (text_marks[k] >> 3) != 0;
  }
  if (!text_marked) return true;
  for (size_t k = 0; k < pattern_marks.size(); ++k) {
    if ((text_marks[k] & 7) != (pattern_marks[k] & 7)) return false;
    if (text_tone && (text_marks[k] >> 3) != (pattern_marks[k] >> 3)) return false;
  }
  return true;
}

}  // namespace childsafe::text::internal
