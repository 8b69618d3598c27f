// analysis/filter.h — sample and frame filters (pprof's focus/ignore/hide/show/show_from/
// prune_from and tagfocus/tagignore, plus perf's pid/tid/comm and time slices).
//
// Regexes are RE2, matched anywhere in the text (anchor with ^…$). A frame (one line of a
// location) matches when its function name or source file matches, or the location's binary
// (mapping file) does — pprof's Location.matchesName. Applied in pprof's order:
//   1. focus / ignore / hide / show, all decided on the original frames:
//      focus  keeps samples with at least one matching location,
//      ignore drops samples with a matching location (wins over focus),
//      hide   removes matching frames (a location left without frames leaves the stack),
//      show   keeps only matching frames;
//   2. show_from drops the frames above (callers of) the outermost match; samples without a
//      match are dropped (matched on function names and binaries);
//   3. tag_focus / tag_ignore, pid / tid / comm, time;
//   4. prune_from drops the frames below (callees of) the innermost match, keeping the match;
//   5. node_fraction hides functions whose cum is below that fraction of the total.
// Samples left without frames are dropped. Every filter that matched nothing is reported to
// Diagnostics under "filter.no-match" (a warning on stderr), so a typo does not silently
// empty a report.
//
// Tag filters ("key=value" or "value"): a value is a regex matched against string labels
// (against "key:value" of every label when no key is given); a numeric range "lo:hi", "lo:",
// ":hi" or a single value, with units ("bytes=1kb:64kb", "1.5ms:"), selects numeric labels in
// that range (bounds inclusive; a unit of another family never matches).
// Time ("--time"): "START-END" or "START,END" in seconds of the samples' clock (either side may
// be empty), or percent slices of the profile's time span "10%-20%" (perf report --time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/profile.h"

namespace profkit::analysis {

struct FilterOptions {
  std::string focus, ignore, hide, show, show_from, prune_from;  // RE2; empty = off
  std::vector<std::string> tag_focus;   // each must match (AND)
  std::vector<std::string> tag_ignore;  // any match drops the sample
  std::vector<int64_t> pids, tids;      // keep samples whose pid / tid label is listed
  std::vector<std::string> comms;       // keep samples whose comm label is listed (exact)
  std::string time;                     // time slice, see above; empty = all
  double node_fraction = 0;             // > 0: hide functions with cum < fraction × total

  bool empty() const;
};

// Applies the filters to every column; kUsage for a bad regex, tag or time expression.
model::Result<model::Profile> filter_profile(const model::Profile& profile, const FilterOptions& options,
                                             model::Diagnostics& diagnostics);

}  // namespace profkit::analysis
