// Tests of `profkit flamegraph` (cli/cmd_flamegraph.cpp), running the built binary: output to a
// file or stdout, the diff modes, usage and input errors with their exit codes, atomic output,
// and well-formed XML (checked with xmllint when it is installed).
#include <cstdlib>
#include <string>

#include "tests/support.h"

using namespace profkit::test;

namespace {

const char* kStacks =
    "main;parse;read_[k] 12\n"
    "main;parse;tokenize 30\n"
    "main;render 45\n"
    "main;render;draw<T> 20\n"
    "idle 8\n";

bool have_tool(const char* name) { return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

TEST_CASE("cli::flamegraph writes an SVG") {
  TempDir tmp;
  auto in = tmp.path / "stacks.folded";
  write_file(in, kStacks);

  SUBCASE("to a file, with a note on stderr") {
    auto out = tmp.path / "out.svg";
    auto r = run_profkit("flamegraph '" + in.string() + "' -o '" + out.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("wrote flamegraph to " + out.string() + " (") != std::string::npos);
    std::string svg = read_file(out);
    CHECK(svg.starts_with("<?xml"));
    CHECK(svg.find("<title>all (115 samples, 100%)</title>") != std::string::npos);
    CHECK(svg.find("draw&lt;T&gt;") != std::string::npos);
    if (have_tool("xmllint")) {
      CHECK(std::system(("xmllint --noout '" + out.string() + "'").c_str()) == 0);
    }
  }
  SUBCASE("to stdout by default, options applied") {
    auto r = run_profkit("flamegraph --inverted --title 'My <graph>' --width 800 --palette java '" + in.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("width=\"800\"") != std::string::npos);
    CHECK(r.out.find(">My &lt;graph&gt;</text>") != std::string::npos);
    CHECK(r.out.find("inverted: true") != std::string::npos);
  }
  SUBCASE("reverse") {
    auto r = run_profkit("flamegraph --reverse '" + in.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("<title>tokenize (30 samples, 26.09%)</title>") != std::string::npos);
  }
}

TEST_CASE("cli::flamegraph differential") {
  TempDir tmp;
  auto base = tmp.path / "base.folded", now = tmp.path / "new.folded";
  write_file(base, "main;a 10\nmain;b 40\n");
  write_file(now, "main;a 50\nmain;b 10\nmain;c 5\n");

  SUBCASE("--diff BASE NEW") {
    auto r = run_profkit("flamegraph --diff '" + base.string() + "' '" + now.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("<title>a (50 samples, 76.92%; +61.54%; self: base 10 samples, new 50 samples, delta +40 samples)") !=
          std::string::npos);
    CHECK(r.out.find("fill=\"rgb(255,0,0)\"") != std::string::npos);
  }
  SUBCASE("--normalize says so in the subtitle") {
    auto r = run_profkit("flamegraph --normalize --diff '" + base.string() + "' '" + now.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("<text id=\"subtitle\"") != std::string::npos);
    CHECK(r.out.find("base scaled by 1.3 to the new total") != std::string::npos);
  }
  SUBCASE("a two-column collapsed file is a diff") {
    auto two = tmp.path / "diff.folded";
    write_file(two, "main;a 10 50\nmain;b 40 10\n");
    auto r = run_profkit("flamegraph '" + two.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("self: base 10 samples, new 50 samples") != std::string::npos);
  }
}

TEST_CASE("cli::flamegraph errors") {
  TempDir tmp;
  auto in = tmp.path / "stacks.folded";
  write_file(in, kStacks);
  auto out = tmp.path / "keep.svg";
  write_file(out, "precious");

  SUBCASE("usage errors exit 2") {
    CHECK(run_profkit("flamegraph --palette rainbow '" + in.string() + "'").exit_code == 2);
    CHECK(run_profkit("flamegraph --minwidth wide '" + in.string() + "'").exit_code == 2);
    CHECK(run_profkit("flamegraph --diff-by both '" + in.string() + "'").exit_code == 2);
    CHECK(run_profkit("flamegraph").exit_code == 2);
    CHECK(run_profkit("flamegraph --width 5 '" + in.string() + "' -o '" + out.string() + "'").exit_code == 2);
    CHECK(read_file(out) == "precious");
  }
  SUBCASE("bad input exits 3 and leaves an existing output untouched") {
    auto bad = tmp.path / "bad.folded";
    write_file(bad, "main;a 10\nthis line has no count\n");
    auto r = run_profkit("flamegraph '" + bad.string() + "' -o '" + out.string() + "'");
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("profkit: error:") != std::string::npos);
    CHECK(read_file(out) == "precious");
    CHECK(run_profkit("flamegraph '" + (tmp.path / "missing").string() + "' -o '" + out.string() + "'").exit_code == 3);
    CHECK(read_file(out) == "precious");
  }
  SUBCASE("--help has examples") {
    auto r = run_profkit("flamegraph --help");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Examples:") != std::string::npos);
    CHECK(r.out.find("--diff") != std::string::npos);
  }
}
