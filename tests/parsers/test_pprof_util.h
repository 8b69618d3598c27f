// tests/parsers/test_pprof_util.h — helpers for the pprof-family tests: a tiny protobuf writer
// for hand-made (also malformed) profiles, a field-by-field Profile comparison, and the row
// extraction used to compare `top` outputs with go tool pprof's.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "model/profile.h"

namespace profkit::test {

// Builds protobuf wire bytes field by field.
class ProtoWriter {
 public:
  ProtoWriter& varint(uint32_t field, uint64_t v) {
    put(uint64_t{field} << 3 | 0);
    put(v);
    return *this;
  }
  ProtoWriter& bytes(uint32_t field, const std::string& s) {
    put(uint64_t{field} << 3 | 2);
    put(s.size());
    out_ += s;
    return *this;
  }
  ProtoWriter& message(uint32_t field, const ProtoWriter& m) { return bytes(field, m.out_); }
  ProtoWriter& packed(uint32_t field, std::initializer_list<uint64_t> vs) {
    ProtoWriter p;
    for (uint64_t v : vs) p.put(v);
    return bytes(field, p.out_);
  }
  const std::string& str() const { return out_; }

 private:
  void put(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

// Every field the pprof format carries must be equal (strings compared by content).
inline void check_same_profile(const model::Profile& a, const model::Profile& b) {
  auto s = [](const model::Profile& p, model::StringId id) { return std::string(p.str(id)); };
  REQUIRE(a.sample_types().size() == b.sample_types().size());
  for (size_t i = 0; i < a.sample_types().size(); ++i) {
    CHECK(s(a, a.sample_types()[i].type) == s(b, b.sample_types()[i].type));
    CHECK(s(a, a.sample_types()[i].unit) == s(b, b.sample_types()[i].unit));
  }
  CHECK(s(a, a.period_type.type) == s(b, b.period_type.type));
  CHECK(s(a, a.period_type.unit) == s(b, b.period_type.unit));
  CHECK(a.period == b.period);
  CHECK(a.time_nanos == b.time_nanos);
  CHECK(a.duration_nanos == b.duration_nanos);
  CHECK(s(a, a.drop_frames) == s(b, b.drop_frames));
  CHECK(s(a, a.keep_frames) == s(b, b.keep_frames));
  CHECK(s(a, a.default_sample_type) == s(b, b.default_sample_type));
  REQUIRE(a.comments.size() == b.comments.size());
  for (size_t i = 0; i < a.comments.size(); ++i) CHECK(s(a, a.comments[i]) == s(b, b.comments[i]));

  REQUIRE(a.mappings().size() == b.mappings().size());
  for (size_t i = 0; i < a.mappings().size(); ++i) {
    const auto &x = a.mappings()[i], &y = b.mappings()[i];
    CHECK(x.start == y.start);
    CHECK(x.limit == y.limit);
    CHECK(x.file_offset == y.file_offset);
    CHECK(s(a, x.file) == s(b, y.file));
    CHECK(s(a, x.build_id) == s(b, y.build_id));
    CHECK(x.has_functions == y.has_functions);
    CHECK(x.has_filenames == y.has_filenames);
    CHECK(x.has_line_numbers == y.has_line_numbers);
    CHECK(x.has_inline_frames == y.has_inline_frames);
    CHECK(x.symbol_state == y.symbol_state);
  }
  REQUIRE(a.functions().size() == b.functions().size());
  for (size_t i = 0; i < a.functions().size(); ++i) {
    const auto &x = a.functions()[i], &y = b.functions()[i];
    CHECK(s(a, x.name) == s(b, y.name));
    CHECK(s(a, x.system_name) == s(b, y.system_name));
    CHECK(s(a, x.filename) == s(b, y.filename));
    CHECK(x.start_line == y.start_line);
  }
  REQUIRE(a.locations().size() == b.locations().size());
  for (size_t i = 0; i < a.locations().size(); ++i) {
    const auto &x = a.locations()[i], &y = b.locations()[i];
    CHECK(x.mapping == y.mapping);
    CHECK(x.address == y.address);
    CHECK(x.is_folded == y.is_folded);
    CHECK(x.lines == y.lines);
  }
  REQUIRE(a.sample_count() == b.sample_count());
  for (size_t i = 0; i < a.sample_count(); ++i) {
    auto fa = a.stack(a.sample(i).stack), fb = b.stack(b.sample(i).stack);
    CHECK(std::vector<model::LocationId>(fa.begin(), fa.end()) == std::vector<model::LocationId>(fb.begin(), fb.end()));
    auto va = a.values(i), vb = b.values(i);
    CHECK(std::vector<int64_t>(va.begin(), va.end()) == std::vector<int64_t>(vb.begin(), vb.end()));
    auto labels = [&](const model::Profile& p, model::LabelSetId id) {
      std::vector<std::string> out;
      for (const model::Label& l : p.labels(id))
        out.push_back(std::string(p.str(l.key)) + "=" + std::string(p.str(l.str)) + "/" + std::to_string(l.num) + " " +
                      std::string(p.str(l.num_unit)));
      std::sort(out.begin(), out.end());
      return out;
    };
    CHECK(labels(a, a.sample(i).labels) == labels(b, b.sample(i).labels));
  }
}

// The part of a pprof -top output that must match: the "Showing nodes…", "Dropped …" lines and
// every line from the "flat  flat%" header down (the File/Type/Time header lines are left out).
inline std::vector<std::string> top_rows(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool rows = false;
  while (std::getline(in, line)) {
    if (line.rfind("Showing nodes", 0) == 0 || line.rfind("Dropped ", 0) == 0) out.push_back(line);
    if (line.find("flat  flat%") != std::string::npos) rows = true;
    if (rows) out.push_back(line);
  }
  return out;
}

}  // namespace profkit::test
