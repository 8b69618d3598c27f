// parsers/pprof/mini_regex.h — a tiny backtracking regex matcher for the legacy-format grammars.
//
// Internal to parsers/pprof. The legacy text formats are defined by pprof's regular expressions;
// porting them as patterns (rather than as hand-written scanners) keeps the port checkable line by
// line. Supported syntax — just what those patterns use: literals, `.`, escapes \s \S \d \w and
// escaped punctuation, classes `[...]` with ranges, negation and [:xdigit:]/[:digit:], groups
// `(...)` and `(?:...)`, quantifiers ? * + (greedy), anchors ^ \A $ \z. Matching is leftmost-first
// with Perl/Go submatch semantics. A step budget bounds the work per match, so a pathological
// input line fails to match instead of running away.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace profkit::parsers::mini_regex {

class Regex {
 public:
  // `pattern` must be well-formed (patterns are compile-time constants of ours).
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;

  // Leftmost match anywhere in `text` (Go's FindStringSubmatch): group 0 is the whole match,
  // 1… the capturing groups (empty views for groups that did not participate); nullopt if none.
  std::optional<std::vector<std::string_view>> find(std::string_view text) const;
  bool matches(std::string_view text) const { return find(text).has_value(); }

  struct Node;

 private:
  std::unique_ptr<Node> root_;
  int groups_ = 0;
};

}  // namespace profkit::parsers::mini_regex
