// Tests of the profile.proto reader and writer (parsers/pprof/pprof_reader, pprof_writer).
//
// Oracles: the proto inputs of ../shared/testdata (pprof, parca, speedscope, pyroscope; see its
// MANIFEST.md) must parse; read(write(p)) must equal p field by field and write() must be
// byte-stable; `go tool pprof -top` (golang-go 1.19, when installed) run on our output must print
// the same rows as the GEN-EXACT `*.gopprof119.top.txt` files it printed for the original inputs.
#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "model/profile_builder.h"
#include "parsers/input.h"
#include "parsers/pprof/pprof_reader.h"
#include "parsers/pprof/pprof_string.h"
#include "parsers/pprof/pprof_writer.h"
#include "parsers/registry.h"
#include "tests/parsers/test_pprof_util.h"
#include "tests/support.h"

namespace fs = std::filesystem;
using namespace profkit;
using profkit::test::ProtoWriter;

namespace {

// Proto inputs of the shared corpus (paths relative to ../shared/testdata).
const std::vector<std::string> kProtoInputs = {
    "pprof/internal/driver/testdata/cppbench.cpu_no_samples_type",
    "pprof/internal/driver/testdata/go.nomappings.crash",
    "pprof/internal/report/testdata/sample.cpu",
    "speedscope/sample/profiles/pprof/simple.prof",
    "parca/pkg/query/testdata/fib.pb.gz",
    "parca/pkg/query/testdata/many/1644509272337470000.pb.gz",
    "parca/pkg/query/testdata/many/1644509275338070000.pb.gz",
    "parca/pkg/query/testdata/many/1644509278338696000.pb.gz",
    "parca/pkg/query/testdata/many/1644509281339135000.pb.gz",
    "parca/pkg/query/testdata/profile-with-labels.pb.gz",
    "parca/pkg/query/testdata/profile1.pb.gz",
    "parca/pkg/query/testdata/single-stack.pb.gz",
    "parca/pkg/query/testdata/two-stacks.pb.gz",
    "parca/pkg/symbolizer/testdata/normal-cpu.stripped.pprof",
    "parca/pkg/symbolizer/testdata/without-dwarf-cpu.stripped.pprof",
    "pyroscope/pkg/og/convert/pprof/testdata/cpu-exemplars.pb.gz",
    "pyroscope/pkg/og/convert/pprof/testdata/cpu-js.pb.gz",
    "pyroscope/pkg/og/convert/pprof/testdata/heap.pb",
    "pyroscope/pkg/og/convert/pprof/testdata/invalid_utf8.pb.gz",
    "pyroscope/pkg/og/convert/pprof/testdata/nodejs-heap.pb.gz",
    "pyroscope/pkg/og/convert/pprof/testdata/pyspy-1.pb.gz",
    "pyroscope/pkg/pprof/testdata/go.cpu.labels.pprof",
    "pyroscope/pkg/pprof/testdata/gotruncatefix/cpu_go_truncated_1.pb.gz",
    "pyroscope/pkg/pprof/testdata/heap",
    "pyroscope/pkg/pprof/testdata/profile_java",
    "pyroscope/pkg/pprof/testdata/profile_python",
    "pyroscope/pkg/pprof/testdata/profile_rust",
};

model::Result<model::Profile> parse_raw(const std::string& bytes) {
  auto in = parsers::gunzip_if_needed(parsers::InputBytes::from_buffer(bytes), "mem");
  if (!in) return std::unexpected(in.error());
  parsers::ParseOptions o;
  o.file_name = "mem";
  return parsers::parse_pprof(in->bytes(), o);
}

model::Error parse_error(const std::string& raw) {
  parsers::ParseOptions o;
  o.file_name = "bad.pb";
  auto p = parsers::parse_pprof({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}, o);
  REQUIRE_FALSE(p.has_value());
  return p.error();
}

std::string gzip_of(const std::string& raw) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, raw.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(out.size() - zs.avail_out);
  deflateEnd(&zs);
  return out;
}

// A tiny valid profile: string table, one sample type, one function/location/mapping, one sample.
ProtoWriter minimal_profile(bool with_sample = true) {
  ProtoWriter vt;
  vt.varint(1, 1).varint(2, 2);
  ProtoWriter fn;
  fn.varint(1, 1).varint(2, 3);
  ProtoWriter line;
  line.varint(1, 1).varint(2, 7);
  ProtoWriter loc;
  loc.varint(1, 1).varint(2, 1).varint(3, 0x1000).message(4, line);
  ProtoWriter map;
  map.varint(1, 1).varint(2, 0x1000).varint(3, 0x2000).varint(5, 4);
  ProtoWriter p;
  p.message(1, vt);
  if (with_sample) {
    ProtoWriter s;
    s.packed(1, {1}).packed(2, {5});
    p.message(2, s);
  }
  p.message(3, map).message(4, loc).message(5, fn);
  for (const char* s : {"", "samples", "count", "main", "/bin/app"}) p.bytes(6, s);
  return p;
}

}  // namespace

TEST_CASE("parsers::pprof reads the shared proto inputs") {
  // Oracle: the MANIFEST lists these as valid profile.proto files (go tool pprof reads them all).
  PROFKIT_REQUIRE_SHARED(shared);
  for (const std::string& rel : kProtoInputs) {
    CAPTURE(rel);
    auto in = parsers::read_input((shared / rel).string());
    REQUIRE(in.has_value());
    REQUIRE(parsers::detect(in->bytes()) != nullptr);
    CHECK(parsers::detect(in->bytes())->name == "pprof");
    auto ps = parsers::load((shared / rel).string(), {});
    REQUIRE_MESSAGE(ps.has_value(), (ps ? "" : ps.error().to_string()));
    REQUIRE(ps->size() == 1);
    const model::Profile& p = ps->front();
    CHECK(p.validate().has_value());
    CHECK(p.source_format == "pprof");
    CHECK(!p.sample_types().empty());
  }
}

TEST_CASE("parsers::pprof round trip keeps every field and is byte-stable") {
  // Oracle: the input itself — read(write(p)) must equal p field by field.
  PROFKIT_REQUIRE_SHARED(shared);
  for (const std::string& rel : kProtoInputs) {
    CAPTURE(rel);
    auto ps = parsers::load((shared / rel).string(), {});
    REQUIRE(ps.has_value());
    const model::Profile& p = ps->front();
    auto bytes = parsers::pprof_bytes(p);
    REQUIRE(bytes.has_value());
    auto q = parse_raw(*bytes);
    REQUIRE_MESSAGE(q.has_value(), (q ? "" : q.error().to_string()));
    profkit::test::check_same_profile(p, *q);
    auto again = parsers::pprof_bytes(*q);
    REQUIRE(again.has_value());
    CHECK_MESSAGE(*again == *bytes, "write(read(write(p))) differs from write(p)");
    auto raw = parsers::pprof_bytes(p, false);
    REQUIRE(raw.has_value());
    CHECK(parsers::sniff_pprof({reinterpret_cast<const uint8_t*>(raw->data()), raw->size()}) == parsers::Sniff::kYes);
  }
}

TEST_CASE("parsers::pprof keeps unsymbolized locations and their mappings") {
  // Oracle: MANIFEST — normal-cpu.stripped.pprof has addresses only, mapping flags claim
  // HasFunctions, and the mapping's build id names the debuginfo directory.
  PROFKIT_REQUIRE_SHARED(shared);
  auto ps = parsers::load((shared / "parca/pkg/symbolizer/testdata/normal-cpu.stripped.pprof").string(), {});
  REQUIRE(ps.has_value());
  const model::Profile& p = ps->front();
  REQUIRE(!p.mappings().empty());
  CHECK(p.str(p.mappings()[0].build_id) ==
        "2d5745782d486738416336492d624458373872722f43476c446c45724d31434c692d6745383869752d2f5f6765757162714a6668"
        "56504e464c73585830762f445a554f4e796c324b655554684d463241784b43");
  CHECK(p.mappings()[0].symbol_state == model::SymbolState::kNotAttempted);
  size_t unsymbolized = 0;
  for (const model::Location& l : p.locations()) {
    if (l.lines.empty()) {
      ++unsymbolized;
      CHECK(l.mapping.valid());
      CHECK(l.address != 0);
    }
  }
  CHECK(unsymbolized == p.locations().size());
}

TEST_CASE("parsers::pprof keeps Go profile semantics") {
  // Oracle: go tool pprof's "Type:" line in testdata/go/<kind>.pb.gz.gopprof.top.txt (the default
  // sample type it picked) and the sample types the Go runtime writes (seed.md's table).
  const fs::path dir = profkit::test::testdata("go");
  struct Case {
    const char* file;
    std::vector<std::string> types;
    const char* dflt;
  };
  for (const Case& c : {Case{"cpu.pb.gz", {"samples", "cpu"}, "cpu"},
                        Case{"heap.pb.gz", {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}, "inuse_space"},
                        Case{"allocs.pb.gz", {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}, "alloc_space"},
                        Case{"mutex.pb.gz", {"contentions", "delay"}, "delay"},
                        Case{"block.pb.gz", {"contentions", "delay"}, "delay"},
                        Case{"goroutine.pb.gz", {"goroutine"}, "goroutine"},
                        Case{"threadcreate.pb.gz", {"threadcreate"}, "threadcreate"}}) {
    CAPTURE(c.file);
    auto ps = parsers::load((dir / c.file).string(), {});
    REQUIRE_MESSAGE(ps.has_value(), (ps ? "" : ps.error().to_string()));
    const model::Profile& p = ps->front();
    REQUIRE(p.sample_types().size() == c.types.size());
    for (size_t i = 0; i < c.types.size(); ++i) CHECK(p.str(p.sample_types()[i].type) == c.types[i]);
    CHECK(p.str(p.sample_types()[p.default_sample_index()].type) == c.dflt);
    std::string top = profkit::test::read_file(dir / (std::string(c.file) + ".gopprof.top.txt"));
    CHECK(top.find(std::string("Type: ") + c.dflt + "\n") != std::string::npos);
    CHECK(p.period > 0);
  }
}

TEST_CASE("parsers::pprof writes every field of a synthetic profile") {
  // Oracle: the profile we built — read(write(p)) == p, including labels, inline frames, folded
  // locations, comments, drop/keep frames and default_sample_type.
  model::ProfileBuilder b(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = false, .dedup_tables = false});
  b.add_sample_type("alloc_objects", "count");
  b.add_sample_type("alloc_space", "bytes");
  model::Mapping m;
  m.start = 0x400000;
  m.limit = 0x500000;
  m.file_offset = 0x1000;
  m.file = b.intern("/usr/bin/app");
  m.build_id = b.intern("abcdef0123");
  m.has_functions = m.has_filenames = m.has_line_numbers = m.has_inline_frames = true;
  m.symbol_state = model::SymbolState::kSymbolized;
  auto mid = b.add_mapping(m);
  auto f1 = b.add_function({b.intern("inner"), b.intern("_Z5innerv"), b.intern("a.cc"), 10});
  auto f2 = b.add_function({b.intern("outer"), b.intern("outer"), b.intern("a.cc"), 20});
  model::Location l1;
  l1.mapping = mid;
  l1.address = 0x401234;
  l1.lines = {{f1, 12, 3}, {f2, 25, 0}};
  l1.is_folded = true;
  auto lid1 = b.add_location(l1);
  model::Location l2;
  l2.mapping = mid;
  l2.address = 0x401000;  // unsymbolized
  auto lid2 = b.add_location(l2);
  std::vector<model::LocationId> st{lid1, lid2};
  auto labels = b.intern_labels({{b.intern("thread"), b.intern("worker-1"), 0, {}},
                                 {b.intern("bytes"), {}, 4096, b.intern("bytes")},
                                 {b.intern("count"), {}, -3, {}}});
  int64_t v1[] = {2, 8192}, v2[] = {1, 100};
  b.add_sample(b.intern_stack(st), labels, v1);
  b.add_sample(b.intern_stack(std::vector<model::LocationId>{lid2}), {}, v2);
  model::Profile& md = b.metadata();
  md.period_type = {b.intern("space"), b.intern("bytes"), 0};
  md.period = 524288;
  md.time_nanos = 1700000000123456789;
  md.duration_nanos = 30000000000;
  md.drop_frames = b.intern("malloc|free");
  md.keep_frames = b.intern("keep");
  md.default_sample_type = b.intern("alloc_space");
  md.comments = {b.intern("first comment"), b.intern("second")};
  auto p = b.finish();
  REQUIRE(p.has_value());
  for (bool gz : {true, false}) {
    CAPTURE(gz);
    auto bytes = parsers::pprof_bytes(*p, gz);
    REQUIRE(bytes.has_value());
    if (gz) {
      // Fixed gzip header: magic, deflate, no flags, mtime 0.
      REQUIRE(bytes->size() > 10);
      CHECK(bytes->substr(0, 8) == std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
    }
    auto q = parse_raw(*bytes);
    REQUIRE(q.has_value());
    profkit::test::check_same_profile(*p, *q);
    CHECK(parsers::pprof_string(*q) == parsers::pprof_string(*p));
  }
}

TEST_CASE("parsers::pprof refuses malformed profiles with precise errors") {
  // Oracle: pprof's CheckValid / postDecode rules; each error must name the offending id.
  SUBCASE("valid baseline") {
    auto p = parse_raw(minimal_profile().str());
    REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().to_string()));
    CHECK(p->sample_count() == 1);
    CHECK(p->str(p->function(p->location(model::LocationId(1)).lines[0].function).name) == "main");
  }
  SUBCASE("missing string table") {
    ProtoWriter vt;
    vt.varint(1, 0);
    ProtoWriter p;
    p.message(1, vt);
    CHECK(parse_error(p.str()).message.find("string table is missing") != std::string::npos);
  }
  SUBCASE("string index out of range") {
    ProtoWriter fn;
    fn.varint(1, 9).varint(2, 99);
    ProtoWriter p = minimal_profile(false);
    p.message(5, fn);
    auto e = parse_error(p.str());
    CHECK(e.message.find("function id 9 name refers to string index 99") != std::string::npos);
    CHECK(e.code == model::ErrorCode::kParse);
    CHECK(e.offset > 0);
  }
  SUBCASE("duplicate mapping id") {
    ProtoWriter map;
    map.varint(1, 1);
    ProtoWriter p = minimal_profile();
    p.message(3, map);
    CHECK(parse_error(p.str()).message.find("multiple mappings with the same id 1") != std::string::npos);
  }
  SUBCASE("reserved location id 0") {
    ProtoWriter loc;
    loc.varint(3, 5);
    ProtoWriter p = minimal_profile();
    p.message(4, loc);
    CHECK(parse_error(p.str()).message.find("location with the reserved id 0") != std::string::npos);
  }
  SUBCASE("unknown function id in a line") {
    ProtoWriter line;
    line.varint(1, 42);
    ProtoWriter loc;
    loc.varint(1, 7).message(4, line);
    ProtoWriter p = minimal_profile();
    p.message(4, loc);
    CHECK(parse_error(p.str()).message.find("location id 7 refers to function id 42") != std::string::npos);
  }
  SUBCASE("unknown mapping id") {
    ProtoWriter loc;
    loc.varint(1, 8).varint(2, 5);
    ProtoWriter p = minimal_profile();
    p.message(4, loc);
    CHECK(parse_error(p.str()).message.find("location id 8 refers to mapping id 5") != std::string::npos);
  }
  SUBCASE("unknown location id in a sample") {
    ProtoWriter s;
    s.packed(1, {1, 77}).packed(2, {1});
    ProtoWriter p = minimal_profile();
    p.message(2, s);
    CHECK(parse_error(p.str()).message.find("sample #1 refers to location id 77") != std::string::npos);
  }
  SUBCASE("value count differs from sample types") {
    ProtoWriter s;
    s.packed(1, {1}).packed(2, {1, 2});
    ProtoWriter p = minimal_profile();
    p.message(2, s);
    CHECK(parse_error(p.str()).message.find("sample #1 has 2 values but the profile has 1 sample types") != std::string::npos);
  }
  SUBCASE("a length field claiming gigabytes is a limit error") {
    std::string raw = minimal_profile().str();
    raw += std::string("\x12\xff\xff\xff\xff\x0f", 6);  // field 2 (sample), length 4 GiB
    auto e = parse_error(raw);
    CHECK(e.code == model::ErrorCode::kLimit);
    CHECK(e.offset == static_cast<int64_t>(raw.size() - 6));
    CHECK(e.exit_code() == 3);
    // Also when it is the very first field (the sniffer must still claim it).
    std::string first("\x0a\xff\xff\xff\xff\x0f", 6);
    CHECK(parsers::sniff_pprof({reinterpret_cast<const uint8_t*>(first.data()), first.size()}) == parsers::Sniff::kYes);
    CHECK(parse_error(first).code == model::ErrorCode::kLimit);
  }
  SUBCASE("truncated input") {
    std::string raw = minimal_profile().str();
    raw.resize(raw.size() - 3);
    auto e = parse_error(raw);
    CHECK(e.code == model::ErrorCode::kParse);
    CHECK(e.message.find("truncated") != std::string::npos);
  }
  SUBCASE("concatenated profiles") {
    ProtoWriter p = minimal_profile();
    p.varint(9, 5).varint(9, 6);
    CHECK(parse_error(p.str()).message.find("concatenated") != std::string::npos);
  }
}

TEST_CASE("parsers::pprof sniffing is stricter than any bytes") {
  auto sniff = [](const std::string& s) {
    return parsers::sniff_pprof({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  CHECK(sniff(minimal_profile().str()) == parsers::Sniff::kYes);
  CHECK(sniff("main;foo;bar 10\nmain;foo 5\n") == parsers::Sniff::kNo);
  CHECK(sniff("\nmain;foo 1\n") == parsers::Sniff::kNo);
  CHECK(sniff("goroutine 1 [running]:\nmain.main()\n") == parsers::Sniff::kNo);
  CHECK(sniff("heap profile: 1: 2 [3: 4] @ heap/1048576\n") == parsers::Sniff::kNo);
  CHECK(sniff(std::string("\0\0\0\0\0\0\0\0\3\0\0\0", 12)) == parsers::Sniff::kNo);  // legacy CPU
  CHECK(sniff("") == parsers::Sniff::kNo);
  CHECK(sniff("2\x03" "abc") == parsers::Sniff::kNo);  // string_table[0] must be ""
}

TEST_CASE("parsers::pprof a gzip bomb is refused before it eats memory") {
  // Oracle: input.h's contract — inflating past the cap is ErrorCode::kLimit (exit 3).
  std::string zeros(8 << 20, '\0');
  std::string gz = gzip_of(zeros);
  CHECK(gz.size() < 64 * 1024);
  auto in = parsers::gunzip_if_needed(parsers::InputBytes::from_buffer(gz), "bomb.pb.gz", parsers::InputLimits{1 << 20});
  REQUIRE_FALSE(in.has_value());
  CHECK(in.error().code == model::ErrorCode::kLimit);
  CHECK(in.error().exit_code() == 3);
}

TEST_CASE("parsers::pprof output is accepted by go tool pprof with the same top rows") {
  // Oracle: go tool pprof (golang-go 1.19) itself: its -top of our re-encoded profile must equal
  // the GEN-EXACT -top it printed for the original input (rows, Showing/Dropped lines).
  PROFKIT_REQUIRE_SHARED(shared);
  if (std::system("go version >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: go is not installed");
    return;
  }
  profkit::test::TempDir tmp;
  for (const std::string& rel : kProtoInputs) {
    fs::path expected = shared / (rel + ".gopprof119.top.txt");
    if (!fs::exists(expected)) continue;
    CAPTURE(rel);
    auto ps = parsers::load((shared / rel).string(), {});
    REQUIRE(ps.has_value());
    fs::path out = tmp.path / "out.pb.gz";
    auto bytes = parsers::pprof_bytes(ps->front());
    REQUIRE(bytes.has_value());
    profkit::test::write_file(out, *bytes);
    fs::path top = tmp.path / "top.txt";
    std::string cmd = "TZ=UTC go tool pprof -top -symbolize=none '" + out.string() + "' >'" + top.string() + "' 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(profkit::test::top_rows(profkit::test::read_file(top)) ==
          profkit::test::top_rows(profkit::test::read_file(expected)));
  }
}
