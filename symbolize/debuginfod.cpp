// symbolize/debuginfod.cpp — the libdebuginfod calls, a deadline per lookup, remembered answers.
#include "symbolize/debuginfod.h"

#include <dlfcn.h>
#include <elfutils/debuginfod.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <unistd.h>

#include <fmt/format.h>

namespace profkit::symbolize {

namespace {

using Clock = std::chrono::steady_clock;

bool is_hex_id(const std::string& id) {
  if (id.size() < 2 || id.size() % 2 != 0) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// libdebuginfod, loaded on first use: it links libcurl and some 25 libraries more, which would
// otherwise be loaded (and relocated) at every start of profkit, some 5 ms, for a feature that
// is used only when DEBUGINFOD_URLS is set and a debug file is missing. (libdw loads it the
// same way.)
struct Api {
  decltype(&debuginfod_begin) begin = nullptr;
  decltype(&debuginfod_end) end = nullptr;
  decltype(&debuginfod_set_user_data) set_user_data = nullptr;
  decltype(&debuginfod_get_user_data) get_user_data = nullptr;
  decltype(&debuginfod_set_progressfn) set_progressfn = nullptr;
  decltype(&debuginfod_find_debuginfo) find_debuginfo = nullptr;
  decltype(&debuginfod_find_executable) find_executable = nullptr;
  std::string error;  // why it could not be loaded
};

const Api& api() {
  static const Api loaded = [] {
    Api a;
    void* lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      a.error = fmt::format("libdebuginfod.so.1 cannot be loaded ({}); install libdebuginfod1", why ? why : "not found");
      return a;
    }
    auto get = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      if (!fn && a.error.empty()) a.error = fmt::format("libdebuginfod.so.1 has no {}", name);
    };
    get(a.begin, "debuginfod_begin");
    get(a.end, "debuginfod_end");
    get(a.set_user_data, "debuginfod_set_user_data");
    get(a.get_user_data, "debuginfod_get_user_data");
    get(a.set_progressfn, "debuginfod_set_progressfn");
    get(a.find_debuginfo, "debuginfod_find_debuginfo");
    get(a.find_executable, "debuginfod_find_executable");
    return a;
  }();
  return loaded;
}

}  // namespace

// The libdebuginfod session and the deadline its progress callback checks.
struct DebuginfodClient::Handle {
  debuginfod_client* client = nullptr;
  Clock::time_point deadline{};
  bool has_deadline = false;
  bool cancelled = false;  // the progress callback aborted the transfer at the deadline
  long received = 0;       // bytes downloaded so far in the current lookup

  Handle() {
    if (!api().error.empty()) return;
    client = api().begin();
    if (client) {
      api().set_user_data(client, this);
      api().set_progressfn(client, &Handle::progress);
    }
  }
  ~Handle() {
    if (client) api().end(client);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  // Called by libdebuginfod about once a second while it waits or transfers; non-zero aborts.
  static int progress(debuginfod_client* c, long done, long /*total*/) {
    auto* self = static_cast<Handle*>(api().get_user_data(c));
    if (!self) return 0;
    if (done > self->received) self->received = done;
    if (!self->has_deadline || Clock::now() < self->deadline) return 0;
    self->cancelled = true;
    return 1;
  }
};

DebuginfodClient::DebuginfodClient(bool enabled, double timeout_seconds) : timeout_seconds_(timeout_seconds) {
  if (const char* env = std::getenv(DEBUGINFOD_URLS_ENV_VAR)) urls_ = env;
  active_ = enabled && urls_.find_first_not_of(" \t") != std::string::npos;
}

DebuginfodClient::~DebuginfodClient() = default;

model::Result<std::string> DebuginfodClient::find(Kind kind, const std::string& build_id_in) {
  const char* what = kind == Kind::kDebuginfo ? "debug info" : "executable";
  if (!active_) return model::make_error(model::ErrorCode::kIo, "debuginfod is off");
  if (!is_hex_id(build_id_in)) {
    return model::make_error(model::ErrorCode::kIo, fmt::format("'{}' is not a hex build id", build_id_in));
  }
  const std::string build_id = lower(build_id_in);
  auto key = std::make_pair(kind, build_id);
  if (auto it = answers_.find(key); it != answers_.end()) return it->second;

  model::Result<std::string> answer = model::make_error(model::ErrorCode::kIo, "");
  if (!dead_.empty()) {
    answer = model::make_error(model::ErrorCode::kIo, fmt::format("{}: not asked, {}", urls_, dead_));
    return answers_.emplace(key, std::move(answer)).first->second;
  }
  if (!handle_) handle_ = std::make_unique<Handle>();
  if (!handle_->client) {
    answer = model::make_error(model::ErrorCode::kIo, api().error.empty() ? std::string("debuginfod_begin failed") : api().error);
    dead_ = "the debuginfod client could not be started";
    return answers_.emplace(key, std::move(answer)).first->second;
  }

  handle_->cancelled = false;
  handle_->received = 0;
  handle_->has_deadline = timeout_seconds_ > 0;
  if (handle_->has_deadline) {
    handle_->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds_));
  }
  char* path = nullptr;
  const auto* id = reinterpret_cast<const unsigned char*>(build_id.c_str());
  int rc = kind == Kind::kDebuginfo ? api().find_debuginfo(handle_->client, id, 0, &path)
                                    : api().find_executable(handle_->client, id, 0, &path);
  if (rc >= 0) {
    close(rc);  // we reopen the cached file by path
    answer = std::string(path ? path : "");
    std::free(path);
    if (answer->empty()) answer = model::make_error(model::ErrorCode::kIo, "the server's answer has no cache path");
    return answers_.emplace(key, std::move(answer)).first->second;
  }
  std::free(path);

  const int err = -rc;
  std::string message;
  if (handle_->cancelled) {
    // A server that sent nothing in time is taken as dead for the rest of the run; one that was
    // still sending (a large file on a slow link) is asked again for other files.
    message = fmt::format("no complete answer within {:g} s (--debuginfod-timeout)", timeout_seconds_);
    if (handle_->received == 0) dead_ = fmt::format("an earlier lookup got no answer within {:g} s", timeout_seconds_);
  } else if (err == ETIME || err == ETIMEDOUT) {
    message = fmt::format("timed out ({})", std::strerror(err));
    dead_ = fmt::format("an earlier lookup timed out ({})", std::strerror(err));
  } else if (err == ENOENT) {
    message = fmt::format("no {} for this build id", what);
  } else {
    message = std::strerror(err);
  }
  answer = model::make_error(model::ErrorCode::kIo, fmt::format("{}: {}", urls_, message));
  return answers_.emplace(key, std::move(answer)).first->second;
}

}  // namespace profkit::symbolize
