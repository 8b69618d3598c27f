// symbolize/debuginfod.h — debug files and binaries fetched by build id from debuginfod servers.
//
// A small RAII wrapper over libdebuginfod (elfutils). It is active only when DEBUGINFOD_URLS is
// non-empty and the caller did not turn it off (--no-debuginfod). libdebuginfod itself honours
// DEBUGINFOD_URLS, DEBUGINFOD_CACHE_PATH (the download cache, default ~/.cache/debuginfod_client)
// and DEBUGINFOD_TIMEOUT (its per-server connection timeout); on top of that every lookup has an
// overall deadline (`timeout_seconds`), enforced through libdebuginfod's progress callback.
//
// Invariants: each (kind, build id) is asked at most once per client (answers, failures included,
// are remembered); after a lookup got no byte before its deadline (or libdebuginfod itself timed
// out), later lookups are not sent at all and fail at once, so one dead server costs one timeout
// per run, not one per binary. The libdebuginfod header stays private to debuginfod.cpp.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "model/error.h"

namespace profkit::symbolize {

class DebuginfodClient {
 public:
  enum class Kind { kDebuginfo, kExecutable };

  // Inactive (every lookup fails with "debuginfod is off") when `enabled` is false or
  // DEBUGINFOD_URLS is unset or empty. `timeout_seconds` <= 0 means no deadline of our own.
  DebuginfodClient(bool enabled, double timeout_seconds);
  ~DebuginfodClient();
  DebuginfodClient(const DebuginfodClient&) = delete;
  DebuginfodClient& operator=(const DebuginfodClient&) = delete;

  bool active() const { return active_; }
  const std::string& urls() const { return urls_; }  // DEBUGINFOD_URLS as read at construction

  // The path of the file in debuginfod's cache, for a hex build id. Errors (kIo) say what the
  // server answered: not found, connection refused, timed out after N s, skipped after an
  // earlier failure…
  model::Result<std::string> find(Kind kind, const std::string& build_id);

 private:
  struct Handle;  // owns the debuginfod_client*
  bool active_ = false;
  std::string urls_;
  double timeout_seconds_ = 0;
  std::unique_ptr<Handle> handle_;
  std::string dead_;  // non-empty: why the servers are not asked any more in this run
  std::map<std::pair<Kind, std::string>, model::Result<std::string>> answers_;
};

}  // namespace profkit::symbolize
