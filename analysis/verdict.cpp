#include "analysis/verdict.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "model/units.h"

namespace profkit::analysis {

using model::ErrorCode;

namespace {

constexpr const char* kGrammar =
    "a rule is TARGET OP THRESHOLD: TARGET = total | flat(RE) | cum(RE) | flat(any) | cum(any); "
    "OP = > >= < <=; THRESHOLD = +5% (relative) | 2pp (share points) | 100ms, 64kb, 10 (absolute); "
    "e.g. 'total > +5%', 'cum(^main\\.handle) > 10%', 'flat(any) > 2pp'";

std::unexpected<model::Error> bad_rule(const std::string& text, const std::string& why) {
  return model::make_error(ErrorCode::kUsage, fmt::format("--fail-on '{}': {}; {}", text, why, kGrammar));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool compare(double value, Rule::Op op, double threshold) {
  switch (op) {
    case Rule::Op::kGreater: return value > threshold;
    case Rule::Op::kGreaterEqual: return value >= threshold;
    case Rule::Op::kLess: return value < threshold;
    case Rule::Op::kLessEqual: return value <= threshold;
  }
  return false;
}

std::string signed_text(double v, const char* suffix) {
  if (std::isinf(v)) return v > 0 ? "new" : "gone";
  return fmt::format("{}{:.2f}{}", v >= 0 ? "+" : "", v, suffix);
}

}  // namespace

model::Result<Rule> parse_rule(const std::string& text) {
  Rule r;
  r.text = text;
  std::string_view s = trim(text);
  if (s.starts_with("total")) {
    r.target = Rule::Target::kTotal;
    s.remove_prefix(5);
  } else if (s.starts_with("flat") || s.starts_with("cum")) {
    r.target = s.starts_with("flat") ? Rule::Target::kFlat : Rule::Target::kCum;
    s.remove_prefix(r.target == Rule::Target::kFlat ? 4 : 3);
    s = trim(s);
    if (s.empty() || s.front() != '(') return bad_rule(text, "expected '(' after flat/cum");
    int depth = 0;
    size_t close = std::string_view::npos;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\') {
        ++i;
        continue;
      }
      if (s[i] == '(') ++depth;
      if (s[i] == ')' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == std::string_view::npos) return bad_rule(text, "unbalanced parentheses");
    std::string sel(trim(s.substr(1, close - 1)));
    if (sel.empty()) return bad_rule(text, "empty selector; use 'any' for every entry");
    if (sel != "any") {
      RE2 re(sel, RE2::Quiet);
      if (!re.ok()) return bad_rule(text, fmt::format("bad regex '{}': {}", sel, re.error()));
      r.selector = sel;
    }
    s.remove_prefix(close + 1);
  } else {
    return bad_rule(text, "expected total, flat(…) or cum(…)");
  }
  s = trim(s);
  if (s.starts_with(">=")) {
    r.op = Rule::Op::kGreaterEqual;
    s.remove_prefix(2);
  } else if (s.starts_with("<=")) {
    r.op = Rule::Op::kLessEqual;
    s.remove_prefix(2);
  } else if (s.starts_with(">")) {
    r.op = Rule::Op::kGreater;
    s.remove_prefix(1);
  } else if (s.starts_with("<")) {
    r.op = Rule::Op::kLess;
    s.remove_prefix(1);
  } else {
    return bad_rule(text, "expected one of > >= < <=");
  }
  s = trim(s);
  std::string_view num = s;
  bool plus = false;
  if (!num.empty() && (num.front() == '+')) {
    num.remove_prefix(1);
    plus = true;
  }
  (void)plus;
  size_t i = 0;
  if (i < num.size() && num[i] == '-') ++i;
  while (i < num.size() && (std::isdigit(static_cast<unsigned char>(num[i])) || num[i] == '.')) ++i;
  double value = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + i, value);
  if (i == 0 || ec != std::errc() || ptr != num.data() + i) return bad_rule(text, "expected a number after the operator");
  std::string_view suffix = trim(num.substr(i));
  r.threshold = value;
  if (suffix == "%") {
    r.measure = Rule::Measure::kPercent;
  } else if (suffix == "pp") {
    r.measure = Rule::Measure::kPoints;
    if (r.target == Rule::Target::kTotal) return bad_rule(text, "the total's share is always 100%; use % or an absolute value");
  } else {
    r.measure = Rule::Measure::kAbsolute;
    if (!suffix.empty() && !model::parse_quantity(fmt::format("1{}", suffix), "")) {
      return bad_rule(text, fmt::format("unknown unit '{}'", suffix));
    }
    r.quantity = std::string(num.substr(0, i)) + std::string(suffix);
  }
  return r;
}

model::Result<std::vector<RuleResult>> evaluate_rules(const DiffTable& t, const std::vector<Rule>& rules,
                                                      const VerdictOptions& o) {
  std::vector<std::unique_ptr<RE2>> ignore;
  for (const std::string& re : o.ignore) {
    auto compiled = std::make_unique<RE2>(re, RE2::Quiet);
    if (!compiled->ok()) return model::make_error(ErrorCode::kUsage, fmt::format("bad --fail-ignore regex '{}': {}", re, compiled->error()));
    ignore.push_back(std::move(compiled));
  }
  // Factor from the stored column values to the family's base unit (ns, bytes; 1 otherwise).
  const double unit_factor = model::parse_quantity("1", t.value_unit).value_or(1.0);
  auto real = [&](double stored) { return stored / std::pow(10.0, t.decimals); };

  std::vector<RuleResult> results;
  for (const Rule& rule : rules) {
    RuleResult res{rule, {}};
    double abs_threshold = 0;
    if (rule.measure == Rule::Measure::kAbsolute) {
      std::string_view q = rule.quantity;
      size_t digits = q.find_first_not_of("-+0123456789.");
      std::string_view suffix = digits == std::string_view::npos ? std::string_view{} : q.substr(digits);
      if (!suffix.empty() && !model::compatible_units(suffix, t.value_unit)) {
        return model::make_error(ErrorCode::kUsage, fmt::format("--fail-on '{}': '{}' is not a unit of the value column ({}/{})",
                                                                rule.text, suffix, t.value_type, t.value_unit));
      }
      auto v = model::parse_quantity(q, t.value_unit);
      if (!v) return model::make_error(ErrorCode::kUsage, fmt::format("--fail-on '{}': cannot read '{}'", rule.text, q));
      abs_threshold = *v;
    }
    auto judge = [&](const std::string& name, double base, double now, double base_total, double now_total) {
      double measured = 0;
      std::string text;
      switch (rule.measure) {
        case Rule::Measure::kPercent: {
          auto rel = relative_change(base, now);
          measured = rel ? *rel * 100 : (now > 0 ? std::numeric_limits<double>::infinity()
                                                 : (now < 0 ? -std::numeric_limits<double>::infinity() : 0));
          text = signed_text(measured, "%");
          break;
        }
        case Rule::Measure::kPoints:
          measured = share_change_pp(base, base_total, now, now_total);
          text = signed_text(measured, "pp");
          break;
        case Rule::Measure::kAbsolute: {
          double delta = now - base;
          measured = real(delta) * unit_factor;
          text = (delta >= 0 ? "+" : "") + model::format_value(std::llround(delta), t.value_unit, t.decimals);
          break;
        }
      }
      double threshold = rule.measure == Rule::Measure::kAbsolute ? abs_threshold : rule.threshold;
      if (compare(measured, rule.op, threshold)) res.breaches.push_back(Breach{name, base, now, text});
    };

    if (rule.target == Rule::Target::kTotal) {
      bool significant = !t.noise || (t.p_total >= 0 && t.p_total < t.alpha);
      if (significant) judge("total", t.base_total, t.new_total, t.base_total, t.new_total);
    } else {
      std::unique_ptr<RE2> sel;
      if (!rule.selector.empty()) sel = std::make_unique<RE2>(rule.selector, RE2::Quiet);
      for (const DiffRow& row : t.rows) {
        if (t.noise && !row.significant) continue;
        if (sel && !RE2::PartialMatch(row.name, *sel)) continue;
        bool ignored = false;
        for (const auto& re : ignore) ignored = ignored || RE2::PartialMatch(row.name, *re);
        if (ignored) continue;
        bool flat = rule.target == Rule::Target::kFlat;
        double base = flat ? row.base_flat : row.base_cum;
        double now = flat ? row.new_flat : row.new_cum;
        if (rule.measure == Rule::Measure::kPercent) {
          double bs = t.base_total != 0 ? std::fabs(base / t.base_total) : 0;
          double ns = t.new_total != 0 ? std::fabs(now / t.new_total) : 0;
          if (bs < o.min_share && ns < o.min_share) continue;
        }
        judge(row.name, base, now, t.base_total, t.new_total);
      }
    }
    results.push_back(std::move(res));
  }
  return results;
}

}  // namespace profkit::analysis
