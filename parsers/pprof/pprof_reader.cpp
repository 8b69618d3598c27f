#include "parsers/pprof/pprof_reader.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/profile_builder.h"
#include "parsers/pprof/profile.pb.h"
#include "parsers/pprof/wire.h"

namespace profkit::parsers {

namespace {

namespace w = pprof_wire;
using model::ErrorCode;
using WT = w::WireType;

// Field numbers come from the generated schema, so reader and writer share one definition.
using PProfile = profkit::pprof::wire::Profile;
using PValueType = profkit::pprof::wire::ValueType;
using PSample = profkit::pprof::wire::Sample;
using PLabel = profkit::pprof::wire::Label;
using PMapping = profkit::pprof::wire::Mapping;
using PLocation = profkit::pprof::wire::Location;
using PLine = profkit::pprof::wire::Line;
using PFunction = profkit::pprof::wire::Function;

// ---------------------------------------------------------------------------------------------
// Sniffing

enum class Msg { kProfile, kValueType, kSample, kLabel, kMapping, kLocation, kLine, kFunction };

// Wire types a field of message `m` may use; nullopt for unknown field numbers (rejected when
// sniffing, skipped when parsing — as pprof does).
bool field_ok(Msg m, uint32_t n, WT t) {
  const bool varint = t == WT::kVarint, len = t == WT::kLen;
  switch (m) {
    case Msg::kProfile:
      if (n >= 1 && n <= 6) return len;
      if (n == 11) return len;
      if (n == 13) return len || varint;
      return n >= 7 && n <= 15 && varint;
    case Msg::kValueType:
      return n >= 1 && n <= 2 && varint;
    case Msg::kSample:
      if (n == 1 || n == 2) return len || varint;
      return n == 3 && len;
    case Msg::kLabel:
      return n >= 1 && n <= 4 && varint;
    case Msg::kMapping:
      return n >= 1 && n <= 10 && varint;
    case Msg::kLocation:
      if (n == 4) return len;
      return n >= 1 && n <= 5 && varint;
    case Msg::kLine:
      return n >= 1 && n <= 3 && varint;
    case Msg::kFunction:
      return n >= 1 && n <= 5 && varint;
  }
  return false;
}

std::optional<Msg> nested(Msg m, uint32_t n) {
  switch (m) {
    case Msg::kProfile:
      switch (n) {
        case 1: case 11: return Msg::kValueType;
        case 2: return Msg::kSample;
        case 3: return Msg::kMapping;
        case 4: return Msg::kLocation;
        case 5: return Msg::kFunction;
        default: return std::nullopt;
      }
    case Msg::kSample: return n == 3 ? std::optional(Msg::kLabel) : std::nullopt;
    case Msg::kLocation: return n == 4 ? std::optional(Msg::kLine) : std::nullopt;
    default: return std::nullopt;
  }
}

// Strictly checks that `bytes` is a valid message of kind `m` (known fields only).
bool valid_message(std::span<const uint8_t> bytes, Msg m, int depth) {
  w::Reader r(bytes, 0);
  w::Field f;
  while (!r.done()) {
    if (!r.next(f) || !field_ok(m, f.number, f.type)) return false;
    if (f.type == WT::kLen) {
      if (auto sub = nested(m, f.number)) {
        if (depth > 2 || !valid_message(f.bytes, *sub, depth + 1)) return false;
      } else if (m == Msg::kSample || (m == Msg::kProfile && f.number == 13)) {
        w::Reader packed(f.bytes, 0);  // packed varints
        uint64_t v;
        while (!packed.done())
          if (!packed.varint(v)) return false;
      }
    }
  }
  return true;
}

}  // namespace

Sniff sniff_pprof(std::span<const uint8_t> head) {
  if (head.empty()) return Sniff::kNo;
  w::Reader r(head, 0);
  w::Field f;
  int checked = 0;
  bool saw_table = false, saw_string_table = false;
  while (!r.done() && checked < 256) {
    if (!r.next(f)) {
      // A length running past the end: a truncated profile, or one with a hostile length. Claim
      // it when what came before looked right (or the very first field is a plausible start), so
      // the parser can report it precisely.
      bool overrun = r.error() == w::WireError::kTruncated || r.error() == w::WireError::kHugeLength;
      if (!overrun) return Sniff::kNo;
      if (saw_table) return Sniff::kYes;
      if (checked == 0 && r.error() == w::WireError::kHugeLength) {
        uint8_t tag = head[0];
        return (tag == 0x0a || tag == 0x12) ? Sniff::kYes : Sniff::kNo;
      }
      return Sniff::kNo;
    }
    if (!field_ok(Msg::kProfile, f.number, f.type)) return Sniff::kNo;
    if (f.type == WT::kLen && checked < 16) {
      if (auto sub = nested(Msg::kProfile, f.number)) {
        if (!valid_message(f.bytes, *sub, 1)) return Sniff::kNo;
      }
    }
    if (f.number == 6) {
      if (!saw_string_table && !f.bytes.empty()) return Sniff::kNo;  // string_table[0] must be ""
      saw_string_table = true;
    }
    if (f.number <= 6) saw_table = true;
    ++checked;
  }
  return saw_table ? Sniff::kYes : Sniff::kNo;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Decoding

class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, const ParseOptions& options)
      : bytes_(bytes), options_(options), builder_(model::ProfileBuilder::Options{.aggregate = false,
                                                                                 .keep_timestamps = false,
                                                                                 .dedup_tables = false}) {}

  model::Result<model::Profile> run() {
    if (auto ok = index_top_level(); !ok) return std::unexpected(ok.error());
    if (auto ok = read_strings(); !ok) return std::unexpected(ok.error());
    if (auto ok = read_scalars(); !ok) return std::unexpected(ok.error());
    if (auto ok = read_tables(); !ok) return std::unexpected(ok.error());
    if (auto ok = read_samples(); !ok) return std::unexpected(ok.error());
    auto profile = builder_.finish();
    if (!profile) {
      model::Error e = profile.error();
      e.file = options_.file_name;
      return std::unexpected(std::move(e));
    }
    return profile;
  }

 private:
  struct Span {
    std::span<const uint8_t> bytes;
    size_t offset;  // absolute offset of the payload
  };

  std::unexpected<model::Error> error_at(size_t offset, std::string message, ErrorCode code = ErrorCode::kParse) {
    return std::unexpected(model::Error{code, "pprof: " + std::move(message), options_.file_name,
                                        static_cast<int64_t>(offset), -1});
  }

  std::unexpected<model::Error> wire_error(const w::Reader& r, std::string_view what) {
    switch (r.error()) {
      case w::WireError::kHugeLength:
        return error_at(r.error_offset(),
                        fmt::format("{}: a length field claims {} bytes but only {} remain; refusing it", what,
                                    r.error_length(), bytes_.size() - std::min(bytes_.size(), r.error_offset())),
                        ErrorCode::kLimit);
      case w::WireError::kTruncated:
        return error_at(r.error_offset(), fmt::format("{}: a field runs past the end of the data (truncated?)", what));
      case w::WireError::kBadVarint:
        return error_at(r.error_offset(), fmt::format("{}: malformed varint", what));
      case w::WireError::kBadWireType:
        return error_at(r.error_offset(), fmt::format("{}: unsupported wire type", what));
      case w::WireError::kFieldZero:
        return error_at(r.error_offset(), fmt::format("{}: field number 0", what));
      case w::WireError::kNone:
        break;
    }
    return error_at(r.offset(), fmt::format("{}: malformed data", what));
  }

  size_t abs(std::span<const uint8_t> sub) const { return static_cast<size_t>(sub.data() - bytes_.data()); }

  // Pass one over the top level: remember where every table entry is.
  model::Result<void> index_top_level() {
    w::Reader r(bytes_, 0);
    w::Field f;
    while (!r.done()) {
      if (!r.next(f)) return wire_error(r, "profile");
      const uint32_t n = f.number;
      if (n > 15) continue;  // unknown fields are skipped, as pprof does
      if (!field_ok(Msg::kProfile, n, f.type))
        return error_at(f.offset, fmt::format("profile field {} has the wrong wire type", n));
      Span s{f.bytes, f.type == WT::kLen ? abs(f.bytes) : f.offset};
      switch (n) {
        case PProfile::kSampleTypeFieldNumber: sample_types_.push_back(s); break;
        case PProfile::kSampleFieldNumber: ++sample_count_; break;
        case PProfile::kMappingFieldNumber: mappings_.push_back(s); break;
        case PProfile::kLocationFieldNumber: locations_.push_back(s); break;
        case PProfile::kFunctionFieldNumber: functions_.push_back(s); break;
        case PProfile::kStringTableFieldNumber: strings_raw_.push_back(s); break;
        case PProfile::kDropFramesFieldNumber: drop_frames_ = {f.value, f.offset}; break;
        case PProfile::kKeepFramesFieldNumber: keep_frames_ = {f.value, f.offset}; break;
        case PProfile::kTimeNanosFieldNumber:
          if (time_nanos_ != 0)
            return error_at(f.offset, "time_nanos appears twice: concatenated profiles are not supported");
          time_nanos_ = static_cast<int64_t>(f.value);
          break;
        case PProfile::kDurationNanosFieldNumber: duration_nanos_ = static_cast<int64_t>(f.value); break;
        case PProfile::kPeriodTypeFieldNumber: period_type_ = s; break;
        case PProfile::kPeriodFieldNumber: period_ = static_cast<int64_t>(f.value); break;
        case PProfile::kCommentFieldNumber:
          if (f.type == WT::kVarint) {
            comments_.push_back({f.value, f.offset});
          } else {
            w::Reader p(f.bytes, abs(f.bytes));
            uint64_t v;
            while (!p.done()) {
              size_t at = p.offset();
              if (!p.varint(v)) return wire_error(p, "comment");
              comments_.push_back({v, at});
            }
          }
          break;
        case PProfile::kDefaultSampleTypeFieldNumber: default_sample_type_ = {f.value, f.offset}; break;
        case PProfile::kDocUrlFieldNumber: break;  // the model has no doc URL
        default: break;
      }
    }
    return {};
  }

  model::Result<void> read_strings() {
    if (strings_raw_.empty()) return error_at(0, "the string table is missing (string_table[0] must be \"\")");
    if (!strings_raw_[0].bytes.empty()) return error_at(strings_raw_[0].offset, "string_table[0] must be \"\"");
    strings_.reserve(strings_raw_.size());
    for (const Span& s : strings_raw_) {
      std::string_view v(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size());
      strings_.push_back(builder_.intern(v));
    }
    strings_raw_.clear();
    strings_raw_.shrink_to_fit();
    return {};
  }

  // String index -> model string, checking the range.
  model::Result<model::StringId> str(uint64_t index, size_t offset, std::string_view what) {
    if (index >= strings_.size())
      return error_at(offset, fmt::format("{} refers to string index {}, but the string table has {} entries", what,
                                          static_cast<int64_t>(index), strings_.size()));
    return strings_[index];
  }

  model::Result<model::ValueType> value_type(const Span& s, std::string_view what) {
    w::Reader r(s.bytes, s.offset);
    w::Field f;
    uint64_t type = 0, unit = 0;
    size_t type_at = s.offset, unit_at = s.offset;
    while (!r.done()) {
      if (!r.next(f)) return wire_error(r, what);
      if (f.number > 2) continue;
      if (f.type != WT::kVarint) return error_at(f.offset, fmt::format("{}: field {} has the wrong wire type", what, f.number));
      if (f.number == PValueType::kTypeFieldNumber) type = f.value, type_at = f.offset;
      if (f.number == PValueType::kUnitFieldNumber) unit = f.value, unit_at = f.offset;
    }
    auto t = str(type, type_at, what);
    if (!t) return std::unexpected(t.error());
    auto u = str(unit, unit_at, what);
    if (!u) return std::unexpected(u.error());
    return model::ValueType{*t, *u, 0};
  }

  model::Result<void> read_scalars() {
    for (size_t i = 0; i < sample_types_.size(); ++i) {
      auto vt = value_type(sample_types_[i], fmt::format("sample_type[{}]", i));
      if (!vt) return std::unexpected(vt.error());
      builder_.add_sample_type(builder_.str(vt->type), builder_.str(vt->unit));
    }
    model::Profile& md = builder_.metadata();
    if (period_type_) {
      auto vt = value_type(*period_type_, "period_type");
      if (!vt) return std::unexpected(vt.error());
      md.period_type = *vt;
    }
    md.period = period_;
    md.time_nanos = time_nanos_;
    md.duration_nanos = duration_nanos_;
    auto drop = str(drop_frames_.first, drop_frames_.second, "drop_frames");
    if (!drop) return std::unexpected(drop.error());
    md.drop_frames = *drop;
    auto keep = str(keep_frames_.first, keep_frames_.second, "keep_frames");
    if (!keep) return std::unexpected(keep.error());
    md.keep_frames = *keep;
    auto dflt = str(default_sample_type_.first, default_sample_type_.second, "default_sample_type");
    if (!dflt) return std::unexpected(dflt.error());
    md.default_sample_type = *dflt;
    for (size_t i = 0; i < comments_.size(); ++i) {
      auto c = str(comments_[i].first, comments_[i].second, fmt::format("comment[{}]", i));
      if (!c) return std::unexpected(c.error());
      md.comments.push_back(*c);
    }
    return {};
  }

  // Maps a pprof id onto a position. Dense ids use a vector, sparse ones a hash map.
  class IdIndex {
   public:
    void reserve(size_t n) { count_hint_ = n; }
    // False when the id is already taken.
    bool add(uint64_t id, uint32_t position) {
      if (id < dense_limit()) {
        if (dense_.size() <= id) dense_.resize(static_cast<size_t>(id) + 1, kNone);
        if (dense_[id] != kNone) return false;
        dense_[id] = position;
        return true;
      }
      return sparse_.emplace(id, position).second;
    }
    std::optional<uint32_t> find(uint64_t id) const {
      if (id < dense_.size()) {
        if (dense_[id] == kNone) return std::nullopt;
        return dense_[id];
      }
      if (auto it = sparse_.find(id); it != sparse_.end()) return it->second;
      return std::nullopt;
    }

   private:
    static constexpr uint32_t kNone = UINT32_MAX;
    uint64_t dense_limit() const { return uint64_t{count_hint_} * 4 + 1024; }
    size_t count_hint_ = 0;
    std::vector<uint32_t> dense_;
    std::unordered_map<uint64_t, uint32_t> sparse_;
  };

  model::Result<void> read_tables() {
    // Mappings: decoded first, added to the builder last (their symbol state depends on whether
    // any location in them carries lines).
    std::vector<model::Mapping> mappings;
    std::vector<uint64_t> mapping_ids;
    mappings.reserve(mappings_.size());
    mapping_index_.reserve(mappings_.size());
    for (const Span& s : mappings_) {
      w::Reader r(s.bytes, s.offset);
      w::Field f;
      model::Mapping m;
      uint64_t id = 0, file = 0, build_id = 0;
      size_t file_at = s.offset, build_at = s.offset;
      while (!r.done()) {
        if (!r.next(f)) return wire_error(r, "mapping");
        if (f.number > 10) continue;
        if (f.type != WT::kVarint)
          return error_at(f.offset, fmt::format("mapping field {} has the wrong wire type", f.number));
        switch (f.number) {
          case PMapping::kIdFieldNumber: id = f.value; break;
          case PMapping::kMemoryStartFieldNumber: m.start = f.value; break;
          case PMapping::kMemoryLimitFieldNumber: m.limit = f.value; break;
          case PMapping::kFileOffsetFieldNumber: m.file_offset = f.value; break;
          case PMapping::kFilenameFieldNumber: file = f.value, file_at = f.offset; break;
          case PMapping::kBuildIdFieldNumber: build_id = f.value, build_at = f.offset; break;
          case PMapping::kHasFunctionsFieldNumber: m.has_functions = f.value != 0; break;
          case PMapping::kHasFilenamesFieldNumber: m.has_filenames = f.value != 0; break;
          case PMapping::kHasLineNumbersFieldNumber: m.has_line_numbers = f.value != 0; break;
          case PMapping::kHasInlineFramesFieldNumber: m.has_inline_frames = f.value != 0; break;
        }
      }
      if (id == 0) return error_at(s.offset, "found a mapping with the reserved id 0");
      auto fs = str(file, file_at, fmt::format("mapping id {} filename", id));
      if (!fs) return std::unexpected(fs.error());
      auto bs = str(build_id, build_at, fmt::format("mapping id {} build_id", id));
      if (!bs) return std::unexpected(bs.error());
      m.file = *fs;
      m.build_id = *bs;
      if (!mapping_index_.add(id, static_cast<uint32_t>(mappings.size())))
        return error_at(s.offset, fmt::format("multiple mappings with the same id {}", id));
      mappings.push_back(m);
      mapping_ids.push_back(id);
    }
    mappings_.clear();
    mappings_.shrink_to_fit();

    // Functions.
    function_index_.reserve(functions_.size());
    uint32_t fn_count = 0;
    for (const Span& s : functions_) {
      w::Reader r(s.bytes, s.offset);
      w::Field f;
      model::Function fn;
      uint64_t id = 0, name = 0, system_name = 0, filename = 0;
      size_t name_at = s.offset, sys_at = s.offset, file_at = s.offset;
      while (!r.done()) {
        if (!r.next(f)) return wire_error(r, "function");
        if (f.number > 5) continue;
        if (f.type != WT::kVarint)
          return error_at(f.offset, fmt::format("function field {} has the wrong wire type", f.number));
        switch (f.number) {
          case PFunction::kIdFieldNumber: id = f.value; break;
          case PFunction::kNameFieldNumber: name = f.value, name_at = f.offset; break;
          case PFunction::kSystemNameFieldNumber: system_name = f.value, sys_at = f.offset; break;
          case PFunction::kFilenameFieldNumber: filename = f.value, file_at = f.offset; break;
          case PFunction::kStartLineFieldNumber: fn.start_line = static_cast<int64_t>(f.value); break;
        }
      }
      if (id == 0) return error_at(s.offset, "found a function with the reserved id 0");
      auto n = str(name, name_at, fmt::format("function id {} name", id));
      if (!n) return std::unexpected(n.error());
      auto sn = str(system_name, sys_at, fmt::format("function id {} system_name", id));
      if (!sn) return std::unexpected(sn.error());
      auto fl = str(filename, file_at, fmt::format("function id {} filename", id));
      if (!fl) return std::unexpected(fl.error());
      fn.name = *n;
      fn.system_name = *sn;
      fn.filename = *fl;
      if (!function_index_.add(id, fn_count))
        return error_at(s.offset, fmt::format("multiple functions with the same id {}", id));
      builder_.add_function(fn);
      ++fn_count;
    }
    functions_.clear();
    functions_.shrink_to_fit();

    // Locations.
    std::vector<bool> mapping_symbolized(mappings.size(), false);
    location_index_.reserve(locations_.size());
    uint32_t loc_count = 0;
    for (const Span& s : locations_) {
      w::Reader r(s.bytes, s.offset);
      w::Field f;
      model::Location loc;
      uint64_t id = 0, mapping_id = 0;
      std::vector<std::pair<uint64_t, size_t>> line_functions;  // pprof function id, offset
      while (!r.done()) {
        if (!r.next(f)) return wire_error(r, "location");
        if (f.number > 5) continue;
        if (!field_ok(Msg::kLocation, f.number, f.type))
          return error_at(f.offset, fmt::format("location field {} has the wrong wire type", f.number));
        switch (f.number) {
          case PLocation::kIdFieldNumber: id = f.value; break;
          case PLocation::kMappingIdFieldNumber: mapping_id = f.value; break;
          case PLocation::kAddressFieldNumber: loc.address = f.value; break;
          case PLocation::kIsFoldedFieldNumber: loc.is_folded = f.value != 0; break;
          case PLocation::kLineFieldNumber: {
            w::Reader lr(f.bytes, abs(f.bytes));
            w::Field lf;
            model::Line line;
            uint64_t fid = 0;
            while (!lr.done()) {
              if (!lr.next(lf)) return wire_error(lr, "line");
              if (lf.number > 3) continue;
              if (lf.type != WT::kVarint)
                return error_at(lf.offset, fmt::format("line field {} has the wrong wire type", lf.number));
              if (lf.number == PLine::kFunctionIdFieldNumber) fid = lf.value;
              if (lf.number == PLine::kLineFieldNumber) line.line = static_cast<int64_t>(lf.value);
              if (lf.number == PLine::kColumnFieldNumber) line.column = static_cast<int64_t>(lf.value);
            }
            line_functions.emplace_back(fid, f.offset);
            loc.lines.push_back(line);
            break;
          }
        }
      }
      if (id == 0) return error_at(s.offset, "found a location with the reserved id 0");
      if (mapping_id != 0) {
        auto m = mapping_index_.find(mapping_id);
        if (!m)
          return error_at(s.offset, fmt::format("location id {} refers to mapping id {}, which does not exist", id,
                                                mapping_id));
        loc.mapping = model::MappingId::from_index(*m);
        if (!loc.lines.empty()) mapping_symbolized[*m] = true;
      }
      for (size_t i = 0; i < loc.lines.size(); ++i) {
        auto [fid, at] = line_functions[i];
        if (fid == 0) return error_at(at, fmt::format("location id {} has a line without a function (function id 0)", id));
        auto fi = function_index_.find(fid);
        if (!fi)
          return error_at(at, fmt::format("location id {} refers to function id {}, which does not exist", id, fid));
        loc.lines[i].function = model::FunctionId::from_index(*fi);
      }
      if (!location_index_.add(id, loc_count))
        return error_at(s.offset, fmt::format("multiple locations with the same id {}", id));
      builder_.add_location(std::move(loc));
      ++loc_count;
    }
    locations_.clear();
    locations_.shrink_to_fit();

    for (size_t i = 0; i < mappings.size(); ++i) {
      if (mapping_symbolized[i]) mappings[i].symbol_state = model::SymbolState::kSymbolized;
      builder_.add_mapping(mappings[i]);
    }
    return {};
  }

  // Pass two: stream the samples into the builder.
  model::Result<void> read_samples() {
    const size_t width = builder_.sample_type_count();
    if (width == 0 && sample_count_ > 0) return error_at(0, "the profile has samples but no sample types");
    std::vector<model::LocationId> stack;
    std::vector<int64_t> values;
    std::vector<model::Label> labels;
    w::Reader r(bytes_, 0);
    w::Field f;
    size_t index = 0;
    while (!r.done()) {
      if (!r.next(f)) return wire_error(r, "profile");
      if (f.number != PProfile::kSampleFieldNumber) continue;
      stack.clear();
      values.clear();
      labels.clear();
      w::Reader sr(f.bytes, abs(f.bytes));
      w::Field sf;
      while (!sr.done()) {
        if (!sr.next(sf)) return wire_error(sr, fmt::format("sample #{}", index));
        if (sf.number > 3) continue;
        if (!field_ok(Msg::kSample, sf.number, sf.type))
          return error_at(sf.offset, fmt::format("sample #{} field {} has the wrong wire type", index, sf.number));
        if (sf.number == PSample::kLocationIdFieldNumber) {
          auto add = [&](uint64_t id, size_t at) -> model::Result<void> {
            auto li = location_index_.find(id);
            if (!li)
              return error_at(at, fmt::format("sample #{} refers to location id {}, which does not exist", index, id));
            stack.push_back(model::LocationId::from_index(*li));
            return {};
          };
          if (sf.type == WT::kVarint) {
            if (auto ok = add(sf.value, sf.offset); !ok) return ok;
          } else {
            w::Reader p(sf.bytes, abs(sf.bytes));
            uint64_t v;
            while (!p.done()) {
              size_t at = p.offset();
              if (!p.varint(v)) return wire_error(p, fmt::format("sample #{} location ids", index));
              if (auto ok = add(v, at); !ok) return ok;
            }
          }
        } else if (sf.number == PSample::kValueFieldNumber) {
          if (sf.type == WT::kVarint) {
            values.push_back(static_cast<int64_t>(sf.value));
          } else {
            w::Reader p(sf.bytes, abs(sf.bytes));
            uint64_t v;
            while (!p.done()) {
              if (!p.varint(v)) return wire_error(p, fmt::format("sample #{} values", index));
              values.push_back(static_cast<int64_t>(v));
            }
          }
        } else if (sf.number == PSample::kLabelFieldNumber) {
          w::Reader lr(sf.bytes, abs(sf.bytes));
          w::Field lf;
          uint64_t key = 0, sv = 0, unit = 0;
          int64_t num = 0;
          while (!lr.done()) {
            if (!lr.next(lf)) return wire_error(lr, fmt::format("sample #{} label", index));
            if (lf.number > 4) continue;
            if (lf.type != WT::kVarint)
              return error_at(lf.offset, fmt::format("sample #{} label field {} has the wrong wire type", index, lf.number));
            switch (lf.number) {
              case PLabel::kKeyFieldNumber: key = lf.value; break;
              case PLabel::kStrFieldNumber: sv = lf.value; break;
              case PLabel::kNumFieldNumber: num = static_cast<int64_t>(lf.value); break;
              case PLabel::kNumUnitFieldNumber: unit = lf.value; break;
            }
          }
          std::string what = fmt::format("sample #{} label", index);
          auto k = str(key, sf.offset, what);
          if (!k) return std::unexpected(k.error());
          // pprof's reading: a string label when str is set, a numeric one when num or unit is,
          // and nothing otherwise.
          if (sv != 0) {
            auto s = str(sv, sf.offset, what);
            if (!s) return std::unexpected(s.error());
            labels.push_back(model::Label{*k, *s, 0, {}});
          } else if (num != 0 || unit != 0) {
            auto u = str(unit, sf.offset, what);
            if (!u) return std::unexpected(u.error());
            labels.push_back(model::Label{*k, {}, num, *u});
          }
        }
      }
      if (values.size() != width)
        return error_at(f.offset, fmt::format("sample #{} has {} values but the profile has {} sample types", index,
                                              values.size(), width));
      model::StackId stack_id = builder_.intern_stack(stack);
      model::LabelSetId label_id = labels.empty() ? model::LabelSetId{} : builder_.intern_labels(labels);
      builder_.add_sample(stack_id, label_id, values);
      ++index;
    }
    return {};
  }

  std::span<const uint8_t> bytes_;
  const ParseOptions& options_;
  model::ProfileBuilder builder_;

  std::vector<Span> sample_types_, mappings_, locations_, functions_, strings_raw_;
  size_t sample_count_ = 0;
  std::optional<Span> period_type_;
  std::pair<uint64_t, size_t> drop_frames_{0, 0}, keep_frames_{0, 0}, default_sample_type_{0, 0};
  std::vector<std::pair<uint64_t, size_t>> comments_;
  int64_t time_nanos_ = 0, duration_nanos_ = 0, period_ = 0;

  std::vector<model::StringId> strings_;
  IdIndex mapping_index_, function_index_, location_index_;
};

}  // namespace

model::Result<model::Profile> parse_pprof(std::span<const uint8_t> bytes, const ParseOptions& options) {
  if (bytes.empty()) return std::unexpected(model::Error{ErrorCode::kParse, "pprof: empty input", options.file_name, -1, -1});
  Decoder d(bytes, options);
  auto p = d.run();
  if (p) p->source_format = "pprof";
  return p;
}

Format pprof_format() {
  return Format{"pprof", &sniff_pprof,
                [](std::span<const uint8_t> bytes, const ParseOptions& options) -> model::Result<std::vector<model::Profile>> {
                  auto p = parse_pprof(bytes, options);
                  if (!p) return std::unexpected(p.error());
                  std::vector<model::Profile> out;
                  out.push_back(std::move(*p));
                  return out;
                }};
}

}  // namespace profkit::parsers
