// Tests of the goroutine dump parser (parsers/pprof/goroutine_dump).
//
// Oracles: testdata/go/goroutine.debug2.txt and panic.txt, written by scripts/gen-go-profiles.sh
// from testdata/go/profgen, which parks exactly 10 goroutines on a channel receive, 3 in a
// select and 2 on a held mutex (so the counts below are facts of that program), and the Go
// runtime's own goroutine profile of the same moment (goroutine.pb.gz, same total).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "parsers/pprof/goroutine_dump.h"
#include "parsers/registry.h"
#include "tests/support.h"

using namespace profkit;

namespace {

model::Result<model::Profile> parse(const std::string& text, model::Diagnostics* d = nullptr) {
  parsers::ParseOptions o;
  o.file_name = "dump.txt";
  o.diagnostics = d;
  return parsers::parse_goroutine_dump({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, o);
}

std::string label(const model::Profile& p, size_t sample, std::string_view key) {
  for (const model::Label& l : p.labels(p.sample(sample).labels)) {
    if (p.str(l.key) == key) return l.str ? std::string(p.str(l.str)) : std::to_string(l.num) + " " + std::string(p.str(l.num_unit));
  }
  return "";
}

std::string frames(const model::Profile& p, size_t sample) {
  std::string out;
  for (model::LocationId id : p.stack(p.sample(sample).stack)) {
    const model::Location& l = p.location(id);
    const model::Function& f = p.function(l.lines[0].function);
    out += (out.empty() ? "" : ";") + std::string(p.str(f.name)) + "@" + std::string(p.str(f.filename)) + ":" +
           std::to_string(l.lines[0].line);
  }
  return out;
}

}  // namespace

TEST_CASE("parsers::goroutine_dump reads a debug=2 dump as a goroutine profile") {
  auto path = test::testdata("go/goroutine.debug2.txt");
  auto ps = parsers::load(path.string(), {});
  REQUIRE_MESSAGE(ps.has_value(), (ps ? "" : ps.error().to_string()));
  const model::Profile& p = ps->front();
  CHECK(p.source_format == "goroutine-dump");
  REQUIRE(p.sample_types().size() == 1);
  CHECK(p.str(p.sample_types()[0].type) == "goroutine");
  CHECK(p.str(p.sample_types()[0].unit) == "count");
  // The runtime's own goroutine profile of the same moment counts the same goroutines.
  auto proto = parsers::load(test::testdata("go/goroutine.pb.gz").string(), {});
  REQUIRE(proto.has_value());
  CHECK(p.total(0) == proto->front().total(0));
  // Identical stacks with identical labels group: the parked sets are single heavy samples.
  std::map<std::string, int64_t> by_state;
  bool found_leak = false;
  for (size_t i = 0; i < p.sample_count(); ++i) {
    by_state[label(p, i, "state")] += p.values(i)[0];
    if (p.values(i)[0] == 10) {
      found_leak = true;
      CHECK(label(p, i, "state") == "chan receive");
      CHECK(frames(p, i) == "main.parkedOnChannel@./main.go:116;main.park.func1@./main.go:137;main.park@./main.go:137");
    }
  }
  CHECK(found_leak);
  CHECK(by_state["chan receive"] >= 10);
  CHECK(by_state["select"] == 3);
  CHECK(by_state["semacquire"] == 2);
}

TEST_CASE("parsers::goroutine_dump reads a panic traceback") {
  auto ps = parsers::load(test::testdata("go/panic.txt").string(), {});
  REQUIRE_MESSAGE(ps.has_value(), (ps ? "" : ps.error().to_string()));
  const model::Profile& p = ps->front();
  CHECK(p.total(0) == 16);  // main + 15 parked (GOTRACEBACK=all)
  REQUIRE(!p.comments.empty());
  CHECK(std::string(p.str(p.comments[0])).rfind("panic: runtime error: index out of range", 0) == 0);
}

TEST_CASE("parsers::goroutine_dump labels, arguments and created-by frames") {
  const std::string dump =
      "goroutine 7 [IO wait, 12 minutes]:\n"
      "internal/poll.runtime_pollWait(0x7f2c, 0x72)\n"
      "\t/usr/lib/go/src/runtime/netpoll.go:302 +0x89\n"
      "net.(*netFD).Read(0xc000180000, {0xc0001a0000, 0x1000, 0x1000})\n"
      "\t/usr/lib/go/src/net/fd_posix.go:55 +0x29\n"
      "created by net/http.(*Server).Serve in goroutine 1\n"
      "\t/usr/lib/go/src/net/http/server.go:3086 +0x5cb\n"
      "\n"
      "goroutine 8 [IO wait, 12 minutes]:\n"
      "internal/poll.runtime_pollWait(0x7f2d, 0x72)\n"
      "\t/usr/lib/go/src/runtime/netpoll.go:302 +0x89\n"
      "net.(*netFD).Read(0xc000180100, {0xc0001b0000, 0x1000, 0x1000})\n"
      "\t/usr/lib/go/src/net/fd_posix.go:55 +0x29\n"
      "created by net/http.(*Server).Serve in goroutine 1\n"
      "\t/usr/lib/go/src/net/http/server.go:3086 +0x5cb\n"
      "\n"
      "goroutine 9 gp=0xc000007c00 m=nil [select, locked to thread]:\n"
      "main.loop[...](...)\n"
      "\t/src/main.go:10\n"
      "...additional frames elided...\n"
      "some program output in between\n";
  model::Diagnostics d;
  auto p = parse(dump, &d);
  REQUIRE_MESSAGE(p.has_value(), (p ? "" : p.error().to_string()));
  REQUIRE(p->sample_count() == 2);
  CHECK(p->values(0)[0] == 2);
  CHECK(label(*p, 0, "state") == "IO wait");
  CHECK(label(*p, 0, "wait_minutes") == "12 minutes");
  CHECK(frames(*p, 0) ==
        "internal/poll.runtime_pollWait@/usr/lib/go/src/runtime/netpoll.go:302;"
        "net.(*netFD).Read@/usr/lib/go/src/net/fd_posix.go:55;"
        "net/http.(*Server).Serve@/usr/lib/go/src/net/http/server.go:3086");
  CHECK(label(*p, 1, "state") == "select");
  CHECK(label(*p, 1, "locked_to_thread") == "true");
  CHECK(frames(*p, 1) == "main.loop[...]@/src/main.go:10");
  CHECK(d.count("goroutine-dump.skipped-line") == 1);
}

TEST_CASE("parsers::goroutine_dump sniffing and errors") {
  auto sniff = [](const std::string& s) {
    return parsers::sniff_goroutine_dump({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  CHECK(sniff("goroutine 1 [running]:\nmain.main()\n") == parsers::Sniff::kYes);
  CHECK(sniff("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n") == parsers::Sniff::kYes);
  CHECK(sniff("goroutine profile: total 3\n") == parsers::Sniff::kNo);
  CHECK(sniff("main;foo 1\n") == parsers::Sniff::kNo);
  CHECK(sniff("panic: boom\nno goroutines here\n") == parsers::Sniff::kNo);
  auto e = parse("panic: boom\n");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().message.find("no goroutine") != std::string::npos);
}
