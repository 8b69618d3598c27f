// Replays every fuzz corpus file through its target: tests/fuzz/corpus/<target>/<file>.
// A target must never crash, hang or leak on any input; under -DPROFKIT_SANITIZE=ON this also
// catches memory errors the fuzzer found once.
#include <doctest/doctest.h>

#include <filesystem>

#include "tests/fuzz/fuzz_target.h"
#include "tests/support.h"

TEST_CASE("fuzz corpus replay") {
  namespace fs = std::filesystem;
  fs::path corpus = profkit::test::source_dir() / "tests" / "fuzz" / "corpus";
  if (profkit::test::fuzz_targets().empty()) MESSAGE("no fuzz targets registered yet");
  for (const auto& [name, fn] : profkit::test::fuzz_targets()) {
    fs::path dir = corpus / name;
    CAPTURE(name);
    REQUIRE_MESSAGE(fs::is_directory(dir), "fuzz target " << name << " has no corpus in " << dir);
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      std::string bytes = profkit::test::read_file(entry.path());
      CAPTURE(entry.path().string());
      fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++files;
    }
    CHECK(files > 0);
  }
}
