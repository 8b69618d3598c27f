#include "parsers/pprof/mini_regex.h"

#include <array>
#include <cctype>
#include <bitset>
#include <functional>

namespace profkit::parsers::mini_regex {

// A pattern is a sequence of items; an item is a character class, a group (a sequence) or an
// anchor, each with a quantifier.
struct Regex::Node {
  enum Kind { kClass, kGroup, kBegin, kEnd } kind = kClass;
  std::bitset<256> cls;
  std::vector<Node> seq;  // kGroup
  int capture = -1;       // group index, -1 = non-capturing
  int min = 1, max = 1;   // max -1 = unbounded
};

namespace {

using Node = Regex::Node;

std::bitset<256> class_of(char esc) {
  std::bitset<256> b;
  for (int c = 0; c < 256; ++c) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    bool digit = c >= '0' && c <= '9';
    bool word = digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    switch (esc) {
      case 's': b[c] = space; break;
      case 'S': b[c] = !space; break;
      case 'd': b[c] = digit; break;
      case 'w': b[c] = word; break;
      default: b[c] = c == static_cast<unsigned char>(esc); break;
    }
  }
  return b;
}

struct Parser {
  std::string_view p;
  size_t i = 0;
  int groups = 0;

  std::vector<Node> sequence() {
    std::vector<Node> seq;
    while (i < p.size() && p[i] != ')') {
      Node n = atom();
      if (i < p.size() && (p[i] == '?' || p[i] == '*' || p[i] == '+')) {
        n.min = p[i] == '+' ? 1 : 0;
        n.max = p[i] == '?' ? 1 : -1;
        ++i;
      }
      seq.push_back(std::move(n));
    }
    return seq;
  }

  Node atom() {
    Node n;
    char c = p[i++];
    if (c == '(') {
      n.kind = Node::kGroup;
      if (p.substr(i, 2) == "?:") {
        i += 2;
      } else {
        n.capture = ++groups;
      }
      n.seq = sequence();
      ++i;  // ')'
    } else if (c == '^') {
      n.kind = Node::kBegin;
    } else if (c == '$') {
      n.kind = Node::kEnd;
    } else if (c == '\\') {
      char e = p[i++];
      if (e == 'A') n.kind = Node::kBegin;
      else if (e == 'z') n.kind = Node::kEnd;
      else n.cls = class_of(e);
    } else if (c == '.') {
      n.cls.set();
      n.cls[static_cast<unsigned char>('\n')] = false;
    } else if (c == '[') {
      bool negate = false;
      if (p[i] == '^') negate = true, ++i;
      bool first = true;
      while (first || p[i] != ']') {
        first = false;
        if (p.substr(i, 10) == "[:xdigit:]") {
          for (int d = 0; d < 256; ++d) n.cls[d] = n.cls[d] || std::isxdigit(d);
          i += 10;
          continue;
        }
        if (p.substr(i, 9) == "[:digit:]") {
          for (int d = '0'; d <= '9'; ++d) n.cls[d] = true;
          i += 9;
          continue;
        }
        unsigned char lo = static_cast<unsigned char>(p[i++]);
        if (lo == '\\') {
          n.cls |= class_of(p[i++]);
          continue;
        }
        if (p[i] == '-' && p[i + 1] != ']') {
          unsigned char hi = static_cast<unsigned char>(p[i + 1]);
          i += 2;
          for (int d = lo; d <= hi; ++d) n.cls[d] = true;
        } else {
          n.cls[lo] = true;
        }
      }
      ++i;  // ']'
      if (negate) n.cls.flip();
    } else {
      n.cls[static_cast<unsigned char>(c)] = true;
    }
    return n;
  }
};

struct Matcher {
  std::string_view text;
  std::vector<std::pair<size_t, size_t>> caps;  // (start, end), npos when unset
  int64_t budget = 2000000;

  using Cont = std::function<bool(size_t)>;

  // Matches seq[k..] at pos, then calls `next`.
  bool seq(const std::vector<Node>& s, size_t k, size_t pos, const Cont& next) {
    if (--budget < 0) return false;
    if (k == s.size()) return next(pos);
    const Node& n = s[k];
    auto rest = [&](size_t p) { return seq(s, k + 1, p, next); };
    switch (n.kind) {
      case Node::kBegin:
        return pos == 0 && rest(pos);
      case Node::kEnd:
        return pos == text.size() && rest(pos);
      case Node::kClass: {
        // Greedy: take as many as allowed, then back off.
        size_t limit = n.max < 0 ? text.size() - pos : std::min<size_t>(n.max, text.size() - pos);
        size_t count = 0;
        while (count < limit && n.cls[static_cast<unsigned char>(text[pos + count])]) ++count;
        for (size_t c = count + 1; c-- > static_cast<size_t>(n.min);) {
          if (--budget < 0) return false;
          if (rest(pos + c)) return true;
        }
        return false;
      }
      case Node::kGroup:
        return group(n, 0, pos, rest);
    }
    return false;
  }

  // Greedy repetition of a group: try one more iteration first, then stop.
  bool group(const Node& n, int done, size_t pos, const Cont& rest) {
    if (--budget < 0) return false;
    if (n.max < 0 || done < n.max) {
      auto saved = n.capture >= 0 ? caps[n.capture] : std::pair<size_t, size_t>{};
      bool ok = seq(n.seq, 0, pos, [&](size_t end) {
        if (end == pos && done >= n.min) return false;  // no empty iterations
        auto before = n.capture >= 0 ? caps[n.capture] : std::pair<size_t, size_t>{};
        if (n.capture >= 0) caps[n.capture] = {pos, end};
        if (group(n, done + 1, end, rest)) return true;
        if (n.capture >= 0) caps[n.capture] = before;
        return false;
      });
      if (ok) return true;
      if (n.capture >= 0) caps[n.capture] = saved;
    }
    return done >= n.min && rest(pos);
  }
};

}  // namespace

Regex::Regex(std::string_view pattern) : root_(std::make_unique<Node>()) {
  Parser parser{pattern};
  root_->kind = Node::kGroup;
  root_->seq = parser.sequence();
  groups_ = parser.groups;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;

std::optional<std::vector<std::string_view>> Regex::find(std::string_view text) const {
  Matcher m{text, {}};
  for (size_t start = 0; start <= text.size(); ++start) {
    m.caps.assign(groups_ + 1, {std::string_view::npos, std::string_view::npos});
    size_t end = 0;
    if (m.seq(root_->seq, 0, start, [&](size_t e) {
          end = e;
          return true;
        })) {
      std::vector<std::string_view> out(groups_ + 1);
      out[0] = text.substr(start, end - start);
      for (int g = 1; g <= groups_; ++g) {
        auto [s, e] = m.caps[g];
        if (s != std::string_view::npos) out[g] = text.substr(s, e - s);
      }
      return out;
    }
    if (m.budget < 0) return std::nullopt;
    // An anchored pattern can only match at 0.
    if (!root_->seq.empty() && root_->seq[0].kind == Node::kBegin) break;
  }
  return std::nullopt;
}

}  // namespace profkit::parsers::mini_regex
