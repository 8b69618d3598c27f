// Oracle: FlameGraph's stackcollapse-perf.pl conventions (process-name root, --pid/--tid forms,
// tidy_generic name cleanup, _[k] only with --kernel). The live comparison with
// `perf script | stackcollapse-perf.pl` runs when FLAMEGRAPH_DIR names a FlameGraph checkout.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "analysis/stackcollapse_view.h"
#include "model/profile_builder.h"
#include "parsers/collapsed.h"
#include "tests/support.h"

using namespace profkit;

TEST_CASE("analysis::stackcollapse_view tidies names like stackcollapse-perf.pl") {
  CHECK(analysis::tidy_function_name("std::vector<int>::push_back(int const&)") == "std::vector<int>::push_back");
  CHECK(analysis::tidy_function_name("(anonymous namespace)::work(int)") == "(anonymous namespace)::work");
  // perf demangles without parameters, which also drops a template's return type.
  CHECK(analysis::tidy_function_name("void std::sort<int*>(int*, int*)") == "std::sort<int*>");
  CHECK(analysis::tidy_function_name("std::pair<int, int> f<std::pair<int, int> >()") == "f<std::pair<int, int> >");
  CHECK(analysis::tidy_function_name("void* operator new<int>(unsigned long)") == "operator new<int>");
  CHECK(analysis::tidy_function_name("net/http.(*Client).Do") == "net/http.(*Client).Do");
  CHECK(analysis::tidy_function_name("RegExp:[&<>\"']") == "RegExp:[&<>]");
  CHECK(analysis::tidy_function_name("a;b") == "a:b");
}

TEST_CASE("analysis::stackcollapse_view roots stacks at the process") {
  model::ProfileBuilder b;
  b.add_sample_type("cpu-clock", "nanoseconds");
  model::LocationId k = b.add_named_frame("do_syscall", model::FrameKind::kKernel);
  model::LocationId u = b.add_named_frame("main");
  model::LocationId st[] = {k, u};
  auto labels = b.intern_labels({model::Label{b.intern("comm"), b.intern("my app"), 0, {}},
                                 model::Label{b.intern("pid"), {}, 42, {}}, model::Label{b.intern("tid"), {}, 43, {}}});
  int64_t v = 7;
  b.add_sample(b.intern_stack(st), labels, std::span<const int64_t>(&v, 1));
  auto p = b.finish();
  REQUIRE(p);
  auto text = [&](const analysis::StackcollapseOptions& o) {
    auto view = analysis::stackcollapse_view(*p, o);
    REQUIRE(view);
    std::ostringstream out;
    REQUIRE(parsers::write_collapsed(*view, 0, out));
    return out.str();
  };
  CHECK(text({}) == "my_app;main;do_syscall 7\n");
  CHECK(text({.pid = true}) == "my_app-42;main;do_syscall 7\n");
  CHECK(text({.tid = true}) == "my_app-42/43;main;do_syscall 7\n");
  CHECK(text({.kernel = true}) == "my_app;main;do_syscall_[k] 7\n");
  CHECK(text({.process_root = false}) == "main;do_syscall 7\n");
}

TEST_CASE("cli::convert perf.data to collapsed equals perf script | stackcollapse-perf.pl") {
  const char* fg = std::getenv("FLAMEGRAPH_DIR");
  if (!fg || !std::filesystem::exists(std::filesystem::path(fg) / "stackcollapse-perf.pl") ||
      std::system("perf --version >/dev/null 2>&1") != 0) {
    MESSAGE("skipped: needs perf and FLAMEGRAPH_DIR pointing at a FlameGraph checkout");
    return;
  }
  profkit::test::TempDir tmp;
  namespace fs = std::filesystem;
  fs::path symfs = tmp.path / "symfs";
  fs::create_directories(symfs / "opt");
  fs::create_directory_symlink(profkit::test::testdata("perf/bin"), symfs / "opt" / "profkit-perf");
  // The system libraries resolve through the symfs as on the machine itself.
  for (const char* dir : {"usr", "lib", "lib64"}) {
    if (fs::exists(fs::path("/") / dir)) fs::create_directory_symlink(fs::path("/") / dir, symfs / dir);
  }
  for (std::string capture : {"fp.data", "zstd.data"}) {
    CAPTURE(capture);
    fs::path data = profkit::test::testdata("perf/" + capture);
    fs::path theirs = tmp.path / "theirs.folded", ours = tmp.path / "ours.folded";
    std::string cmd = "perf script -i '" + data.string() + "' --symfs '" + symfs.string() + "' --kallsyms /proc/kallsyms 2>/dev/null | '" + fg +
                      "/stackcollapse-perf.pl' > '" + theirs.string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    auto r = profkit::test::run_profkit("convert --debug-dir '" + profkit::test::testdata("perf/bin").string() + "' '" +
                                        data.string() + "' -o '" + ours.string() + "'");
    REQUIRE(r.exit_code == 0);
    std::set<std::string> a, b;
    std::istringstream ta(profkit::test::read_file(theirs)), tb(profkit::test::read_file(ours));
    for (std::string line; std::getline(ta, line);) a.insert(line);
    for (std::string line; std::getline(tb, line);) b.insert(line);
    size_t same = 0;
    for (const auto& line : a) same += b.count(line);
    MESSAGE(capture << ": " << same << " of " << a.size() << " stackcollapse-perf.pl lines identical"
                     << std::string(profkit::test::read_file(theirs) == profkit::test::read_file(ours) ? " (byte-identical files)" : ""));
    // On this project's machine the files are byte-identical. Lines may differ only where the
    // symbolizers do: profkit refuses a kallsyms whose kernel build id differs from the
    // capture's, perf --kallsyms does not; perf reads the vdso from memory.
    CHECK(same * 100 >= a.size() * 90);
  }
}
