// Tests of the collapsed-stack parser and writer (parsers/collapsed.{h,cpp}, collapsed_writer.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "model/profile_builder.h"
#include "model/units.h"
#include "parsers/collapsed.h"
#include "parsers/registry.h"
#include "tests/support.h"

namespace fs = std::filesystem;
using namespace profkit;
using parsers::ParseOptions;
using parsers::Sniff;

namespace {

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

model::Result<std::vector<model::Profile>> parse(const std::string& text, ParseOptions options = {}) {
  return parsers::parse_collapsed(as_bytes(text), options);
}

std::string write(const model::Profile& p, parsers::CollapsedWriteOptions options = {}) {
  std::ostringstream out;
  auto ok = parsers::write_collapsed(p, 0, out, options);
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().to_string()));
  return out.str();
}

// The total of count column `col` (0 = last token, 1 = the one before), summed independently of
// the parser: each non-blank line's tokens read with strtold. Good to 1e-6 for the oracles.
long double independent_total(const std::string& text, int col = 0) {
  std::istringstream in(text);
  std::string line;
  long double sum = 0;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.empty()) continue;
    for (int i = 0; i < col; ++i) {
      line.erase(line.find_last_of(" \t"));
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    }
    sum += std::strtold(line.c_str() + line.find_last_of(" \t") + 1, nullptr);
  }
  return sum;
}

size_t nonblank_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) n += line.find_first_not_of(" \t\r") != std::string::npos;
  return n;
}

double real_total(const model::Profile& p) { return model::to_real(p.total(0), p.sample_types()[0].decimals); }

std::string frame_name(const model::Profile& p, model::LocationId id) {
  const model::Location& l = p.location(id);
  return std::string(p.str(p.function(l.lines.at(0).function).name));
}

}  // namespace

TEST_CASE("parsers::collapsed parses FlameGraph and inferno collapse results and round-trips them") {
  // Oracle: the exact outputs of stackcollapse-perf.pl (FlameGraph test/results, both the
  // brendangregg and jonhoo forks) and of inferno-collapse-perf (tests/data/collapse-perf/results).
  // They are sorted and unique, so parse -> write must reproduce them byte for byte, and the
  // parsed total must equal the sum of the counts read independently.
  PROFKIT_REQUIRE_SHARED(shared);
  std::vector<fs::path> files;
  for (const char* dir : {"FlameGraph/test/results", "FlameGraph-jonhoo/test/results", "inferno/tests/data/collapse-perf/results"}) {
    for (const auto& e : fs::directory_iterator(shared / dir)) {
      if (e.path().extension() == ".txt") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 70);
  size_t kernel_frames = 0, jit_frames = 0;
  for (const fs::path& f : files) {
    CAPTURE(f.string());
    std::string text = test::read_file(f);
    if (!text.empty()) CHECK(parsers::sniff_collapsed(as_bytes(text)) == Sniff::kYes);
    auto r = parse(text, ParseOptions{.file_name = f.string()});
    REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
    REQUIRE(r->size() == 1);
    const model::Profile& p = r->front();
    CHECK(p.source_format == "collapsed");
    CHECK(p.str(p.sample_types()[0].type) == "samples");
    CHECK(p.str(p.sample_types()[0].unit) == "count");
    CHECK(p.sample_types()[0].decimals == 0);
    CHECK(p.total(0) == static_cast<int64_t>(independent_total(text)));
    CHECK(p.sample_count() == nonblank_lines(text));
    CHECK(write(p) == text);
    for (const model::Location& l : p.locations()) {
      kernel_frames += l.kind == model::FrameKind::kKernel;
      jit_frames += l.kind == model::FrameKind::kJit;
    }
  }
  CHECK(kernel_frames > 0);  // the -kernel / -all results annotate with _[k]
  CHECK(jit_frames > 0);     // the -jit / -all results annotate with _[j]
}

TEST_CASE("parsers::collapsed parses other folded inputs") {
  // Oracle: inferno's flamegraph inputs (fractional counts, frames with spaces, unsorted
  // multi-input files), speedscope's stackcollapse samples with their bg-flamegraph snapshot
  // totals, and the Firefox profiler's folded fixture; totals are summed independently.
  PROFKIT_REQUIRE_SHARED(shared);
  struct Case {
    const char* path;
    int32_t decimals;
  };
  const Case cases[] = {
      {"inferno/tests/data/flamegraph/fractional-samples/with-space.txt", 3},
      {"inferno/tests/data/flamegraph/fractional-samples/zero-fractionals.txt", 0},  // "1.0", "6." are integral
      {"inferno/tests/data/flamegraph/fractional-samples/tricky-stack.txt", 0},
      {"inferno/tests/data/flamegraph/grey-frames/grey-frames.txt", 0},
      {"inferno/tests/data/flamegraph/multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-1.txt", 0},
      {"inferno/tests/data/flamegraph/multiple-inputs/perf-vertx-stacks-01-collapsed-all-unsorted-2.txt", 0},
      {"speedscope/sample/profiles/stackcollapse/simple.txt", 0},
      {"speedscope/sample/profiles/stackcollapse/simple-crlf.txt", 0},
      {"speedscope/sample/profiles/stackcollapse/recursion.txt", 0},
      {"speedscope/sample/profiles/stackcollapse/tall.txt", 0},
      {"firefox-devtools-profiler/src/test/fixtures/upgrades/flamegraph.txt", 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    std::string text = test::read_file(shared / c.path);
    CHECK(parsers::sniff_collapsed(as_bytes(text)) == Sniff::kYes);
    auto r = parse(text);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
    REQUIRE(r->size() == 1);
    CHECK(r->front().sample_types()[0].decimals == c.decimals);
    CHECK(std::fabs(real_total(r->front()) - static_cast<double>(independent_total(text))) < 1e-6);
  }

  SUBCASE("speedscope simple: duplicate stacks aggregate") {
    // Oracle: speedscope's bg-flamegraph snapshot for simple.txt: a;b;c 5, a;b;d 4, a;b 5.
    auto r = parse(test::read_file(shared / "speedscope/sample/profiles/stackcollapse/simple.txt"));
    REQUIRE(r);
    CHECK(write(r->front()) == "a;b 5\na;b;c 5\na;b;d 4\n");
  }

  SUBCASE("frames with spaces and '.' keep their text") {
    // Oracle: inferno's with-space-reversed.svg titles name "core::array::<impl
    // core::default::Default for [T" as one frame (the ';' inside "[T; _]" splits it).
    auto r = parse(test::read_file(shared / "inferno/tests/data/flamegraph/fractional-samples/with-space.txt"));
    REQUIRE(r);
    const model::Profile& p = r->front();
    bool found = false;
    for (const model::Function& f : p.functions()) found |= p.str(f.name) == "core::array::<impl core::default::Default for [T";
    CHECK(found);
    CHECK(write(p) ==
          "cksum;_start;__libc_start_main;main;cksum 31.23\n"
          "cksum;cksum 6.1\n"
          "cksum;cksum;__GI___fread_unlocked;_IO_file_xsgetn;_IO_file_read;entry_SYSCALL_64_fastpath_[k];sys_read_[k];"
          "vfs_read_[k];__vfs_read_[k];ext4_file_read_iter_[k] 1.4\n"
          "cksum;main;core::array::<impl core::default::Default for [T; _]>::default::h67c9877e6f2a615c 19\n"
          "noploop;[unknown] 2.567\n"
          "noploop;main 274.321\n");
  }
}

TEST_CASE("parsers::collapsed reads difffolded output as two profiles") {
  // Oracle: inferno tests/data/diff-folded: results/default.txt is `inferno-diff-folded
  // before.txt after.txt` (difffolded.pl format), so its columns total to the inputs' totals.
  PROFKIT_REQUIRE_SHARED(shared);
  const fs::path dir = shared / "inferno/tests/data/diff-folded";
  std::string diff = test::read_file(dir / "results/default.txt");
  CHECK(parsers::sniff_collapsed(as_bytes(diff)) == Sniff::kYes);
  auto r = parse(diff);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  REQUIRE(r->size() == 2);
  const model::Profile& before = (*r)[0];
  const model::Profile& after = (*r)[1];
  CHECK(before.total(0) == static_cast<int64_t>(independent_total(diff, 1)));
  CHECK(after.total(0) == static_cast<int64_t>(independent_total(diff, 0)));

  auto b = parse(test::read_file(dir / "before.txt"));
  auto a = parse(test::read_file(dir / "after.txt"));
  REQUIRE(b);
  REQUIRE(a);
  CHECK(before.total(0) == b->front().total(0));
  CHECK(after.total(0) == a->front().total(0));
  CHECK(write(after) == write(a->front()));  // after's column is after.txt, stack for stack
  CHECK(write(before) == write(b->front()));

  SUBCASE("normalized output and inferno's differential flamegraph input parse too") {
    for (const fs::path& f : {dir / "results/normalize.txt",
                              shared / "inferno/tests/data/flamegraph/differential/perf-cycles-instructions-01-collapsed-all-diff.txt"}) {
      std::string text = test::read_file(f);
      auto d = parse(text);
      REQUIRE(d);
      REQUIRE(d->size() == 2);
      CHECK((*d)[0].total(0) == static_cast<int64_t>(independent_total(text, 1)));
      CHECK((*d)[1].total(0) == static_cast<int64_t>(independent_total(text, 0)));
    }
  }
}

TEST_CASE("parsers::collapsed reports malformed lines") {
  SUBCASE("strict: a kParse error naming file and line") {
    auto r = parse("a;b 1\n\nc;d 2\nno count here\ne 3\n", ParseOptions{.file_name = "in.folded"});
    REQUIRE(!r);
    CHECK(r.error().code == model::ErrorCode::kParse);
    CHECK(r.error().file == "in.folded");
    CHECK(r.error().line == 4);
    CHECK(r.error().to_string().find("in.folded:4:") == 0);
    CHECK(r.error().message.find("\"no count here\"") != std::string::npos);
  }
  SUBCASE("each kind of bad count") {
    struct Bad {
      std::string text;
      std::string says;
    };
    const Bad bads[] = {
        {"a;b\n", "no count"},
        {"a;b 12V.43\n", "not a number"},
        {"a;b 1.2.3\n", "not a number"},
        {"a;b -5\n", "negative"},
        {"a;b 99999999999999999999\n", "too large"},
        {"a;b 9223372036854775807\nc 0.5\n", "too large"},  // fits, but not at 1 decimal place
        {"a 9223372036854775807\na 1\n", "overflows"},
        {"a 9223372036854775807\nb 1\n", "overflows"},  // the profile's total must fit as well
        {"42\n", "no stack"},
    };
    for (const Bad& b : bads) {
      CAPTURE(b.text);
      auto r = parse(b.text);
      REQUIRE(!r);
      CHECK(r.error().message.find(b.says) != std::string::npos);
    }
  }
  SUBCASE("a file is differential only when every line has two counts") {
    auto r = parse("a 1 2\nb 3 4\nc 5\n");  // frames may end in numbers: "a 1", "b 3"
    REQUIRE(r);
    REQUIRE(r->size() == 1);
    CHECK(write(r->front()) == "a 1 2\nb 3 4\nc 5\n");
    CHECK(r->front().total(0) == 11);
  }
  SUBCASE("long lines are shortened and control bytes escaped in the message") {
    auto r = parse("ok 1\n" + std::string(500, 'x') + "\x01 bad\n");
    REQUIRE(!r);
    CHECK(r.error().line == 2);
    CHECK(r.error().message.size() < 200);
    CHECK(r.error().message.find("...") != std::string::npos);
  }
  SUBCASE("lenient: malformed lines become counted warnings") {
    model::Diagnostics diags;
    auto r = parse("a;b 1\nbad line\nc 2\nworse 1x\n", ParseOptions{.file_name = "f", .lenient = true, .diagnostics = &diags});
    REQUIRE(r);
    CHECK(r->front().total(0) == 3);
    CHECK(diags.count("collapsed.malformed-line") == 2);
    CHECK(diags.entries().at(0).example.find("f:2:") == 0);
  }
  SUBCASE("lenient: a skipped line leaves the totals untouched") {
    // Found by the fuzzer: an overflowing sum or rescale must not be half-applied.
    model::Diagnostics diags;
    auto r = parse("a 9223372036854775800\na 10\nb 0.5\nc 2 3\n", ParseOptions{.lenient = true, .diagnostics = &diags});
    REQUIRE(r);
    CHECK(diags.count("collapsed.malformed-line") == 2);
    CHECK(r->front().sample_types()[0].decimals == 0);
    CHECK(write(r->front()) == "a 9223372036854775800\nc 2 3\n");
  }
}

TEST_CASE("parsers::collapsed lenient mode on upstream bad-line fixtures") {
  // Oracle: inferno's tests assert a warning per invalid line and that the rest is used:
  // flamegraph/bad-lines/bad-lines.txt ("Ignored 2 lines with invalid format") and
  // diff-folded/bad_before.txt (one line without a count).
  PROFKIT_REQUIRE_SHARED(shared);
  struct Case {
    const char* path;
    int64_t warnings;
    int64_t first_bad_line;
  };
  for (const Case& c : {Case{"inferno/tests/data/flamegraph/bad-lines/bad-lines.txt", 2, 3},
                        Case{"inferno/tests/data/diff-folded/bad_before.txt", 1, 3},
                        Case{"speedscope/sample/profiles/stackcollapse/simple-with-invalids.txt", 3, 1}}) {
    CAPTURE(c.path);
    std::string text = test::read_file(shared / c.path);
    auto strict = parse(text);
    REQUIRE(!strict);
    CHECK(strict.error().line == c.first_bad_line);
    model::Diagnostics diags;
    auto r = parse(text, ParseOptions{.lenient = true, .diagnostics = &diags});
    REQUIRE(r);
    CHECK(diags.count("collapsed.malformed-line") == c.warnings);
  }
  model::Diagnostics diags;
  auto r = parse(test::read_file(shared / "speedscope/sample/profiles/stackcollapse/simple-with-invalids.txt"),
                 ParseOptions{.lenient = true, .diagnostics = &diags});
  REQUIRE(r);
  CHECK(write(r->front()) == "a;b 5\na;b;c 5\na;b;d 4\n");  // speedscope's snapshot ignores the same lines
}

TEST_CASE("parsers::collapsed line endings, BOM and blank lines") {
  const std::string expected = "a;b 5\na;b;c 3\n";
  for (const std::string& text : {std::string("a;b;c 1\r\na;b;c 2\r\na;b 5\r\n"), std::string("a;b;c 1\na;b;c 2\na;b 5"),
                                  std::string("\xEF\xBB\xBF" "a;b;c 1\n\n   \na;b;c 2\na;b 5\n"),
                                  std::string("a;b;c\t1\na;b;c 2 \t\na;b 5\n\n")}) {
    CAPTURE(text);
    CHECK(parsers::sniff_collapsed(as_bytes(text)) == Sniff::kYes);
    auto r = parse(text);
    REQUIRE(r);
    CHECK(write(r->front()) == expected);
  }
  auto empty = parse("");
  REQUIRE(empty);
  CHECK(empty->front().sample_count() == 0);
}

TEST_CASE("parsers::collapsed frame kinds and empty frames") {
  const std::string text = "a;b_[k];c_[j];d_[i];e_[w];f_[x];g_[k]_[i] 1\n";
  auto r = parse(text);
  REQUIRE(r);
  const model::Profile& p = r->front();
  auto stack = p.stack(p.sample(0).stack);  // leaf first
  REQUIRE(stack.size() == 7);
  using model::FrameKind;
  const std::pair<const char*, FrameKind> want[] = {{"g_[k]", FrameKind::kInlined}, {"f_[x]", FrameKind::kNormal},
                                                    {"e", FrameKind::kWaker},       {"d", FrameKind::kInlined},
                                                    {"c", FrameKind::kJit},         {"b", FrameKind::kKernel},
                                                    {"a", FrameKind::kNormal}};
  for (size_t i = 0; i < stack.size(); ++i) {
    CHECK(frame_name(p, stack[i]) == want[i].first);
    CHECK(p.location(stack[i]).kind == want[i].second);
  }
  CHECK(write(p) == text);
  CHECK(write(p, {.annotate_kinds = false}) == "a;b;c;d;e;f_[x];g_[k] 1\n");

  SUBCASE("empty frames: trailing ones dropped, leading and inner ones kept (Perl split)") {
    auto e = parse("a;;b 1\n;a 2\na;b;; 3\n;; 4\n");
    REQUIRE(e);
    CHECK(write(e->front()) == " 4\n;a 2\na;;b 1\na;b 3\n");
    CHECK(e->front().total(0) == 10);
  }
  SUBCASE("one whitespace byte separates the count; more belong to the stack (flamegraph.pl)") {
    // stackcollapse-perf.pl emits "...;write0_[j];  3" (a last frame " ") in perf-vertx-stacks-01.
    auto e = parse("a;  3\na; 4\n");
    REQUIRE(e);
    const model::Profile& q = e->front();
    REQUIRE(q.sample_count() == 2);
    CHECK(q.stack(q.sample(0).stack).size() == 2);
    CHECK(frame_name(q, q.stack(q.sample(0).stack)[0]) == " ");
    CHECK(write(q) == "a 4\na;  3\n");
  }
}

TEST_CASE("parsers::collapsed fractional counts") {
  SUBCASE("precision grows while streaming and earlier totals are rescaled") {
    auto r = parse("a 1\nb 0.5\na 0.25\nc 2.\n");
    REQUIRE(r);
    const model::Profile& p = r->front();
    CHECK(p.sample_types()[0].decimals == 2);
    CHECK(p.total(0) == 375);
    CHECK(write(p) == "a 1.25\nb 0.5\nc 2\n");
  }
  SUBCASE("trailing zeros do not count, more than 9 digits are truncated with a warning") {
    model::Diagnostics diags;
    auto r = parse("a 1.500\nb 0.1234567891234\n", ParseOptions{.diagnostics = &diags});
    REQUIRE(r);
    CHECK(r->front().sample_types()[0].decimals == 9);
    CHECK(r->front().total(0) == 1'623'456'789);
    CHECK(diags.count("collapsed.fraction-truncated") == 1);
  }
  SUBCASE("differential columns keep their own precision") {
    auto r = parse("a 1 2.5\nb 3 4\n");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].sample_types()[0].decimals == 0);
    CHECK((*r)[1].sample_types()[0].decimals == 1);
    CHECK((*r)[0].total(0) == 4);
    CHECK((*r)[1].total(0) == 65);
  }
}

TEST_CASE("parsers::collapsed sniffing") {
  // A malformed line after a good first line is the parser's to report (with its line number),
  // so such a file still sniffs as collapsed.
  for (const char* yes : {"a;b;c 1\n", "main 12\nmain;f 3", "java;Thread 1;run 5\n", "a 1 2\n", "a;b 1\nnot a count line\n"}) {
    CAPTURE(yes);
    CHECK(parsers::sniff_collapsed(as_bytes(yes)) == Sniff::kYes);
  }
  for (const char* no : {"", "\n\n", "goroutine profile: total 5\n5 @ 0x1 0x2\n", "threadcreate profile: total 7\n",
                         "heap profile: 1: 2 [3: 4] @ heap/1048576\n", "--- contention:\ncycles/second=2000\n",
                         "--- mutex 1 ---\n", "goroutine 1 [running]:\nmain.main()\n",
                         "perf 123 [000] 1.0: 1 cycles:\n\tffffffff810 func (kernel)\n", "a;b 1\nbad\nworse\n",
                         "42\n", "\tffff 0\t0 0\n"}) {
    CAPTURE(no);
    CHECK(parsers::sniff_collapsed(as_bytes(no)) == Sniff::kNo);
  }
  CHECK(parsers::sniff_collapsed(as_bytes(std::string("a;b\0c 1\n", 8))) == Sniff::kNo);
  SUBCASE("a first line longer than the sniff window is still read whole") {
    std::string deep;
    for (int i = 0; i < 2000; ++i) deep += "frame" + std::to_string(i) + ";";
    deep += "leaf 7\n";
    CHECK(parsers::sniff_collapsed(as_bytes(deep)) == Sniff::kYes);
  }
  SUBCASE("the registry picks collapsed for folded stacks") {
    auto r = parsers::parse_bytes(as_bytes("a;b 1\n"), ParseOptions{});
    REQUIRE(r);
    CHECK(r->front().source_format == "collapsed");
  }
}

TEST_CASE("parsers::collapsed does not claim other text formats") {
  // Oracle: the shared corpus' perf script texts, Go/gperftools legacy text profiles and a
  // perfparser dump (tab-indented numbers) are not collapsed stacks.
  PROFKIT_REQUIRE_SHARED(shared);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(shared / "FlameGraph/test")) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  for (const char* f : {"pprof/profile/testdata/cppbench.contention", "pprof/profile/testdata/cppbench.heap",
                        "pprof/profile/testdata/cppbench.thread", "pprof/profile/testdata/cppbench.thread.none",
                        "pprof/profile/testdata/go.godoc.thread", "pprof/profile/testdata/gobench.heap",
                        "pprof/profile/testdata/java.heap", "pprof/profile/testdata/go.crc32.cpu",
                        "pprof/profile/testdata/cppbench.cpu", "speedscope/sample/profiles/stackcollapse/simple-utf16-le.txt",
                        "inferno/tests/data/collapse-perf/go-stacks.txt", "inferno/tests/data/collapse-perf/java-inline.txt",
                        "perfparser/tests/auto/perfdata/vector_static_gcc/perf.lbr.data.expected.txt"}) {
    files.push_back(shared / f);
  }
  for (const fs::path& f : files) {
    CAPTURE(f.string());
    std::string text = test::read_file(f);
    CHECK(parsers::sniff_collapsed(as_bytes(text)) == Sniff::kNo);
  }
}

TEST_CASE("parsers::collapsed writer conventions") {
  model::ProfileBuilder b;
  b.add_sample_type("cpu", "nanoseconds");
  b.add_sample_type("samples", "count", 1);
  const model::StringId libc = b.intern("/usr/lib/x86_64-linux-gnu/libc.so.6");
  model::Mapping libc_mapping;
  libc_mapping.start = 0x1000;
  libc_mapping.limit = 0x9000;
  libc_mapping.file = libc;
  const model::MappingId m = b.add_mapping(libc_mapping);
  const model::FunctionId inner = b.add_function({b.intern("inner"), b.intern("_Z5innerv"), {}, 0});
  const model::FunctionId outer = b.add_function({b.intern("outer"), b.intern("_Z5outerv"), {}, 0});
  const model::FunctionId semi = b.add_function({b.intern("a;b\nc"), {}, {}, 0});
  auto location = [&](model::MappingId mapping, uint64_t addr, std::vector<model::Line> lines,
                      model::FrameKind kind = model::FrameKind::kNormal) {
    model::Location l;
    l.mapping = mapping;
    l.address = addr;
    l.lines = std::move(lines);
    l.kind = kind;
    return b.add_location(l);
  };
  const model::LocationId inl = location(m, 0x1234, {{inner, 3, 0}, {outer, 9, 0}});  // innermost first
  const model::LocationId unknown_in_libc = location(m, 0x2abc, {});
  const model::LocationId unknown = location({}, 0xffff0000, {}, model::FrameKind::kKernel);
  const model::LocationId odd = location({}, 0, {{semi, 0, 0}});
  const model::LocationId root = b.add_named_frame("Root");
  const model::LocationId lower = b.add_named_frame("root");
  auto add = [&](std::vector<model::LocationId> leaf_first, int64_t cpu, int64_t samples) {
    const int64_t v[] = {cpu, samples};
    b.add_sample(b.intern_stack(leaf_first), {}, v);
  };
  add({inl, root}, 10, 15);
  add({unknown_in_libc, lower}, 5, 0);
  add({unknown, lower}, 0, 20);
  add({odd, root}, 1, 1);
  add({lower}, 3, -3);  // sums to zero in column 1 with the next one: omitted there
  const model::LocationId another_lower = location({}, 1, {{b.add_function({b.intern("root"), {}, {}, 0}), 5, 0}});
  add({another_lower}, 4, 3);  // renders as "root" too: summed with the stack above
  auto p = b.finish();
  REQUIRE(p);

  std::ostringstream cpu;
  REQUIRE(parsers::write_collapsed(*p, 0, cpu));
  CHECK(cpu.str() ==
        "Root;a:b c 1\n"
        "Root;outer;inner_[i] 10\n"
        "root 7\n"
        "root;[libc.so.6] 5\n");
  std::ostringstream samples;
  REQUIRE(parsers::write_collapsed(*p, 1, samples, {.annotate_kinds = true, .addrs = true}));
  CHECK(samples.str() ==
        "Root;a:b c 0.1\n"
        "Root;outer;inner_[i] 1.5\n"
        "root;[unknown <ffff0000>]_[k] 2\n");
  std::ostringstream bad;
  auto err = parsers::write_collapsed(*p, 2, bad);
  REQUIRE(!err);
  CHECK(err.error().code == model::ErrorCode::kUsage);

  SUBCASE("order is bytewise over the joined text, whatever the frame boundaries") {
    model::ProfileBuilder c;
    c.add_sample_type("samples", "count");
    const model::FunctionId fo = c.add_function({c.intern("outer"), {}, {}, 0});
    const model::FunctionId fi = c.add_function({c.intern("inner"), {}, {}, 0});
    model::Location two_lines;
    two_lines.lines = {{fi, 0, 0}, {fo, 0, 0}};
    const model::LocationId both = c.add_location(two_lines);
    const model::LocationId outer_frame = c.add_named_frame("outer");
    const model::LocationId inner_frame = c.add_named_frame("inner", model::FrameKind::kInlined);
    const model::LocationId ab = c.add_named_frame("ab"), ab_c = c.add_named_frame("ab c"), cc = c.add_named_frame("c");
    const model::LocationId outer_x = c.add_named_frame("outer;x");  // ';' in a name is written as ':'
    auto add2 = [&](std::vector<model::LocationId> leaf_first, int64_t v) {
      c.add_sample(c.intern_stack(leaf_first), {}, std::span<const int64_t>(&v, 1));
    };
    add2({cc, ab}, 1);
    add2({ab_c}, 2);
    add2({both}, 3);
    add2({inner_frame, outer_frame}, 4);  // the same text as `both`: one line
    add2({cc, outer_frame}, 5);
    add2({outer_x}, 6);
    add2({ab}, 7);
    auto q = c.finish();
    REQUIRE(q);
    CHECK(write(*q) ==
          "ab 7\n"
          "ab c 2\n"
          "ab;c 1\n"
          "outer:x 6\n"
          "outer;c 5\n"
          "outer;inner_[i] 7\n");
  }
  SUBCASE("the output parses back to the same totals") {
    auto back = parse(cpu.str());
    REQUIRE(back);
    CHECK(back->front().total(0) == p->total(0));
  }
}

TEST_CASE("parsers::collapsed golden: small hand-written inputs") {
  // Oracle: our own expectations, reviewed by hand (testdata/collapsed/*.expected); regenerate
  // with PROFKIT_BLESS=1 after a deliberate change.
  for (const char* name : {"kinds", "fractional", "differential", "crlf-bom", "empty-frames"}) {
    CAPTURE(name);
    const fs::path in = test::testdata(std::string("collapsed/") + name + ".txt");
    auto r = parse(test::read_file(in), ParseOptions{.file_name = in.filename().string()});
    REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
    std::string actual;
    for (size_t i = 0; i < r->size(); ++i) {
      const model::Profile& p = (*r)[i];
      actual += fmt::format("# profile {} of {}: {} stacks, {} locations, decimals {}, total {}\n", i + 1, r->size(),
                            p.sample_count(), p.locations().size(), p.sample_types()[0].decimals,
                            model::format_fixed(p.total(0), p.sample_types()[0].decimals));
      actual += write(p);
    }
    test::check_golden(test::testdata(std::string("collapsed/") + name + ".expected"), actual);
  }
}
