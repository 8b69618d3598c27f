// render/callgraph_dot.h — a CallGraph as Graphviz DOT, laid out the way pprof -dot draws it.
//
// A legend box (file, type, time, totals, what was dropped), one box per node labelled with its
// name split at package/class separators, "flat (flat%)" and "of cum (cum%)", font size growing
// with flat (8 to 24), colour by cum share; edges labelled with their value, dot weight and pen
// width growing with it, residual edges dotted, inline calls dashed and marked "(inline)".
// All values of a graph share one unit (chosen as pprof does). Deterministic: nodes N1… in the
// graph's order, edges in its order; no clock.
#pragma once

#include <iosfwd>

#include "analysis/callgraph.h"
#include "model/error.h"
#include "model/profile.h"

namespace profkit::render {

model::Result<void> render_callgraph_dot(const model::Profile& profile, const analysis::CallGraph& graph, std::ostream& out);

}  // namespace profkit::render
