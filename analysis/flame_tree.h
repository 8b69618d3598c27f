// analysis/flame_tree.h — the view model behind flame graphs: a tree of frames with values.
//
// The root stands for all samples. Each node is one frame (function name + FrameKind) on one
// call path; its children are the frames called from it, in flamegraph.pl's order (it sorts the
// collapsed lines bytewise): by the frame's text in such a line — name, _[k]/_[j]/_[i]/_[w]
// annotation, then ' ' for a frame with self samples or ';' for one without — so every walk is
// deterministic and layouts match flamegraph.pl's. A Location with several lines
// expands to several frames, outermost first (the inner ones are kInlined); a location without
// lines is named "binary+0x<file offset>" when it has a mapping with a file, else "0x<addr>".
//
// Values come from column 0 of the profile (cli::prepare puts the chosen column there):
//   total = all samples through this frame, self = samples whose leaf this frame is.
// A differential tree (build_diff_flame_tree) carries the base side in base_total/base_self on
// the same nodes; total/self are the new side. Frames seen on one side only stay, with 0 on the
// other. With `reverse` the tree is built leaf first (flamegraph.pl --reverse: merged callers).
//
// Invariants: node 0 is the root; children of a node are the contiguous range
// [first_child, first_child + child_count) and have larger indices than their parent, so a
// reverse index walk visits children before parents.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/profile.h"

namespace profkit::analysis {

struct FlameNode {
  uint32_t name = 0;         // index into FlameTree::name()
  model::FrameKind kind = model::FrameKind::kNormal;
  uint32_t parent = 0;       // the root is its own parent
  uint32_t first_child = 0;  // children: [first_child, first_child + child_count)
  uint32_t child_count = 0;
  uint32_t depth = 0;        // root = 0
  int64_t total = 0;         // value through this frame (the new side of a diff), column units
  int64_t self = 0;          // value of samples ending in this frame
  int64_t base_total = 0;    // diff trees only: the base side (scaled when normalized)
  int64_t base_self = 0;
};

struct FlameTreeOptions {
  bool reverse = false;  // leaf frames at the root (merged callers), like flamegraph.pl --reverse
};

class FlameTree {
 public:
  static constexpr uint32_t kRoot = 0;

  const FlameNode& node(uint32_t i) const { return nodes_[i]; }
  std::span<const FlameNode> nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  std::string_view name(uint32_t node_index) const { return names_[nodes_[node_index].name]; }
  int64_t total() const { return nodes_[kRoot].total; }
  int64_t base_total() const { return nodes_[kRoot].base_total; }

  bool is_diff() const { return diff_; }
  bool reversed() const { return reversed_; }
  bool normalized() const { return normalized_; }
  // Factor the base side was multiplied by (1 unless normalized).
  double base_scale() const { return base_scale_; }
  // The value column shown: type ("samples", "cpu"…), unit ("count", "nanoseconds"…) and the
  // fixed-point decimals of the stored values.
  const std::string& value_type() const { return value_type_; }
  const std::string& value_unit() const { return value_unit_; }
  int32_t decimals() const { return decimals_; }

 private:
  friend class FlameTreeBuilder;
  friend model::Result<FlameTree> build_flame_tree(const model::Profile&, const FlameTreeOptions&);
  friend model::Result<FlameTree> build_diff_flame_tree(const model::Profile&, const model::Profile&, bool,
                                                        const FlameTreeOptions&);
  std::vector<FlameNode> nodes_;
  std::vector<std::string> names_;
  bool diff_ = false;
  bool reversed_ = false;
  bool normalized_ = false;
  double base_scale_ = 1.0;
  std::string value_type_;
  std::string value_unit_;
  int32_t decimals_ = 0;
};

// Column 0 of `profile` as a flame tree. kUsage when the profile has no value column.
model::Result<FlameTree> build_flame_tree(const model::Profile& profile, const FlameTreeOptions& options = {});

// Both profiles on one tree: base values in base_total/base_self, `current` in total/self.
// With `normalize` the base side is scaled so its total equals current's (difffolded.pl -n).
// kUsage when the value columns are not compatible (different unit families or decimals).
model::Result<FlameTree> build_diff_flame_tree(const model::Profile& base, const model::Profile& current, bool normalize,
                                               const FlameTreeOptions& options = {});

// The name a flame graph shows for line `line_index` of `loc` (or for the location itself when
// it has no lines): the function name, "binary+0x<off>" or "0x<addr>".
std::string frame_name(const model::Profile& profile, const model::Location& loc, size_t line_index);

}  // namespace profkit::analysis
