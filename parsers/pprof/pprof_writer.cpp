#include "parsers/pprof/pprof_writer.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <zlib.h>

#include <cmath>
#include <ostream>
#include <unordered_map>

#include "model/units.h"
#include "parsers/pprof/profile.pb.h"

namespace profkit::parsers {

namespace {

namespace pb = profkit::pprof::wire;
using model::ErrorCode;

// Model strings -> string table indices, in order of first use.
class StringIndex {
 public:
  StringIndex(const model::Profile& p, pb::Profile& out) : profile_(p), out_(out) {
    out_.add_string_table("");
    index_.emplace(0u, 0);
  }
  int64_t operator()(model::StringId id) {
    auto [it, inserted] = index_.try_emplace(id.value, static_cast<int64_t>(index_.size()));
    if (inserted) out_.add_string_table(std::string(profile_.str(id)));
    return it->second;
  }
  int64_t operator()(std::string_view s) { return (*this)(profile_.strings().find(s)); }

 private:
  const model::Profile& profile_;
  pb::Profile& out_;
  std::unordered_map<uint32_t, int64_t> index_;
};

// A stored fixed-point value in whole units.
int64_t whole(int64_t v, int32_t decimals) {
  if (decimals <= 0) return v;
  return static_cast<int64_t>(std::llround(model::to_real(v, decimals)));
}

model::Result<std::string> gzip_bytes(const std::string& raw) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip wrapper; zlib writes no name and mtime 0 unless told otherwise.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return model::make_error(ErrorCode::kInternal, "zlib deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, raw.size()) + 64);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return model::make_error(ErrorCode::kInternal, "zlib deflate did not finish");
  out.resize(produced);
  return out;
}

}  // namespace

model::Result<std::string> pprof_bytes(const model::Profile& p, bool gzip) {
  pb::Profile out;
  StringIndex S(p, out);

  for (const model::ValueType& vt : p.sample_types()) {
    pb::ValueType* t = out.add_sample_type();
    t->set_type(S(vt.type));
    t->set_unit(S(vt.unit));
  }

  const size_t width = p.sample_types().size();
  for (size_t i = 0; i < p.sample_count(); ++i) {
    const model::Sample& s = p.sample(i);
    pb::Sample* ps = out.add_sample();
    auto frames = p.stack(s.stack);
    ps->mutable_location_id()->Reserve(static_cast<int>(frames.size()));
    for (model::LocationId l : frames) ps->add_location_id(l.value);
    auto values = p.values(i);
    for (size_t c = 0; c < width; ++c) ps->add_value(whole(values[c], p.sample_types()[c].decimals));
    for (const model::Label& l : p.labels(s.labels)) {
      pb::Label* pl = ps->add_label();
      pl->set_key(S(l.key));
      if (l.str) {
        pl->set_str(S(l.str));
      } else {
        pl->set_num(l.num);
        if (l.num_unit) pl->set_num_unit(S(l.num_unit));
      }
    }
  }

  for (size_t i = 0; i < p.mappings().size(); ++i) {
    const model::Mapping& m = p.mappings()[i];
    pb::Mapping* pm = out.add_mapping();
    pm->set_id(i + 1);
    pm->set_memory_start(m.start);
    pm->set_memory_limit(m.limit);
    pm->set_file_offset(m.file_offset);
    pm->set_filename(S(m.file));
    pm->set_build_id(S(m.build_id));
    pm->set_has_functions(m.has_functions);
    pm->set_has_filenames(m.has_filenames);
    pm->set_has_line_numbers(m.has_line_numbers);
    pm->set_has_inline_frames(m.has_inline_frames);
  }

  for (size_t i = 0; i < p.locations().size(); ++i) {
    const model::Location& l = p.locations()[i];
    pb::Location* pl = out.add_location();
    pl->set_id(i + 1);
    pl->set_mapping_id(l.mapping.value);
    pl->set_address(l.address);
    for (const model::Line& line : l.lines) {
      pb::Line* ln = pl->add_line();
      ln->set_function_id(line.function.value);
      ln->set_line(line.line);
      ln->set_column(line.column);
    }
    pl->set_is_folded(l.is_folded);
  }

  for (size_t i = 0; i < p.functions().size(); ++i) {
    const model::Function& f = p.functions()[i];
    pb::Function* pf = out.add_function();
    pf->set_id(i + 1);
    pf->set_name(S(f.name));
    pf->set_system_name(S(f.system_name));
    pf->set_filename(S(f.filename));
    pf->set_start_line(f.start_line);
  }

  out.set_drop_frames(S(p.drop_frames));
  out.set_keep_frames(S(p.keep_frames));
  out.set_time_nanos(p.time_nanos);
  out.set_duration_nanos(p.duration_nanos);
  if (p.period_type.type || p.period_type.unit) {
    out.mutable_period_type()->set_type(S(p.period_type.type));
    out.mutable_period_type()->set_unit(S(p.period_type.unit));
  }
  out.set_period(p.period);
  for (model::StringId c : p.comments) out.add_comment(S(c));
  out.set_default_sample_type(S(p.default_sample_type));

  std::string raw;
  {
    google::protobuf::io::StringOutputStream zero_copy(&raw);
    google::protobuf::io::CodedOutputStream coded(&zero_copy);
    coded.SetSerializationDeterministic(true);
    if (!out.SerializeToCodedStream(&coded))
      return model::make_error(ErrorCode::kInternal, "pprof: serialising the profile failed (larger than 2 GiB?)");
  }
  if (!gzip) return raw;
  if (raw.size() >= (uint64_t{1} << 32) - 1024)
    return model::make_error(ErrorCode::kLimit, "pprof: profile too large to gzip in one piece (>= 4 GiB)");
  return gzip_bytes(raw);
}

model::Result<void> write_pprof(const model::Profile& profile, std::ostream& out, bool gzip) {
  auto bytes = pprof_bytes(profile, gzip);
  if (!bytes) return std::unexpected(bytes.error());
  out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  if (!out) return model::make_error(ErrorCode::kIo, "pprof: writing the output failed");
  return {};
}

}  // namespace profkit::parsers
