// analysis/stackcollapse_view.h — a profile shaped as FlameGraph's stackcollapse-perf.pl
// shapes perf script output, so `profkit convert capture.data -o x.folded` writes the same lines.
//
// stackcollapse-perf.pl's conventions: the process name (comm) is the root frame ("comm-PID"
// with --pid, "comm-PID/TID" with --tid; spaces become '_'); a frame is the symbol an address
// falls in (inlined callees only with --inline, marked _[i]); function names are tidied (the
// argument list after the first '(' is dropped unless it is a Go method or "(anonymous
// namespace)", quotes removed); kernel frames get _[k] only with --kernel, JIT frames _[j] only
// with --jit; unsymbolized frames stay "[module]" / "[unknown]" (the collapsed writer's rule).
#pragma once

#include "model/profile.h"

namespace profkit::analysis {

struct StackcollapseOptions {
  bool process_root = true;  // comm as the root frame (stackcollapse-perf's default)
  bool pid = false;          // --pid: "comm-PID"
  bool tid = false;          // --tid: "comm-PID/TID"
  bool kernel = false;       // --kernel: annotate kernel frames with _[k]
  bool jit = false;          // --jit: annotate JIT frames with _[j]
  bool inlines = false;      // --inline: inlined callees as their own frames, marked _[i]
};

// stackcollapse-perf.pl's tidy_generic applied to one function name.
std::string tidy_function_name(std::string_view name);

model::Result<model::Profile> stackcollapse_view(const model::Profile& profile, const StackcollapseOptions& options);

}  // namespace profkit::analysis
