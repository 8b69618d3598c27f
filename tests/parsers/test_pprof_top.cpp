// `profkit top` against `go tool pprof -top` on every pprof-family input we have.
//
// Oracles: the GEN-EXACT `<input>.gopprof119.top.txt` files next to the inputs in
// ../shared/testdata (go tool pprof -top -symbolize=none, go1.19.8) and the
// `<file>.gopprof.top.txt` files scripts/gen-go-profiles.sh wrote next to testdata/go's
// profiles with the installed go tool pprof. Compared: the "Showing nodes…" and "Dropped …"
// lines and every row from the "flat  flat%" header down (same functions, values, units, order).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/parsers/test_pprof_util.h"
#include "tests/support.h"

namespace fs = std::filesystem;

namespace {

// (input, expected top output) pairs found under `dir`, for files named <input><suffix>.
std::vector<std::pair<fs::path, fs::path>> pairs(const fs::path& dir, const std::string& suffix) {
  std::vector<std::pair<fs::path, fs::path>> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    fs::path input = e.path().parent_path() / name.substr(0, name.size() - suffix.size());
    if (fs::is_regular_file(input)) out.emplace_back(input, e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void compare(const std::vector<std::pair<fs::path, fs::path>>& cases) {
  for (const auto& [input, expected] : cases) {
    CAPTURE(input.string());
    auto r = profkit::test::run_profkit("top '" + input.string() + "'");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto got = profkit::test::top_rows(r.out), want = profkit::test::top_rows(profkit::test::read_file(expected));
    REQUIRE(!want.empty());
    CHECK(got == want);
  }
}

}  // namespace

TEST_CASE("parsers::pprof top matches go tool pprof on the shared inputs") {
  if (!fs::exists(profkit::test::source_dir() / "cli" / "cmd_top.h")) {
    MESSAGE("skipped: profkit top has not landed (cli/cmd_top.h absent)");
    return;
  }
  PROFKIT_REQUIRE_SHARED(shared);
  std::vector<std::pair<fs::path, fs::path>> cases;
  for (const char* dir : {"pprof", "parca", "pyroscope", "speedscope"}) {
    auto more = pairs(shared / dir, ".gopprof119.top.txt");
    cases.insert(cases.end(), more.begin(), more.end());
  }
  CHECK(cases.size() >= 30);
  compare(cases);
}

TEST_CASE("parsers::pprof top matches go tool pprof on testdata/go") {
  if (!fs::exists(profkit::test::source_dir() / "cli" / "cmd_top.h")) {
    MESSAGE("skipped: profkit top has not landed (cli/cmd_top.h absent)");
    return;
  }
  auto cases = pairs(profkit::test::testdata("go"), ".gopprof.top.txt");
  CHECK(cases.size() >= 10);
  compare(cases);
}

TEST_CASE("parsers::pprof convert to pprof then go tool pprof equals profkit top") {
  // Oracle: go tool pprof (golang-go, when installed) reading what `profkit convert` wrote must
  // print the rows `profkit top` prints for the original input: legacy texts, goroutine dumps.
  const fs::path src = profkit::test::source_dir();
  if (!fs::exists(src / "cli" / "cmd_top.h") || !fs::exists(src / "cli" / "cmd_convert.h")) {
    MESSAGE("skipped: profkit top/convert have not landed");
    return;
  }
  if (std::system("go version >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: go is not installed");
    return;
  }
  std::vector<fs::path> inputs;
  for (const char* f : {"goroutine.debug2.txt", "panic.txt", "goroutine.debug1.txt", "mutex.debug1.txt",
                        "block.debug1.txt", "heap.debug1.txt", "threadcreate.debug1.txt"})
    inputs.push_back(profkit::test::testdata("go") / f);
  if (auto shared = profkit::test::shared_testdata()) {
    for (const char* f : {"cppbench.contention", "cppbench.cpu", "cppbench.heap", "cppbench.thread", "go.crc32.cpu",
                          "go.godoc.thread", "gobench.heap", "java.heap"})
      inputs.push_back(*shared / "pprof/profile/testdata" / f);
  }
  profkit::test::TempDir tmp;
  for (const fs::path& input : inputs) {
    CAPTURE(input.string());
    fs::path out = tmp.path / "converted.pb.gz";
    auto conv = profkit::test::run_profkit("convert '" + input.string() + "' -o '" + out.string() + "'");
    REQUIRE_MESSAGE(conv.exit_code == 0, conv.err);
    fs::path top = tmp.path / "go-top.txt";
    std::string cmd = "TZ=UTC go tool pprof -top -symbolize=none '" + out.string() + "' >'" + top.string() + "' 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    auto ours = profkit::test::run_profkit("top '" + input.string() + "'");
    REQUIRE(ours.exit_code == 0);
    CHECK(profkit::test::top_rows(ours.out) == profkit::test::top_rows(profkit::test::read_file(top)));
  }
}
