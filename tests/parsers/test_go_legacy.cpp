// Tests of the legacy profile parsers (parsers/pprof/legacy) and of the pprof String() dumper.
//
// Oracle: pprof's profile/testdata/*.string files in ../shared/testdata — exact dumps of
// profile.Parse(input).String() (pprof profile_test.go TestParse), which must also survive a
// proto write + parse round trip unchanged. The Go debug=1 texts in testdata/go (written by
// scripts/gen-go-profiles.sh) must parse to the same values as their debug=0 proto twins.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "parsers/input.h"
#include "parsers/pprof/legacy.h"
#include "parsers/pprof/pprof_reader.h"
#include "parsers/pprof/pprof_string.h"
#include "parsers/pprof/pprof_writer.h"
#include "parsers/registry.h"
#include "tests/support.h"

namespace fs = std::filesystem;
using namespace profkit;

namespace {

model::Result<model::Profile> load_one(const fs::path& p) {
  auto ps = parsers::load(p.string(), {});
  if (!ps) return std::unexpected(ps.error());
  return std::move(ps->front());
}

model::Result<model::Profile> parse_text(const std::string& text) {
  parsers::ParseOptions o;
  o.file_name = "mem";
  return parsers::parse_legacy({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, o);
}

}  // namespace

TEST_CASE("parsers::go_legacy matches pprof's String() dumps") {
  PROFKIT_REQUIRE_SHARED(shared);
  const fs::path dir = shared / "pprof/profile/testdata";
  for (const char* name : {"cppbench.contention", "cppbench.cpu", "cppbench.heap", "cppbench.thread",
                           "cppbench.thread.none", "go.crc32.cpu", "go.godoc.thread", "gobench.heap", "java.heap"}) {
    CAPTURE(name);
    auto p = load_one(dir / name);
    REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().to_string()));
    CHECK(p->source_format != "pprof");
    const std::string want = test::read_file(dir / (std::string(name) + ".string"));
    const std::string got = parsers::pprof_string(*p);
    CHECK(got == want);
    if (got != want) {
      test::TempDir keep;
      MESSAGE("first difference at byte " << std::mismatch(got.begin(), got.end(), want.begin(), want.end()).first - got.begin());
    }
    // ... and after a round trip through profile.proto.
    auto bytes = parsers::pprof_bytes(*p);
    REQUIRE(bytes.has_value());
    auto in = parsers::gunzip_if_needed(parsers::InputBytes::from_buffer(*bytes), "mem");
    REQUIRE(in.has_value());
    auto q = parsers::parse_pprof(in->bytes(), {});
    REQUIRE(q.has_value());
    CHECK(parsers::pprof_string(*q) == want);
  }
}

TEST_CASE("parsers::go_legacy names the legacy kind and keeps pprof's frame filters") {
  PROFKIT_REQUIRE_SHARED(shared);
  const fs::path dir = shared / "pprof/profile/testdata";
  struct Case {
    const char* file;
    const char* kind;
    const char* drop_prefix;
  };
  for (Case c : {Case{"cppbench.cpu", "legacy-cpu", "ProfileData::Add"}, Case{"gobench.heap", "legacy-heap", "calloc|"},
                 Case{"go.godoc.thread", "go-count", "ProfileData::Add"},
                 Case{"cppbench.contention", "legacy-contention", "RecordLockProfileData"},
                 Case{"cppbench.thread", "legacy-thread", "ProfileData::Add"},
                 Case{"java.heap", "java-legacy", "calloc|"}}) {
    CAPTURE(c.file);
    auto p = load_one(dir / c.file);
    REQUIRE(p.has_value());
    CHECK(p->source_format == c.kind);
    CHECK(std::string(p->str(p->drop_frames)).rfind(c.drop_prefix, 0) == 0);
  }
}

TEST_CASE("parsers::go_legacy reads Go's debug=1 profiles like their proto twins") {
  // Oracle: the same process wrote heap.debug1.txt and heap.pb.gz (scripts/gen-go-profiles.sh);
  // the legacy text must yield the same sample types, period and totals pprof derives from it.
  const fs::path dir = test::testdata("go");
  if (!fs::exists(dir / "heap.debug1.txt")) {
    MESSAGE("skipped: testdata/go not generated");
    return;
  }
  SUBCASE("goroutine count profile") {
    auto text = load_one(dir / "goroutine.debug1.txt");
    auto proto = load_one(dir / "goroutine.pb.gz");
    REQUIRE(text.has_value());
    REQUIRE(proto.has_value());
    CHECK(text->source_format == "go-count");
    CHECK(text->total(0) == proto->total(0));
    CHECK(text->str(text->sample_types()[0].type) == "goroutine");
  }
  SUBCASE("mutex and block contention profiles") {
    for (const char* kind : {"mutex", "block"}) {
      CAPTURE(kind);
      auto text = load_one(dir / (std::string(kind) + ".debug1.txt"));
      auto proto = load_one(dir / (std::string(kind) + ".pb.gz"));
      REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error().to_string()));
      REQUIRE(proto.has_value());
      CHECK(text->source_format == "legacy-contention");
      CHECK(text->total(0) == proto->total(0));  // contentions
      // delay: the text has cycles, converted with cycles/second; the proto has nanoseconds.
      double t = static_cast<double>(text->total(1)), q = static_cast<double>(proto->total(1));
      CHECK(t == doctest::Approx(q).epsilon(0.01));
    }
  }
  SUBCASE("heap profile") {
    auto text = load_one(dir / "heap.debug1.txt");
    auto proto = load_one(dir / "heap.pb.gz");
    REQUIRE_MESSAGE(text.has_value(), (text ? "" : text.error().to_string()));
    REQUIRE(proto.has_value());
    CHECK(text->source_format == "legacy-heap");
    REQUIRE(text->sample_types().size() == 4);
    for (size_t i = 0; i < 4; ++i) CHECK(text->str(text->sample_types()[i].type) == proto->str(proto->sample_types()[i].type));
    // MemProfileRate = 1 means no unsampling, so the totals agree exactly.
    for (size_t i = 0; i < 4; ++i) CHECK(text->total(i) == proto->total(i));
  }
}

TEST_CASE("parsers::go_legacy refuses malformed input with the line") {
  SUBCASE("bad count line") {
    auto p = parse_text("goroutine profile: total 2\n1 @ 0x1 0x2\nnot a sample\n");
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().line == 3);
    CHECK(p.error().message.find("go-count") != std::string::npos);
  }
  SUBCASE("bad heap sample") {
    auto p = parse_text("heap profile: 1: 2 [3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x1\ngarbage\n");
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().line == 3);
  }
  SUBCASE("heap count 0 with bytes") {
    auto p = parse_text("heap profile: 1: 2 [3: 4] @ heap/1048576\n0: 2 [3: 4] @ 0x1\n");
    REQUIRE_FALSE(p.has_value());
    CHECK(p.error().message.find("inuse count was 0 but inuse bytes was 2") != std::string::npos);
  }
  SUBCASE("pprof fuzz corpus: heapz with a zero sample") {
    // ../shared pprof/fuzz/testdata/7e3c…: must not crash; pprof refuses it (no sample types).
    auto p = parse_text("--- heapz 1 ---\n0 0 @ 0\n");
    CHECK_FALSE(p.has_value());
  }
  SUBCASE("a huge address is an error, not a wrap") {
    auto p = parse_text("threadcreate profile: total 1\n1 @ 0x1ffffffffffffffff\n");
    CHECK_FALSE(p.has_value());
  }
}

TEST_CASE("parsers::go_legacy sniffing") {
  auto sniff = [](const std::string& s) {
    return parsers::sniff_legacy({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  CHECK(sniff("heap profile: 1: 2 [3: 4] @ heap/1048576\n") == parsers::Sniff::kYes);
  CHECK(sniff("--- mutex:\ncycles/second=1\n") == parsers::Sniff::kYes);
  CHECK(sniff("--- contention:\n") == parsers::Sniff::kYes);
  CHECK(sniff("\n# comment\ngoroutine profile: total 3\n") == parsers::Sniff::kYes);
  CHECK(sniff("goroutine 1 [running]:\nmain.main()\n") == parsers::Sniff::kNo);
  CHECK(sniff("main;foo 1\n") == parsers::Sniff::kNo);
  CHECK(sniff("") == parsers::Sniff::kNo);
}

TEST_CASE("parsers::go_legacy Go duration strings") {
  CHECK(parsers::go_duration_string(0) == "0s");
  CHECK(parsers::go_duration_string(1500) == "1.5\u00b5s");
  CHECK(parsers::go_duration_string(2500000) == "2.5ms");
  CHECK(parsers::go_duration_string(16502830000000) == "4h35m2.83s");
  CHECK(parsers::go_duration_string(30000000000) == "30s");
  CHECK(parsers::go_duration_string(-61000000000) == "-1m1s");
}
