#include "parsers/pprof/legacy_regex.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstdio>

namespace profkit::parsers::legacy_regex {

namespace {

RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

}  // namespace

Regex::Regex(std::string_view pattern) : re_(std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options())) {
  if (!re_->ok()) {
    // Patterns are constants of ours: a bad one is a programming error caught by any test run.
    std::fprintf(stderr, "profkit: internal error: bad legacy-format regex '%.*s': %s\n",
                 static_cast<int>(pattern.size()), pattern.data(), re_->error().c_str());
    std::abort();
  }
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;

std::optional<std::vector<std::string_view>> Regex::find(std::string_view text) const {
  const int n = re_->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(static_cast<size_t>(n));
  if (!re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, sub.data(), n)) {
    return std::nullopt;
  }
  std::vector<std::string_view> out;
  out.reserve(sub.size());
  for (const auto& s : sub) out.emplace_back(s.data() ? std::string_view(s.data(), s.size()) : std::string_view());
  return out;
}

bool Regex::matches(std::string_view text) const {
  return re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, nullptr, 0);
}

}  // namespace profkit::parsers::legacy_regex
