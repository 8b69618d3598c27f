// tests/symbolize/symbolize_test_util.h — building unsymbolized profiles by hand and reading
// the frames the symbolization pass wrote, so symbolize/ is tested without any parser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/profile_builder.h"
#include "symbolize/symbolize.h"
#include "tests/support.h"

namespace profkit::test {

struct MappingSpec {
  std::string file;
  std::string build_id;
  uint64_t start = 0, limit = 0, file_offset = 0;
  std::vector<uint64_t> addrs;  // process addresses, one location (and one sample) each
  int64_t pid = -1;             // when >= 0, samples carry a numeric "pid" label
  model::FrameKind kind = model::FrameKind::kNormal;
};

inline model::Profile make_unsymbolized(const std::vector<MappingSpec>& specs) {
  model::ProfileBuilder b;
  b.add_sample_type("samples", "count");
  int64_t value = 1;
  for (const MappingSpec& s : specs) {
    model::Mapping m;
    m.start = s.start;
    m.limit = s.limit;
    m.file_offset = s.file_offset;
    m.file = b.intern(s.file);
    m.build_id = b.intern(s.build_id);
    model::MappingId mid = b.add_mapping(m);
    model::LabelSetId labels;
    if (s.pid >= 0) labels = b.intern_labels({model::Label{b.intern("pid"), {}, s.pid, {}}});
    for (uint64_t a : s.addrs) {
      model::Location loc;
      loc.mapping = mid;
      loc.address = a;
      loc.kind = s.kind;
      model::LocationId lid = b.add_location(loc);
      model::LocationId frames[] = {lid};
      int64_t v[] = {value++};
      b.add_sample(b.intern_stack(frames), labels, v);
    }
  }
  auto p = b.finish();
  REQUIRE(p);
  return std::move(*p);
}

// One frame as text: "system_name file:line:column" (innermost first, joined by " <- ").
inline std::string frames_text(const model::Profile& p, const model::Location& loc, bool demangled = false) {
  std::string out;
  for (const model::Line& l : loc.lines) {
    const model::Function& f = p.function(l.function);
    if (!out.empty()) out += " <- ";
    out += fmt::format("{} {}:{}:{}", demangled ? p.str(f.name) : p.str(f.system_name), p.str(f.filename), l.line,
                       l.column);
  }
  return out;
}

// The location with process address `addr` (the first, when several mappings share it).
inline const model::Location* location_at(const model::Profile& p, uint64_t addr) {
  for (const model::Location& l : p.locations()) {
    if (l.address == addr) return &l;
  }
  return nullptr;
}

inline symbolize::Options hermetic_options(const std::string& backend = "libdw") {
  symbolize::Options o;
  o.backend = backend;
  o.system_debug_dirs = false;  // no /usr/lib/debug, no ~/.debug: results depend only on the test
  o.kallsyms = "/dev/null";
  o.debuginfod = false;         // no servers from the environment's DEBUGINFOD_URLS
  return o;
}

}  // namespace profkit::test
