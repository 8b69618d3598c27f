// parsers/perf/profile_converter.h — turns a perf.data record stream into a model::Profile.
//
// Value columns: "samples"/"count" first (every sample of every event counts 1), then one
// column per event named after it ("cpu-clock", "cycles", …) holding the summed sample
// periods — what `perf report` calls the event count and weights its percentages by. Its unit
// is "nanoseconds" for cpu-clock/task-clock and "events" otherwise. The default sample type is
// the first event.
//
// Stacks are leaf first: the callchain as perf recorded it (return addresses for callers, as
// `perf script` prints them) without PERF_CONTEXT_* markers, or the sample ip alone; with
// --call-graph lbr the user part is the LBR call stack, stitched as perf report does. Kernel
// frames are FrameKind::kKernel locations on the kernel's mapping ("[kernel.kallsyms]", a
// module, or a BPF symbol); user frames sit on the process mapping that held the address at the
// sample's time (with build id when the file has one), or on no mapping when none did.
// Labels: pid, tid, comm, and cpu when sampled. Metadata for `profkit info` goes into comments
// as "key: value" lines.
#pragma once

#include <cstdint>
#include <span>

#include "model/profile.h"
#include "parsers/format.h"

namespace profkit::parsers::perf {

model::Result<model::Profile> convert_perf_data(std::span<const uint8_t> bytes, const ParseOptions& options);

}  // namespace profkit::parsers::perf
