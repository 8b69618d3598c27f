// render/top_text.h — `profkit top` output: pprof's text layout, CSV, JSON and Markdown.
//
// The text layout is pprof's -top, byte for byte: header lines (File, Build ID, comments, Type,
// Time, Duration), "Showing nodes accounting for …", "Dropped N nodes (cum <= …)", then rows of
// flat flat% sum% cum cum% name. All values of a report share one unit, chosen as pprof does
// (from the smallest shown value and the total).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "analysis/top_table.h"
#include "model/error.h"
#include "model/profile.h"

namespace profkit::render {

enum class TableFormat { kText, kCsv, kJson, kMarkdown };

struct TopRenderOptions {
  TableFormat format = TableFormat::kText;
  bool mean = false;   // the sample type is shown as "mean_<type>"
  bool color = false;  // ANSI colours (text only; the CLI enables it on a TTY)
};

// Header lines pprof prints above reports (File, Build ID, comments, Type, Time, Duration).
std::vector<std::string> profile_labels(const model::Profile& profile, int64_t total, bool mean);

model::Result<void> render_top(const model::Profile& profile, const analysis::TopTable& table,
                               const TopRenderOptions& options, std::ostream& out);

}  // namespace profkit::render
