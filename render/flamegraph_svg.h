// render/flamegraph_svg.h — an interactive, self-contained flame graph SVG from a FlameTree.
//
// Geometry and conventions follow flamegraph.pl, so its SVGs and ours compare structurally:
// 1200 px wide, 16 px frames (15 px rect + 1 px pad), 10 px side padding, title 24 px from the
// top, the root ("all") at the bottom (or at the top when inverted, an icicle graph), children
// left to right in the tree's (alphabetical) order after the parent's self part, x and width
// printed with one decimal, one <g> per frame holding <title>name (N samples, P%)</title>, a
// <rect> and a <text> truncated to fit ("..").  Inline CSS and JavaScript (no external files)
// give click-to-zoom, "Reset Zoom", regex search ("Search", Ctrl-F / F3, "ic" toggles case)
// with a "Matched: P%" figure, and a details line showing the hovered frame.
//
// Differential trees (tree.is_diff()) are coloured red (grew) to blue (shrank) by the self or
// total delta relative to the largest one; the tooltip gives base, new and delta.
//
// Frame budget: frames narrower than min_width are merged into one "…" frame per parent (placed
// after its wider siblings; its value is their sum, so every parent keeps its width), and if more
// than frame_budget rects would remain, the effective min width is raised until they fit.
//
// Output is a pure function of (tree, options): no clock, no randomness, stable order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "analysis/flame_tree.h"
#include "model/error.h"

namespace profkit::render {

enum class DiffBy { kSelf, kTotal };  // which delta colours a differential frame
enum class DiffWidth { kNew, kMax };  // frame widths from the new side, or max(base, new) per frame

struct FlamegraphOptions {
  std::string title;                  // empty: "Flame Graph", or "Icicle Graph" when inverted
  std::string subtitle;               // second heading line; empty = none
  int width = 1200;                   // image width, px (at least 100)
  double min_width = 0.1;             // frames narrower than this merge into "…"; px, or % of total
  bool min_width_percent = false;     // min_width is a percentage of the total
  bool inverted = false;              // icicle graph: root at the top
  std::string palette = "hot";        // render/palette.h names
  std::string count_name;             // empty: "samples" for counts, else the unit formatting
  std::string name_type = "Function:";  // prefix of the details line
  size_t frame_budget = 50000;        // hard cap on drawn frames; 0 = unlimited
  DiffBy diff_by = DiffBy::kSelf;
  DiffWidth diff_width = DiffWidth::kNew;
};

struct FlamegraphStats {
  size_t frames = 0;             // <rect> frames drawn, "…" included
  size_t merged_frames = 0;      // "…" frames among them
  double effective_min_width = 0;  // px actually used (raised by the budget)
  uint32_t max_depth = 0;
};

// Writes the SVG; kUsage for a bad option (unknown palette, width too small), kIo when the
// stream fails. An empty tree (total 0) renders a small SVG saying so, as flamegraph.pl does.
model::Result<void> render_flamegraph_svg(const analysis::FlameTree& tree, const FlamegraphOptions& options,
                                          std::ostream& out, FlamegraphStats* stats = nullptr);

}  // namespace profkit::render
