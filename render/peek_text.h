// render/peek_text.h — pprof's -peek layout for analysis::PeekTable (`profkit top --callers/--callees`).
//
// Per node a block: its callers (value and share of all calls into the node), the node row
// (flat flat% sum% cum cum%), its callees (value and share of all calls out of it), separated by
// pprof's dashed rules. Values share one unit chosen from the total.
#pragma once

#include <iosfwd>

#include "analysis/peek.h"
#include "model/error.h"
#include "model/profile.h"

namespace profkit::render {

model::Result<void> render_peek(const model::Profile& profile, const analysis::PeekTable& table, std::ostream& out);

}  // namespace profkit::render
