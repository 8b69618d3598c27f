#include "symbolize/file_finder.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "symbolize/debuginfod.h"

namespace profkit::symbolize {

namespace fs = std::filesystem;

namespace {

bool is_regular(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_regular_file(path, ec);
}

std::string join(const std::string& root, const std::string& path) {
  if (root.empty()) return path;
  if (!path.empty() && path.front() == '/') return root + path;
  return root + "/" + path;
}

std::string short_id(const std::string& id) { return id.size() > 16 ? id.substr(0, 16) + "…" : id; }

}  // namespace

FileFinder::FileFinder(const Options& options) {
  for (const std::string& root : options.symfs) {
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    symfs_.push_back(r == "/" ? "" : r);
  }
  if (symfs_.empty()) symfs_.push_back("");
  debug_dirs_ = options.debug_dirs;
  if (options.system_debug_dirs) {
    for (const std::string& root : symfs_) system_debug_dirs_.push_back(root + "/usr/lib/debug");
  }
  perf_cache_ = options.perf_debug_cache;
  if (perf_cache_.empty() && options.system_debug_dirs) {
    if (const char* home = std::getenv("HOME")) perf_cache_ = std::string(home) + "/.debug";
  }
  if (options.debuginfod) debuginfod_ = std::make_unique<DebuginfodClient>(true, options.debuginfod_timeout);
}

FileFinder::~FileFinder() = default;
FileFinder::FileFinder(FileFinder&&) noexcept = default;
FileFinder& FileFinder::operator=(FileFinder&&) noexcept = default;

FoundFiles FileFinder::find(const std::string& file, const std::string& build_id) {
  FoundFiles found;
  std::string mismatch;  // first file found with a different build id
  std::string unreadable;
  const bool have_id = build_id.size() >= 4;
  const std::string id_dir = have_id ? build_id.substr(0, 2) : "";
  const std::string id_rest = have_id ? build_id.substr(2) : "";
  const fs::path file_path(file);
  const std::string base = file_path.filename().string();
  const std::string dir = file_path.parent_path().string();

  // Accepts `path` when it is a readable ELF whose build id matches (or nothing to compare with).
  auto try_file = [&](const std::string& path, const std::string& expect_id, ElfInfo& out) {
    if (path.empty()) return false;
    found.tried.push_back(path);
    if (!is_regular(path)) return false;
    auto info = read_elf_info(path);
    if (!info) {
      if (unreadable.empty()) unreadable = fmt::format("{}: {}", path, info.error().message);
      return false;
    }
    if (!expect_id.empty() && (!info->build_id.empty() || !info->go_build_id.empty()) &&
        !info->matches_build_id(expect_id)) {
      if (mismatch.empty()) {
        mismatch = fmt::format("{} has build id {}, expected {}", path,
                               short_id(info->build_id.empty() ? info->go_build_id : info->build_id),
                               short_id(expect_id));
      }
      return false;
    }
    out = std::move(*info);
    return true;
  };

  // --- the binary -----------------------------------------------------------------------------
  std::vector<std::string> candidates;
  if (!file.empty() && file.front() != '[') {
    for (const std::string& root : symfs_) candidates.push_back(join(root, file));
  }
  if (have_id && !perf_cache_.empty()) {
    // perf's build-id cache keeps a binary as <id dir>/elf, and the vdso it copied out of the
    // recorded process as <id dir>/vdso.
    candidates.push_back(perf_cache_ + "/.build-id/" + id_dir + "/" + id_rest + "/elf");
    if (is_vdso_name(file)) candidates.push_back(perf_cache_ + "/.build-id/" + id_dir + "/" + id_rest + "/vdso");
  }
  for (const std::string& d : debug_dirs_) {
    if (!base.empty() && file.front() != '[') candidates.push_back(d + "/" + base);
    if (have_id && !base.empty()) candidates.push_back(d + "/" + build_id + "/" + base);
    if (have_id) candidates.push_back(d + "/" + build_id + "/debuginfo");
  }
  for (const std::string& c : candidates) {
    if (try_file(c, build_id, found.binary_info)) {
      found.binary = c;
      break;
    }
  }

  // --- the debug file, unless the binary carries DWARF ------------------------------------------
  if (found.binary.empty() || !found.binary_info.has_dwarf) {
    const std::string expect = !found.binary_info.build_id.empty() ? found.binary_info.build_id : build_id;
    const std::string e_dir = expect.size() >= 4 ? expect.substr(0, 2) : "";
    const std::string e_rest = expect.size() >= 4 ? expect.substr(2) : "";
    std::vector<std::string> debug_candidates;
    if (!e_dir.empty()) {
      for (const std::string& d : debug_dirs_) debug_candidates.push_back(d + "/.build-id/" + e_dir + "/" + e_rest + ".debug");
      for (const std::string& d : system_debug_dirs_) debug_candidates.push_back(d + "/.build-id/" + e_dir + "/" + e_rest + ".debug");
      if (!perf_cache_.empty()) debug_candidates.push_back(perf_cache_ + "/.build-id/" + e_dir + "/" + e_rest + "/debug");
      for (const std::string& d : debug_dirs_) debug_candidates.push_back(d + "/" + expect + "/debuginfo");
    }
    if (!found.binary.empty() && !found.binary_info.debuglink.empty()) {
      const std::string link = found.binary_info.debuglink;
      const std::string bin_dir = fs::path(found.binary).parent_path().string();
      debug_candidates.push_back(bin_dir + "/" + link);
      debug_candidates.push_back(bin_dir + "/.debug/" + link);
      for (const std::string& d : system_debug_dirs_) debug_candidates.push_back(join(d, dir) + "/" + link);
      for (const std::string& d : debug_dirs_) {
        debug_candidates.push_back(join(d, dir) + "/" + link);
        debug_candidates.push_back(d + "/" + link);
      }
    }
    for (const std::string& c : debug_candidates) {
      if (c == found.binary) continue;
      ElfInfo info;
      if (try_file(c, expect, info) && info.has_dwarf) {
        found.debug_file = c;
        found.debug_info = std::move(info);
        break;
      }
    }
    // debuginfod, last: the debug file, then (still no binary) the executable.
    if (found.debug_file.empty() && expect.size() >= 4 && debuginfod_ && debuginfod_->active()) {
      auto fetched = debuginfod_->find(DebuginfodClient::Kind::kDebuginfo, expect);
      ElfInfo info;
      if (!fetched) {
        found.debuginfod_error = fetched.error().message;
      } else if (try_file(*fetched, expect, info) && info.has_dwarf) {
        found.debug_file = *fetched;
        found.debug_info = std::move(info);
        found.debug_from_debuginfod = true;
      } else {
        found.debuginfod_error = fmt::format("debug info from debuginfod ({}) is not a usable debug file", *fetched);
      }
      if (found.binary.empty() && found.debug_file.empty() && have_id) {
        auto exe = debuginfod_->find(DebuginfodClient::Kind::kExecutable, build_id);
        if (exe && try_file(*exe, build_id, found.binary_info)) {
          found.binary = *exe;
          found.binary_from_debuginfod = true;
        }
      }
    }
    // No binary, but a debug file: it keeps the program headers and the symbol table.
    if (found.binary.empty() && !found.debug_file.empty()) {
      found.binary = found.debug_file;
      found.binary_info = found.debug_info;
      found.binary_from_debuginfod = found.debug_from_debuginfod;
      found.debug_file.clear();
      found.debug_info = {};
    }
  }

  if (!found.binary.empty()) {
    const ElfInfo& sym = found.debug_file.empty() ? found.binary_info : found.debug_info;
    if (!sym.has_dwarf && !sym.has_symtab && !found.binary_info.has_dynsym) {
      found.state = model::SymbolState::kNoSymbols;
      found.reason = "no debug info or symbol table";
    } else {
      found.state = model::SymbolState::kSymbolized;
    }
    // Kept as information: only the symbol table was usable, a debug file was rejected.
    if (!sym.has_dwarf && !mismatch.empty()) found.reason = "debug file rejected: " + mismatch;
    return found;
  }
  if (!mismatch.empty()) {
    found.state = model::SymbolState::kBuildIdMismatch;
    found.reason = "build id mismatch: " + mismatch;
  } else {
    found.state = model::SymbolState::kMissingFile;
    found.reason = unreadable.empty() ? "binary not found" : "unreadable: " + unreadable;
  }
  return found;
}

}  // namespace profkit::symbolize
