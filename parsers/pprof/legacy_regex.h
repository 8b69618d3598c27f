// parsers/pprof/legacy_regex.h — the regular expressions of pprof's legacy-format grammars.
//
// Internal to parsers/pprof. The legacy text formats are defined by pprof's (Go, i.e. RE2
// syntax) regular expressions; porting them as patterns rather than hand-written scanners keeps
// the port checkable line by line. Matching is RE2's: linear time, so a hostile input line cannot
// make a match run away, with Go's leftmost-first submatch semantics.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace profkit::parsers::legacy_regex {

class Regex {
 public:
  // `pattern` must be well-formed (patterns are compile-time constants of ours).
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;

  // Leftmost match anywhere in `text` (Go's FindStringSubmatch): group 0 is the whole match,
  // 1… the capturing groups (empty views for groups that did not participate); nullopt if none.
  std::optional<std::vector<std::string_view>> find(std::string_view text) const;
  bool matches(std::string_view text) const;

 private:
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace profkit::parsers::legacy_regex
