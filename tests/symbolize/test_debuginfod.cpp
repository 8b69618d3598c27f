// tests/symbolize/test_debuginfod.cpp — debug files from a real debuginfod server on loopback.
//
// Starts Debian's `debuginfod` (elfutils) serving testdata/perf/bin/hot.debug, the debug file of
// the stripped binary that testdata/perf/stripped.data recorded, and runs `profkit top` with the
// binary available but not its debug file. The server is always stopped by RAII. Skips (saying
// why) when the `debuginfod` program is absent: it is a test oracle, not a build dependency.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/support.h"

extern char** environ;

namespace profkit::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kBuildId = "b7336d5e6ad157f367481c80545673f9d0a4f405";  // bin/hot-stripped and bin/hot.debug

// The first `name` on $PATH, or "".
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// The HTTP status of GET `path` on 127.0.0.1:`port` (0 when nothing answered).
int http_status(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int status = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[64] = {};
      ssize_t n = read(fd, buf, sizeof buf - 1);
      std::string head(buf, n > 0 ? static_cast<size_t>(n) : 0);  // "HTTP/1.1 200 OK"
      if (head.size() > 12 && head.compare(0, 5, "HTTP/") == 0) status = std::atoi(head.c_str() + head.find(' ') + 1);
    }
  }
  close(fd);
  return status;
}

// A child process killed (SIGTERM, then SIGKILL) and reaped when this goes out of scope.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const fs::path& log) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    // Without the test's DEBUGINFOD_* settings: a server with DEBUGINFOD_URLS forwards misses there.
    std::vector<char*> env;
    for (char** e = environ; *e; ++e) {
      if (std::string_view(*e).substr(0, 11) != "DEBUGINFOD_") env.push_back(*e);
    }
    env.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServerProcess() { stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 50; ++i) {  // up to 5 s to exit cleanly
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Sets an environment variable for the scope (the profkit child processes inherit it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

bool dir_is_empty(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

}  // namespace

TEST_CASE("symbolize::debuginfod from a local debuginfod server") {
  const std::string server = find_program("debuginfod");
  if (server.empty()) {
    MESSAGE("skipped: the `debuginfod` server program is absent (Debian package debuginfod, installed by "
            "scripts/setup.sh)");
    return;
  }
  TempDir tmp;
  const fs::path served = tmp.path / "served", root = tmp.path / "root", cache = tmp.path / "cache";
  fs::create_directories(served);
  fs::create_directories(root / "opt/profkit-perf");
  fs::copy_file(testdata("perf/bin/hot.debug"), served / "hot.debug");
  // The binary where the capture saw it (under --symfs), without its debug file; HOME moves so
  // that perf's ~/.debug cache cannot supply one either.
  fs::copy_file(testdata("perf/bin/hot-stripped"), root / "opt/profkit-perf/hot-stripped");
  ScopedEnv home("HOME", tmp.path.string());
  const std::string capture = testdata("perf/stripped.data").string();
  const std::string args = "--symfs '" + root.string() + "' '" + capture + "'";
  const fs::path log = tmp.path / "debuginfod.log";

  // What the same capture gives with the debug file on disk: the reference.
  RunResult reference;
  {
    ScopedEnv no_urls("DEBUGINFOD_URLS", "");
    reference = run_profkit("top --no-debuginfod --debug-dir '" + testdata("perf/bin").string() + "' " + args);
  }
  REQUIRE(reference.exit_code == 0);
  REQUIRE(reference.out.find(" spin\n") != std::string::npos);

  const int port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::string id_path = std::string("/buildid/") + kBuildId + "/debuginfo";
  ScopedEnv urls("DEBUGINFOD_URLS", url);
  ScopedEnv cache_path("DEBUGINFOD_CACHE_PATH", cache.string());
  {
    ServerProcess debuginfod({server, "-F", "-p", std::to_string(port), "-d", (tmp.path / "db.sqlite").string(),
                              "--disable-source-scan", "-t", "0", "-g", "0", served.string()},
                             log);
    // Wait until it has indexed the debug file (it answers 404 before that).
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (Clock::now() < deadline && debuginfod.running()) {
      status = http_status(port, id_path);
      if (status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    REQUIRE_MESSAGE(status == 200, "debuginfod did not serve " << id_path << "; its log:\n" << read_file(log));
    // The cache must not hold the file yet: only profkit's own lookups may fill it.
    REQUIRE(dir_is_empty(cache));

    SUBCASE("--no-debuginfod does not contact the server") {
      const size_t requests = count_of(read_file(log), id_path);
      RunResult r = run_profkit("top --no-debuginfod " + args);
      CHECK(r.exit_code == 0);
      CHECK(r.out.find(" spin\n") == std::string::npos);
      CHECK(count_of(read_file(log), id_path) == requests);
      CHECK(dir_is_empty(cache));
    }

    SUBCASE("the debug file comes from the server, and the report says so") {
      RunResult r = run_profkit("top " + args);
      CHECK(r.exit_code == 0);
      CHECK(r.out == reference.out);  // same functions, same numbers as with the debug file on disk
      CHECK(fs::exists(cache / kBuildId / "debuginfo"));
      CHECK(r.err.find(std::string("build id ") + kBuildId) == std::string::npos);  // no warning about hot-stripped

      RunResult info = run_profkit("info " + args);
      CHECK(info.exit_code == 0);
      CHECK(info.out.find("debug info: debuginfod (" + (cache / kBuildId / "debuginfo").string() + ")") !=
            std::string::npos);
    }
  }  // the server is stopped here

  SUBCASE("with the server stopped: reported, unresolved, and the run finishes") {
    std::error_code ec;
    fs::remove_all(cache, ec);
    const auto start = Clock::now();
    RunResult r = run_profkit("top " + args);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(" spin\n") == std::string::npos);  // the addresses stay unresolved
    CHECK(r.err.find(std::string("build id ") + kBuildId + "): no debug info from debuginfod") != std::string::npos);
    CHECK(r.err.find(url) != std::string::npos);  // names the server
    CHECK(seconds < 20);
    MESSAGE("stderr with the server stopped:\n" << r.err);
  }
}

TEST_CASE("symbolize::debuginfod a server that never answers costs one --debuginfod-timeout") {
  // A socket that listens but never accepts: the kernel completes the TCP handshake and the
  // request waits for an answer that never comes.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(listen(fd, 16) == 0);
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};

  TempDir tmp;
  const fs::path root = tmp.path / "root";
  fs::create_directories(root / "opt/profkit-perf");
  fs::copy_file(testdata("perf/bin/hot-stripped"), root / "opt/profkit-perf/hot-stripped");
  ScopedEnv home("HOME", tmp.path.string());
  ScopedEnv urls("DEBUGINFOD_URLS", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  ScopedEnv cache_path("DEBUGINFOD_CACHE_PATH", (tmp.path / "cache").string());
  const auto start = Clock::now();
  RunResult r = run_profkit("top --debuginfod-timeout 1 --symfs '" + root.string() + "' '" +
                            testdata("perf/stripped.data").string() + "'");
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("no complete answer within 1 s") != std::string::npos);
  // hot-stripped's lookup waits once; the others (libc) are not sent after it.
  CHECK(seconds < 8);
  MESSAGE("stderr with a silent server:\n" << r.err);
}

}  // namespace profkit::test
