// render/diff_report.h — `profkit diff` output: aligned text, Markdown (for a pull-request
// comment or a GitHub job summary), JSON and JUnit XML (one test case per --fail-on rule).
//
// Every format states what was compared (value type, absolute or normalised, and for repeated
// runs the statistics used, or that no noise estimate was possible), the totals, the rows
// (Δ flat, relative change, Δ share in percentage points, base/new flat and cum, p-values in
// noise mode; entries that appeared or vanished marked) and the verdict of each rule.
// Deterministic: rows come sorted from the table; no clocks.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/diff.h"
#include "analysis/verdict.h"
#include "model/error.h"

namespace profkit::render {

enum class DiffFormat { kText, kMarkdown, kJson, kJunit };

struct DiffRenderOptions {
  DiffFormat format = DiffFormat::kText;
  int64_t max_rows = 20;   // rows listed (JSON lists all when negative); -1 = all
  std::string base_name;   // how the inputs are called in headers ("base.pb.gz", "3 runs")
  std::string new_name;
  std::string granularity = "functions";
};

model::Result<void> render_diff(const analysis::DiffTable& table, const std::vector<analysis::RuleResult>& verdict,
                                const DiffRenderOptions& options, std::ostream& out);

// One line per broken rule and entry, for stderr: "rule 'total > +5%' broke: total +30.00% (…)".
std::string verdict_summary(const analysis::DiffTable& table, const std::vector<analysis::RuleResult>& verdict);

}  // namespace profkit::render
