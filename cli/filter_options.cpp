#include "cli/filter_options.h"

namespace profkit::cli {

void add_filter_options(CLI::App& cmd, analysis::FilterOptions& o) {
  const char* group = "Filters (RE2 regexes over function, file or binary, as pprof)";
  cmd.add_option("--focus", o.focus, "Keep only samples with a frame matching RE")->group(group);
  cmd.add_option("--ignore", o.ignore, "Drop samples with a frame matching RE")->group(group);
  cmd.add_option("--hide", o.hide, "Remove frames matching RE from the stacks")->group(group);
  cmd.add_option("--show", o.show, "Keep only frames matching RE in the stacks")->group(group);
  cmd.add_option("--show-from", o.show_from, "Drop the frames above (callers of) the outermost match of RE")->group(group);
  cmd.add_option("--prune-from", o.prune_from, "Drop the frames below (callees of) the innermost match of RE")->group(group);
  cmd.add_option("--tag-focus", o.tag_focus,
                 "Keep samples whose labels match: key=regex, regex (on key:value), or numeric key=lo:hi with units "
                 "(bytes=1kb:64kb); repeatable (all must match)")
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--tag-ignore", o.tag_ignore, "Drop samples whose labels match (same syntax as --tag-focus); repeatable")
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--pid", o.pids, "Keep samples of these process ids (perf.data); repeatable or comma-separated")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--tid", o.tids, "Keep samples of these thread ids (perf.data); repeatable or comma-separated")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--comm", o.comms, "Keep samples of these commands (perf.data comm); repeatable or comma-separated")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(group);
  cmd.add_option("--time", o.time,
                 "Keep samples in a time range: START-END or START,END in seconds (either may be empty), or a "
                 "percent slice of the profile like 10%-20% (perf report --time)")
      ->group(group);
}

model::Result<model::Profile> apply_filters(const model::Profile& profile, const analysis::FilterOptions& options,
                                            model::Diagnostics& diagnostics) {
  if (options.empty()) return profile;
  return analysis::filter_profile(profile, options, diagnostics);
}

}  // namespace profkit::cli
