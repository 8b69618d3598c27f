// analysis/verdict.h — `--fail-on` rules: when does a diff fail a CI job?
//
// Grammar (spaces optional between the parts):
//
//   rule      := target op threshold
//   target    := "total"                     the whole profile (sum of the value column)
//              | ("flat" | "cum") "(" sel ")"  each entry (node) whose name matches sel
//   sel       := "any" | an RE2 regex, matched anywhere in the entry name (use ^…$ to anchor);
//                parentheses inside must balance
//   op        := ">" | ">=" | "<" | "<="
//   threshold := [+|-] number "%"     relative change of the value, (new − base) / base
//              | [+|-] number "pp"    change of the share of the total, in percentage points
//              | [+|-] number [unit]  absolute change new − base: "100ms", "1.5s", "64kb",
//                                     "2MB"; a bare number is in the column's own unit
//
// A rule breaks when "measure op threshold" holds, e.g.
//   total > +5%              the total grew by more than 5 %
//   cum(^main\.handle) > 10% the cum of any entry starting with main.handle grew by > 10 %
//   flat(any) > 2pp          some entry's flat share grew by more than 2 points
//   flat(malloc) > 100ms     some entry matching "malloc" gained more than 100 ms of flat time
//   total < -20%             the total shrank by more than 20 % (a suspiciously short run)
// Entry rules skip entries matching an ignore regex. For "%" rules, entries that appear (base 0)
// count as +∞ %, and entries below min_share of both totals are skipped (1 → 2 samples is
// +100 % but means nothing). In a noise-aware diff only rows marked significant are considered,
// and a total rule needs the totals to differ significantly too.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analysis/diff.h"
#include "model/error.h"

namespace profkit::analysis {

struct Rule {
  enum class Target { kTotal, kFlat, kCum };
  enum class Measure { kPercent, kPoints, kAbsolute };
  enum class Op { kGreater, kGreaterEqual, kLess, kLessEqual };

  std::string text;      // as written
  Target target = Target::kTotal;
  std::string selector;  // regex; "" for total and for "any"
  Op op = Op::kGreater;
  Measure measure = Measure::kPercent;
  double threshold = 0;  // percent, points, or the number of an absolute threshold
  std::string quantity;  // absolute thresholds: the threshold text, resolved against the unit later
};

// Parses one rule; kUsage with the grammar reminder when it does not parse (or the regex is bad).
model::Result<Rule> parse_rule(const std::string& text);

struct Breach {
  std::string entry;     // entry name, or "total"
  double base = 0, now = 0;  // the values compared (column units, stored scale)
  std::string measured;  // the measure as text: "+31.2%", "+3.10pp", "+120ms"
};

struct RuleResult {
  Rule rule;
  std::vector<Breach> breaches;  // empty: the rule held
  bool broken() const { return !breaches.empty(); }
};

struct VerdictOptions {
  std::vector<std::string> ignore;  // RE2 regexes: matching entries are never judged
  double min_share = 0.005;         // "%" rules skip entries below this share on both sides
};

// Evaluates every rule against the table. kUsage when an ignore regex is invalid or an absolute
// threshold's unit does not fit the value column (e.g. "64kb" on a CPU profile).
model::Result<std::vector<RuleResult>> evaluate_rules(const DiffTable& table, const std::vector<Rule>& rules,
                                                      const VerdictOptions& options);

}  // namespace profkit::analysis
