// tests/support.h — helpers shared by the tests: where data lives, reading files, running the CLI.
//
// ../shared/testdata (beside the checkout) holds third-party captures and oracles. It is absent
// in a user's clone, so tests that need it call shared_testdata() and skip, saying so, when it
// returns nullopt.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace profkit::test {

inline std::filesystem::path source_dir() { return PROFKIT_SOURCE_DIR; }
inline std::filesystem::path testdata(const std::string& rel) { return source_dir() / "testdata" / rel; }

// ../shared/testdata, or $PROFKIT_SHARED_TESTDATA; nullopt when absent.
inline std::optional<std::filesystem::path> shared_testdata() {
  if (const char* env = std::getenv("PROFKIT_SHARED_TESTDATA")) {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
  }
  auto p = source_dir().parent_path() / "shared" / "testdata";
  if (std::filesystem::is_directory(p)) return p;
  return std::nullopt;
}

#define PROFKIT_REQUIRE_SHARED(var)                                                       \
  auto var##_opt = ::profkit::test::shared_testdata();                                   \
  if (!var##_opt) {                                                                      \
    MESSAGE("skipped: ../shared/testdata is absent (only CI and developers have it)");   \
    return;                                                                              \
  }                                                                                      \
  const std::filesystem::path var = *var##_opt

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

// A fresh scratch directory under the system temp dir, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "profkit-test-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs the built profkit binary with `args` (a shell-quoted string) and captures its output.
inline RunResult run_profkit(const std::string& args, const std::string& stdin_file = "") {
  TempDir tmp;
  auto out = tmp.path / "out", err = tmp.path / "err";
  std::string cmd = std::string("'") + PROFKIT_BINARY + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// Golden comparison: with PROFKIT_BLESS=1 the expected file is (re)written instead.
inline void check_golden(const std::filesystem::path& expected, const std::string& actual) {
  if (std::getenv("PROFKIT_BLESS")) {
    std::filesystem::create_directories(expected.parent_path());
    write_file(expected, actual);
    return;
  }
  REQUIRE_MESSAGE(std::filesystem::exists(expected), "missing golden " << expected << " (run with PROFKIT_BLESS=1)");
  std::string want = read_file(expected);
  CHECK_MESSAGE(want == actual, "output differs from " << expected.string());
}

}  // namespace profkit::test
