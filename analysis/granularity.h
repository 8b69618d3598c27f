// analysis/granularity.h — what a report row (a "node") is: a function, a file, a line, an
// address or a binary.
//
// A location with inlined frames yields one node per line. Node identity follows pprof
// (graph.NodeInfo after Profile.Aggregate): at `functions` granularity two frames are the same
// node when their function names match; unsymbolized frames collapse to their binary
// ("[libc.so.6]"), or "<unknown>" without one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/profile.h"

namespace profkit::analysis {

enum class Granularity { kFunctions, kFileFunctions, kFiles, kLines, kAddresses, kBinaries };

// "functions", "filefunctions", "files", "lines", "addresses", "binaries".
std::optional<Granularity> parse_granularity(std::string_view name);

struct NodeKey {
  uint64_t address = 0;
  model::StringId name;
  model::StringId file;
  int64_t line = 0;
  model::StringId objfile;  // mapping file, kept only when the frame has no name (or for binaries)
  int64_t start_line = 0;
  bool operator==(const NodeKey&) const = default;
};

struct NodeKeyHash {
  size_t operator()(const NodeKey& k) const;
};

// pprof's PrintableName: "[address] [name] [file:line | file | [binary] | <unknown>]".
std::string printable_name(const model::Profile& profile, const NodeKey& key);

// Assigns a dense node index to every (location, line) of a profile at one granularity.
class NodeMap {
 public:
  NodeMap(const model::Profile& profile, Granularity granularity, bool inlines = true);

  // Node indices of a location's frames, innermost first (one per line; one for no lines).
  const std::vector<uint32_t>& nodes_of(model::LocationId loc) const { return location_nodes_[loc.index()]; }
  size_t size() const { return keys_.size(); }
  const NodeKey& key(uint32_t node) const { return keys_[node]; }
  const std::string& name(uint32_t node) const { return names_[node]; }

 private:
  uint32_t intern(const NodeKey& key);
  const model::Profile& profile_;
  std::vector<std::vector<uint32_t>> location_nodes_;
  std::vector<NodeKey> keys_;
  std::vector<std::string> names_;
  std::unordered_map<NodeKey, uint32_t, NodeKeyHash> index_;
};

}  // namespace profkit::analysis
