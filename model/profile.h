// model/profile.h — the common sample model every parser fills and every pass reads.
//
// Semantics follow pprof's profile.proto so that any Profile round-trips through it:
// mappings, functions and locations live in tables addressed by typed ids (0 = none); a location
// holds its inlined frames as lines, innermost first; a sample is an interned stack (leaf first),
// one value per sample type, an interned label set and an optional timestamp.
//
// Invariants (checked by validate(), guaranteed by ProfileBuilder::finish()):
//  * every id stored in a table refers to an existing entry of the right table;
//  * every sample has exactly sample_types.size() values;
//  * string ids index strings.
// A Profile is only made by ProfileBuilder; passes read it and build new ones.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/ids.h"
#include "model/stack_table.h"
#include "model/string_table.h"

namespace profkit::model {

// A value column: what is measured and in which unit, e.g. (cpu, nanoseconds).
struct ValueType {
  StringId type;
  StringId unit;
  // Stored values are the real values times 10^decimals. Non-zero only for inputs with
  // fractional counts (collapsed stacks allow them); pprof-style sources are integral.
  int32_t decimals = 0;
  bool operator==(const ValueType&) const = default;
};

// How far symbolization of a mapping got; symbolize/ sets it, info reports it.
enum class SymbolState : uint8_t {
  kNotAttempted,      // addresses only, nobody tried yet
  kSymbolized,        // symbols came with the input or were resolved
  kMissingFile,       // binary / debug file not found
  kBuildIdMismatch,   // a file was found but its build id differs
  kNoSymbols,         // the file has neither DWARF nor a symbol table
};

struct Mapping {
  uint64_t start = 0;        // addr of the first mapped byte in the process
  uint64_t limit = 0;        // addr one past the last mapped byte
  uint64_t file_offset = 0;  // offset in the file of the byte mapped at `start`
  StringId file;             // path of the binary as the process saw it
  StringId build_id;         // hex, lower case
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
  SymbolState symbol_state = SymbolState::kNotAttempted;
  bool operator==(const Mapping&) const = default;
};

struct Function {
  StringId name;         // demangled, human readable
  StringId system_name;  // as the linker saw it (mangled), may equal name
  StringId filename;     // source file
  int64_t start_line = 0;
  bool operator==(const Function&) const = default;
};

// One frame of a location: the innermost inlined function comes first in Location::lines.
struct Line {
  FunctionId function;
  int64_t line = 0;    // 1-based source line, 0 when unknown
  int64_t column = 0;  // 1-based column, 0 when unknown
  bool operator==(const Line&) const = default;
};

// What kind of code a frame is; collapsed stacks spell these as _[k], _[j], _[i], _[w] suffixes.
enum class FrameKind : uint8_t { kNormal, kKernel, kJit, kInlined, kWaker };

struct Location {
  MappingId mapping;
  uint64_t address = 0;     // addr in the process (0 when unknown)
  std::vector<Line> lines;  // inlined frames, innermost first; empty when unsymbolized
  bool is_folded = false;
  FrameKind kind = FrameKind::kNormal;
  bool operator==(const Location&) const = default;
};

// A label: either a string value (str != 0) or a number with an optional unit.
struct Label {
  StringId key;
  StringId str;
  int64_t num = 0;
  StringId num_unit;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label& o) const {
    if (auto c = key.value <=> o.key.value; c != 0) return c;
    if (auto c = str.value <=> o.str.value; c != 0) return c;
    if (auto c = num <=> o.num; c != 0) return c;
    return num_unit.value <=> o.num_unit.value;
  }
};

struct Sample {
  StackId stack;
  LabelSetId labels;
  int64_t time_nanos = 0;  // absolute timestamp when the source has one, else 0
};

class Profile {
 public:
  // --- tables -------------------------------------------------------------------------------
  const StringTable& strings() const { return strings_; }
  std::string_view str(StringId id) const { return strings_.str(id); }

  const std::vector<ValueType>& sample_types() const { return sample_types_; }
  const std::vector<Mapping>& mappings() const { return mappings_; }
  const std::vector<Function>& functions() const { return functions_; }
  const std::vector<Location>& locations() const { return locations_; }
  const StackTable& stacks() const { return stacks_; }
  const std::vector<std::vector<Label>>& label_sets() const { return label_sets_; }  // [0] is empty

  const Mapping& mapping(MappingId id) const { return mappings_[id.index()]; }
  const Function& function(FunctionId id) const { return functions_[id.index()]; }
  const Location& location(LocationId id) const { return locations_[id.index()]; }
  std::span<const LocationId> stack(StackId id) const { return stacks_.frames(id); }
  const std::vector<Label>& labels(LabelSetId id) const { return label_sets_[id.value]; }

  // --- samples ------------------------------------------------------------------------------
  size_t sample_count() const { return samples_.size(); }
  const Sample& sample(size_t i) const { return samples_[i]; }
  std::span<const int64_t> values(size_t i) const {
    return {values_.data() + i * sample_types_.size(), sample_types_.size()};
  }
  // Sum of column `type_index` over all samples.
  int64_t total(size_t type_index) const;
  // Keeps the value columns `columns` (indices into sample_types(), in the order given) and drops
  // the others, in place: what analysis::select_sample_type does without copying the tables.
  void keep_columns(std::span<const size_t> columns);

  // --- metadata -----------------------------------------------------------------------------
  ValueType period_type;
  int64_t period = 0;
  int64_t time_nanos = 0;      // when the profile was taken
  int64_t duration_nanos = 0;  // how long it covered
  StringId drop_frames;        // regex of frames pprof drops (and everything below them)
  StringId keep_frames;        // regex of frames to keep despite drop_frames
  StringId default_sample_type;
  std::vector<StringId> comments;
  std::string source_format;   // e.g. "collapsed", "pprof", "perf.data"; set by the parser

  // Index of the sample type a report shows by default: pprof's rule (default_sample_type if
  // named, else the last column).
  size_t default_sample_index() const;
  // The checks ProfileBuilder::finish() runs; useful after manual surgery in tests.
  Result<void> validate() const;

 private:
  friend class ProfileBuilder;
  StringTable strings_;
  std::vector<ValueType> sample_types_;
  std::vector<Mapping> mappings_;
  std::vector<Function> functions_;
  std::vector<Location> locations_;
  StackTable stacks_;
  std::vector<std::vector<Label>> label_sets_{{}};
  std::vector<Sample> samples_;
  std::vector<int64_t> values_;  // samples_.size() * sample_types_.size(), row-major
};

}  // namespace profkit::model
