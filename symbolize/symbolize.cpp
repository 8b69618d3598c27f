// symbolize/symbolize.cpp — the pass: group by mapping, find files, resolve once, write back.
#include "symbolize/symbolize.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "model/profile_builder.h"
#include "model/profile_importer.h"
#include "symbolize/backend.h"
#include "symbolize/demangle.h"
#include "symbolize/elf_file.h"
#include "symbolize/elf_symbols.h"
#include "symbolize/file_finder.h"
#include "symbolize/symbol_table.h"

namespace profkit::symbolize {

namespace {

using model::SymbolState;

enum class MappingKind { kFile, kKernel, kJit, kSpecial };

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

// pid of a "/tmp/perf-PID.map" mapping name, or -1.
int64_t perf_map_pid(std::string_view file) {
  std::string_view base = file.substr(file.rfind('/') == std::string_view::npos ? 0 : file.rfind('/') + 1);
  if (!starts_with(base, "perf-") || !ends_with(base, ".map")) return -1;
  std::string_view digits = base.substr(5, base.size() - 9);
  if (digits.empty() || digits.size() > 9) return -1;
  int64_t pid = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

MappingKind classify(std::string_view file, bool any_kernel_frame, bool any_jit_frame) {
  if (starts_with(file, "[kernel.kallsyms]") || starts_with(file, "[guest.kernel.kallsyms]") || ends_with(file, ".ko") ||
      ends_with(file, ".ko.xz") || ends_with(file, ".ko.zst") || ends_with(file, ".ko.gz") || any_kernel_frame) {
    return MappingKind::kKernel;
  }
  if (file == "//anon" || starts_with(file, "[anon") || starts_with(file, "/memfd:") ||
      starts_with(file, "anon_inode:") || perf_map_pid(file) >= 0 || any_jit_frame) {
    return MappingKind::kJit;
  }
  if (file.empty() || is_vdso_name(file) || file == "[vsyscall]" || file == "[stack]" || file == "[heap]" ||
      file == "[uprobes]" || file == "[vectors]") {
    return MappingKind::kSpecial;
  }
  return MappingKind::kFile;
}

// One opened binary (symbol source) with its per-address cache.
struct OpenBinary {
  std::unique_ptr<BinarySymbols> symbols;  // DWARF, through the backend
  ElfSymbols elf_symbols;                  // symbol table, shared rule for both backends
  std::string open_error;
  std::unordered_map<uint64_t, FrameChain> cache;  // rel_addr -> frames

  // DWARF frames, with the outermost named by the symbol table when a symbol covers the address
  // (as llvm-symbolizer does); the symbol alone where DWARF says nothing.
  const FrameChain& resolve(uint64_t rel_addr) {
    auto it = cache.find(rel_addr);
    if (it != cache.end()) return it->second;
    FrameChain chain = symbols ? symbols->resolve(rel_addr) : FrameChain{};
    if (const ElfSymbols::Symbol* sym = elf_symbols.find(rel_addr)) {
      if (chain.empty()) chain.push_back(ResolvedFrame{sym->name, {}, 0, 0, 0});
      else chain.back().function = sym->name;
    }
    return cache.emplace(rel_addr, std::move(chain)).first->second;
  }
};

// Counts of unresolved addresses per reason, printed most frequent first.
struct Reasons {
  std::map<std::string, int64_t> counts;
  void add(const std::string& reason, int64_t n = 1) { counts[reason] += n; }
  std::string text() const {
    std::vector<std::pair<int64_t, std::string>> v;
    for (const auto& [r, n] : counts) v.emplace_back(-n, r);
    std::sort(v.begin(), v.end());
    if (v.size() == 1) return v[0].second;
    std::string out;
    for (const auto& [n, r] : v) {
      if (!out.empty()) out += "; ";
      out += fmt::format("{} {}", -n, r);
    }
    return out;
  }
};

}  // namespace

const char* symbol_state_name(model::SymbolState state) {
  switch (state) {
    case SymbolState::kNotAttempted: return "not-attempted";
    case SymbolState::kSymbolized: return "symbolized";
    case SymbolState::kMissingFile: return "missing-file";
    case SymbolState::kBuildIdMismatch: return "build-id-mismatch";
    case SymbolState::kNoSymbols: return "no-symbols";
  }
  return "unknown";
}

bool needs_symbolization(const model::Profile& profile) {
  for (const model::Location& l : profile.locations()) {
    if (l.mapping.valid() && l.address != 0 && l.lines.empty()) return true;
  }
  return false;
}

class Symbolizer::Impl {
 public:
  explicit Impl(Options options) : options_(std::move(options)), finder_(options_) {}
  ~Impl() { finish_preload(); }

  // The preload worker (see Symbolizer::preload): it takes the same steps run() takes for a
  // mapping, so what it finds (files, opened binaries and their DWARF, kallsyms, resolved
  // addresses) is in the caches run() reads. Its reports and errors are dropped: run() makes
  // the reports again and meets the same errors again.
  void preload(Symbolizer::Hint hint) {
    if (hint.kernel) {
      // Kernel symbols on a thread of their own: kallsyms() shares no state with the files'
      // steps, and /proc/kallsyms is kernel work that overlaps well with them.
      if (kernel_preload_.joinable()) return;
      kernel_preload_ = std::thread([this, build_id = std::move(hint.build_id)] {
        std::string source, mismatch;
        (void)kallsyms(build_id, source, mismatch);
      });
      return;
    }
    {
      std::lock_guard lock(preload_mutex_);
      preload_queue_.push_back(std::move(hint));
    }
    if (!preload_.joinable()) {
      preload_ = std::thread([this] { preload_loop(); });
    } else {
      preload_wake_.notify_one();
    }
  }
  void finish_preload() {
    if (kernel_preload_.joinable()) kernel_preload_.join();
    if (!preload_.joinable()) return;
    {
      std::lock_guard lock(preload_mutex_);
      preload_closing_ = true;
    }
    preload_wake_.notify_one();
    preload_.join();
    preload_closing_ = false;
  }

  // `spent`: `in` itself when the caller gives it up (its stacks may then be moved out).
  model::Result<model::Profile> run(const model::Profile& in, model::Diagnostics& diagnostics,
                                    model::Profile* spent = nullptr);
  std::vector<MappingReport> report_;

 private:
  model::Result<Backend*> backend();
  model::Result<const SymbolTable*> kallsyms(const std::string& build_id, std::string& source, std::string& mismatch);
  const SymbolTable* perf_map(int64_t pid, const std::string& mapping_file, std::string& reason);
  OpenBinary& open_binary(const FoundFiles& found);

  // Resolves `addrs` (process addresses of one mapping) into `out`, filling `report`.
  model::Result<void> resolve_mapping(const std::string& file, const std::string& build_id, const model::Mapping& m,
                                      MappingKind kind,
                                      const std::set<int64_t>& pids, const std::vector<uint64_t>& addrs,
                                      std::vector<const FrameChain*>& out, MappingReport& report, Reasons& reasons);

  Options options_;
  FileFinder finder_;
  std::unique_ptr<Backend> backend_;
  std::map<std::string, SymbolTable> kallsyms_;  // by source path
  void preload_loop();
  std::thread preload_;
  std::thread kernel_preload_;
  std::mutex preload_mutex_;
  std::condition_variable preload_wake_;
  std::deque<Symbolizer::Hint> preload_queue_;
  bool preload_closing_ = false;
  std::map<std::string, OpenBinary> binaries_;  // key: binary path + '\n' + debug file
  std::map<int64_t, std::optional<SymbolTable>> perf_maps_;
  std::map<std::string, FoundFiles> found_;     // key: file + '\n' + build id
  std::map<std::pair<std::string, uint64_t>, FrameChain> kernel_cache_;  // (table source, addr)
  std::map<std::pair<int64_t, uint64_t>, FrameChain> jit_cache_;
  DemangleCache demangler_;
};

model::Result<Backend*> Symbolizer::Impl::backend() {
  if (!backend_) {
    if (options_.backend == "libdw" || options_.backend.empty()) {
      backend_ = make_libdw_backend();
    } else if (options_.backend == "llvm") {
      auto loaded = load_llvm_backend();
      if (!loaded) return std::unexpected(std::move(loaded.error()));
      backend_ = std::move(*loaded);
    } else {
      return model::make_error(model::ErrorCode::kUsage,
                               fmt::format("unknown symbolizer '{}' (expected libdw or llvm)", options_.backend));
    }
  }
  return backend_.get();
}

// Picks the kernel symbol table: an explicit --kallsyms file is trusted; otherwise perf's cached
// kallsyms for the recorded build id, else /proc/kallsyms when the running kernel's build id
// matches the recorded one (or nothing was recorded). `mismatch` says why none fits.
model::Result<const SymbolTable*> Symbolizer::Impl::kallsyms(const std::string& build_id, std::string& source,
                                                             std::string& mismatch) {
  auto load = [&](const std::string& path, bool must_exist) -> model::Result<const SymbolTable*> {
    auto it = kallsyms_.find(path);
    if (it == kallsyms_.end()) {
      auto table = SymbolTable::load_kallsyms(path);
      if (!table) {
        if (must_exist) return std::unexpected(table.error());  // an explicit file must be readable
        return static_cast<const SymbolTable*>(nullptr);
      }
      it = kallsyms_.emplace(path, std::move(*table)).first;
    }
    return &it->second;
  };
  if (!options_.kallsyms.empty()) {
    source = options_.kallsyms;
    return load(options_.kallsyms, true);
  }
  if (build_id.size() >= 4) {
    std::string cache = options_.perf_debug_cache;
    if (cache.empty() && options_.system_debug_dirs) {
      if (const char* home = std::getenv("HOME")) cache = std::string(home) + "/.debug";
    }
    if (!cache.empty()) {
      std::string cached = cache + "/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + "/kallsyms";
      auto t = load(cached, false);
      if (t && *t) {
        source = cached;
        return t;
      }
    }
    std::string notes;
    if (FILE* f = std::fopen(options_.kernel_notes.c_str(), "rb")) {
      char buf[4096];
      size_t n = std::fread(buf, 1, sizeof buf, f);
      notes.assign(buf, n);
      std::fclose(f);
    }
    ElfInfo running;
    running.build_id = build_id_from_notes(notes);
    if (!running.build_id.empty() && !running.matches_build_id(build_id)) {
      mismatch = fmt::format("the running kernel has build id {}, the profile recorded {}; pass --kallsyms FILE "
                             "from the recording machine",
                             running.build_id, build_id);
      return static_cast<const SymbolTable*>(nullptr);
    }
  }
  source = "/proc/kallsyms";
  return load(source, false);
}

const SymbolTable* Symbolizer::Impl::perf_map(int64_t pid, const std::string& mapping_file, std::string& reason) {
  auto it = perf_maps_.find(pid);
  if (it == perf_maps_.end()) {
    std::vector<std::string> paths;
    const std::string name = fmt::format("perf-{}.map", pid);
    paths.push_back(options_.jit_map_dir + "/" + name);
    for (const std::string& root : options_.symfs) paths.push_back(root + "/tmp/" + name);
    if (perf_map_pid(mapping_file) == pid) paths.push_back(mapping_file);
    std::optional<SymbolTable> table;
    for (const std::string& p : paths) {
      if (auto t = SymbolTable::load_perf_map(p)) {
        table = std::move(*t);
        break;
      }
    }
    it = perf_maps_.emplace(pid, std::move(table)).first;
  }
  if (!it->second) reason = fmt::format("{}/perf-{}.map not found", options_.jit_map_dir, pid);
  return it->second ? &*it->second : nullptr;
}

OpenBinary& Symbolizer::Impl::open_binary(const FoundFiles& found) {
  const std::string key = found.binary + "\n" + found.debug_file;
  auto it = binaries_.find(key);
  if (it != binaries_.end()) return it->second;
  OpenBinary& b = binaries_[key];
  auto be = backend();
  if (!be) {
    b.open_error = be.error().message;
    return b;
  }
  b.elf_symbols = ElfSymbols::load(found.debug_file.empty() ? found.binary : found.debug_file, found.binary);
  auto symbols = (*be)->open(found.binary, found.debug_file);
  if (symbols) {
    b.symbols = std::move(*symbols);
  } else {
    b.open_error = symbols.error().message;
  }
  return b;
}

void Symbolizer::Impl::preload_loop() {
  std::vector<const FrameChain*> out;
  while (true) {
    Symbolizer::Hint h;
    {
      std::unique_lock lock(preload_mutex_);
      preload_wake_.wait(lock, [this] { return preload_closing_ || !preload_queue_.empty(); });
      if (preload_queue_.empty()) return;
      h = std::move(preload_queue_.front());
      preload_queue_.pop_front();
    }
    // Kernel symbols are kernel_preload_'s alone (kallsyms_ is not shared between the threads).
    const MappingKind kind = classify(h.file, h.kernel, false);
    if (kind == MappingKind::kKernel || kind == MappingKind::kJit || (kind == MappingKind::kSpecial && h.build_id.empty())) {
      continue;
    }
    model::Mapping m;
    m.start = h.start;
    m.limit = h.limit;
    m.file_offset = h.file_offset;
    MappingReport report;
    Reasons reasons;
    (void)resolve_mapping(h.file, h.build_id, m, kind, {}, {h.address}, out, report, reasons);
  }
}

model::Result<void> Symbolizer::Impl::resolve_mapping(const std::string& file, const std::string& build_id,
                                                      const model::Mapping& m, MappingKind kind,
                                                      const std::set<int64_t>& pids, const std::vector<uint64_t>& addrs,
                                                      std::vector<const FrameChain*>& out, MappingReport& report,
                                                      Reasons& reasons) {
  out.assign(addrs.size(), nullptr);

  if (kind == MappingKind::kKernel) {
    std::string source, mismatch;
    auto table = kallsyms(build_id, source, mismatch);
    if (!table) return std::unexpected(table.error());
    report.binary = source;
    if (!mismatch.empty()) {
      report.binary.clear();
      report.state = SymbolState::kBuildIdMismatch;
      reasons.add("build id mismatch: " + mismatch, static_cast<int64_t>(addrs.size()));
      return {};
    }
    if (!*table) {
      report.state = SymbolState::kMissingFile;
      reasons.add(fmt::format("{} cannot be read", source), static_cast<int64_t>(addrs.size()));
      return {};
    }
    if ((*table)->zero_addresses()) {
      report.state = SymbolState::kNoSymbols;
      reasons.add(fmt::format("{} shows only zero addresses (kernel.kptr_restrict); run as root or pass --kallsyms FILE", source),
                  static_cast<int64_t>(addrs.size()));
      return {};
    }
    if ((*table)->size() == 0) {
      report.state = SymbolState::kMissingFile;
      reasons.add(fmt::format("no kernel symbols in {}", source), static_cast<int64_t>(addrs.size()));
      return {};
    }
    report.state = SymbolState::kSymbolized;
    for (size_t i = 0; i < addrs.size(); ++i) {
      auto key = std::make_pair(source, addrs[i]);
      auto it = kernel_cache_.find(key);
      if (it == kernel_cache_.end()) {
        FrameChain chain;
        if (auto s = (*table)->find(addrs[i])) chain.push_back(ResolvedFrame{std::string(s->name), {}, 0, 0, 0});
        it = kernel_cache_.emplace(std::move(key), std::move(chain)).first;
      }
      if (it->second.empty()) reasons.add("below the first kernel symbol");
      else out[i] = &it->second;
    }
    return {};
  }

  if (kind == MappingKind::kJit) {
    std::set<int64_t> candidates = pids;
    if (int64_t p = perf_map_pid(file); p >= 0) candidates.insert(p);
    std::vector<const SymbolTable*> tables;
    std::string missing;
    for (int64_t pid : candidates) {
      std::string reason;
      if (const SymbolTable* t = perf_map(pid, file, reason)) tables.push_back(t);
      else if (missing.empty()) missing = reason;
    }
    report.binary = candidates.empty() ? "" : fmt::format("{}/perf-{}.map", options_.jit_map_dir, *candidates.begin());
    if (tables.empty()) {
      report.state = SymbolState::kMissingFile;
      reasons.add(candidates.empty() ? "JIT code: no pid label or perf-PID.map name tells which map to read" : missing,
                  static_cast<int64_t>(addrs.size()));
      return {};
    }
    report.state = SymbolState::kSymbolized;
    const int64_t key_pid = *candidates.begin();
    for (size_t i = 0; i < addrs.size(); ++i) {
      auto key = std::make_pair(key_pid, addrs[i]);
      auto it = jit_cache_.find(key);
      if (it == jit_cache_.end()) {
        FrameChain chain;
        for (const SymbolTable* t : tables) {
          if (auto s = t->find(addrs[i])) {
            chain.push_back(ResolvedFrame{std::string(s->name), {}, 0, 0, 0});
            break;
          }
        }
        it = jit_cache_.emplace(key, std::move(chain)).first;
      }
      if (it->second.empty()) reasons.add("no perf-PID.map entry covers the address");
      else out[i] = &it->second;
    }
    return {};
  }

  // A file: find it (once per file and build id), translate addresses, resolve each once.
  const std::string fkey = file + "\n" + build_id;
  auto fit = found_.find(fkey);
  if (fit == found_.end()) fit = found_.emplace(fkey, finder_.find(kind == MappingKind::kSpecial && build_id.empty() ? std::string() : file, build_id)).first;
  const FoundFiles& found = fit->second;
  report.binary = found.binary;
  report.debug_file = found.debug_file;
  report.binary_from_debuginfod = found.binary_from_debuginfod;
  report.debug_from_debuginfod = found.debug_from_debuginfod;
  report.debuginfod_error = found.debuginfod_error;
  report.state = found.state;
  if (found.binary.empty() || found.state == SymbolState::kNoSymbols) {
    std::string why = found.reason;
    if (kind == MappingKind::kSpecial && found.binary.empty()) why = file.empty() ? "mapping has no file name" : file + " has no file on disk";
    reasons.add(why, static_cast<int64_t>(addrs.size()));
    return {};
  }
  auto be = backend();
  if (!be) return std::unexpected(be.error());
  OpenBinary& binary = open_binary(found);
  if (!binary.symbols) {
    report.state = SymbolState::kNoSymbols;
    reasons.add("cannot be read: " + binary.open_error, static_cast<int64_t>(addrs.size()));
    return {};
  }
  for (size_t i = 0; i < addrs.size(); ++i) {
    const LoadSegment* segment = nullptr;
    std::optional<uint64_t> rel = elf_address(m.start, m.limit, m.file_offset, found.binary_info.loads, addrs[i], &segment);
    if (!rel) {
      reasons.add("address outside the file's loadable segments");
      continue;
    }
    if (!segment->executable) {  // a location's address is code; a data segment means a wrong layout
      reasons.add("address falls in a non-executable segment of the file");
      continue;
    }
    const FrameChain& chain = binary.resolve(*rel);
    if (chain.empty()) {
      reasons.add(found.binary_info.has_dwarf || !found.debug_file.empty() ? "no debug info or symbol covers the address"
                                                                             : "no symbol covers the address (no debug info found)");
    } else {
      out[i] = &chain;
    }
  }
  return {};
}

model::Result<model::Profile> Symbolizer::Impl::run(const model::Profile& in, model::Diagnostics& diagnostics,
                                                    model::Profile* spent) {
  finish_preload();
  report_.clear();
  if (auto be = backend(); !be) return std::unexpected(be.error());

  // --- which locations need symbols, grouped by mapping ----------------------------------------
  const size_t nmap = in.mappings().size();
  std::vector<std::vector<size_t>> todo(nmap);  // mapping index -> location indices
  std::vector<bool> kernel_frames(nmap), jit_frames(nmap);
  for (size_t i = 0; i < in.locations().size(); ++i) {
    const model::Location& l = in.locations()[i];
    if (!l.mapping.valid() || l.address == 0 || !l.lines.empty()) continue;
    todo[l.mapping.index()].push_back(i);
    if (l.kind == model::FrameKind::kKernel) kernel_frames[l.mapping.index()] = true;
    if (l.kind == model::FrameKind::kJit) jit_frames[l.mapping.index()] = true;
  }
  std::vector<MappingKind> kinds(nmap, MappingKind::kFile);
  bool need_pids = false;
  for (size_t m = 0; m < nmap; ++m) {
    if (todo[m].empty()) continue;
    kinds[m] = classify(in.str(in.mappings()[m].file), kernel_frames[m], jit_frames[m]);
    if (kinds[m] == MappingKind::kJit) need_pids = true;
  }

  // --- pids of JIT mappings, from the samples' "pid" labels ------------------------------------
  std::vector<std::set<int64_t>> pids(nmap);
  if (need_pids) {
    std::vector<int64_t> label_pid(in.label_sets().size(), -1);
    for (size_t ls = 0; ls < in.label_sets().size(); ++ls) {
      for (const model::Label& label : in.label_sets()[ls]) {
        if (in.str(label.key) == "pid" && !label.str.valid()) label_pid[ls] = label.num;
      }
    }
    std::set<std::pair<uint32_t, int64_t>> seen;  // (stack, pid)
    for (size_t s = 0; s < in.sample_count(); ++s) {
      const model::Sample& sample = in.sample(s);
      int64_t pid = label_pid[sample.labels.value];
      if (pid < 0 || !seen.emplace(sample.stack.value, pid).second) continue;
      for (model::LocationId lid : in.stack(sample.stack)) {
        const model::Location& l = in.location(lid);
        if (l.mapping.valid() && kinds[l.mapping.index()] == MappingKind::kJit) pids[l.mapping.index()].insert(pid);
      }
    }
  }

  // --- resolve each mapping's unique addresses ---------------------------------------------------
  std::vector<const FrameChain*> resolved_of(in.locations().size(), nullptr);
  struct MappingResult {
    bool touched = false;
    SymbolState state = SymbolState::kNotAttempted;
    bool functions = false, filenames = false, lines = false, inlines = false;
  };
  std::vector<MappingResult> results(nmap);
  for (size_t m = 0; m < nmap; ++m) {
    if (todo[m].empty()) continue;
    const model::Mapping& mapping = in.mappings()[m];
    std::vector<uint64_t> addrs;
    for (size_t li : todo[m]) addrs.push_back(in.locations()[li].address);
    std::sort(addrs.begin(), addrs.end());
    addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());

    MappingReport report;
    report.file = in.str(mapping.file);
    report.build_id = in.str(mapping.build_id);
    report.addresses = static_cast<int64_t>(addrs.size());
    Reasons reasons;
    std::vector<const FrameChain*> chains;
    if (auto r = resolve_mapping(report.file, report.build_id, mapping, kinds[m], pids[m], addrs, chains, report, reasons); !r) {
      return std::unexpected(r.error());
    }
    MappingResult& res = results[m];
    res.touched = true;
    for (size_t li : todo[m]) {
      size_t k = static_cast<size_t>(std::lower_bound(addrs.begin(), addrs.end(), in.locations()[li].address) - addrs.begin());
      resolved_of[li] = chains[k];
    }
    for (const FrameChain* c : chains) {
      if (!c) continue;
      ++report.resolved;
      res.functions |= std::any_of(c->begin(), c->end(), [](const ResolvedFrame& f) { return !f.function.empty(); });
      res.filenames |= std::any_of(c->begin(), c->end(), [](const ResolvedFrame& f) { return !f.file.empty(); });
      res.lines |= std::any_of(c->begin(), c->end(), [](const ResolvedFrame& f) { return f.line > 0; });
      res.inlines |= c->size() > 1;
    }
    if (report.resolved > 0) report.state = SymbolState::kSymbolized;
    res.state = report.state;
    if (!report.debuginfod_error.empty()) {  // once per build id: the lookup is remembered anyway
      std::string who = report.file.empty() ? std::string("mapping without a file name") : report.file;
      diagnostics.warn("symbolize.debuginfod:" + report.build_id,
                       fmt::format("{} (build id {}): no debug info from debuginfod: {}", who, report.build_id,
                                   report.debuginfod_error));
    }
    if (report.resolved < report.addresses) {
      report.reason = reasons.text();
      std::string who = report.file.empty() ? std::string("mapping without a file name") : report.file;
      if (!report.build_id.empty()) who += fmt::format(" (build id {})", report.build_id);
      diagnostics.warn("symbolize.unresolved:" + report.file + ":" + report.build_id,
                       fmt::format("{}: {} of {} addresses unsymbolized: {}", who, report.addresses - report.resolved,
                                   report.addresses, report.reason));
    }
    report_.push_back(std::move(report));
  }

  // --- write the new profile -----------------------------------------------------------------
  model::ProfileBuilder builder(model::ProfileBuilder::Options{.aggregate = false, .keep_timestamps = true, .dedup_tables = true});
  model::ProfileImporter importer(in, builder);
  importer.copy_metadata();

  std::vector<model::MappingId> mapping_ids(nmap);
  for (size_t m = 0; m < nmap; ++m) {
    model::Mapping nm = in.mappings()[m];
    nm.file = importer.string(nm.file);
    nm.build_id = importer.string(nm.build_id);
    const MappingResult& res = results[m];
    if (res.touched) {
      nm.has_functions |= res.functions;
      nm.has_filenames |= res.filenames;
      nm.has_line_numbers |= res.lines;
      nm.has_inline_frames |= res.inlines;
      nm.symbol_state = res.state;
    }
    mapping_ids[m] = builder.add_mapping(nm);
  }

  std::map<std::tuple<std::string, std::string, int64_t>, model::FunctionId> functions;  // (system name, file, start)
  auto function_id = [&](const ResolvedFrame& f) {
    auto key = std::make_tuple(f.function, f.file, f.start_line);
    auto it = functions.find(key);
    if (it != functions.end()) return it->second;
    model::Function fn;
    const std::string& name = options_.demangle ? demangler_.get(f.function) : f.function;
    fn.name = builder.intern(name.empty() ? std::string_view("??") : std::string_view(name));
    fn.system_name = builder.intern(f.function);
    fn.filename = builder.intern(f.file);
    fn.start_line = f.start_line;
    model::FunctionId id = builder.add_function(fn);
    functions.emplace(std::move(key), id);
    return id;
  };

  std::vector<model::LocationId> location_ids(in.locations().size());
  for (size_t i = 0; i < in.locations().size(); ++i) {
    const model::Location& src = in.locations()[i];
    model::Location loc;
    loc.mapping = src.mapping.valid() ? mapping_ids[src.mapping.index()] : model::MappingId{};
    loc.address = src.address;
    loc.is_folded = src.is_folded;
    loc.kind = src.kind;
    if (const FrameChain* chain = resolved_of[i]) {
      for (const ResolvedFrame& f : *chain) loc.lines.push_back(model::Line{function_id(f), f.line, f.column});
      if (loc.kind == model::FrameKind::kNormal && src.mapping.valid()) {
        MappingKind k = kinds[src.mapping.index()];
        if (k == MappingKind::kKernel) loc.kind = model::FrameKind::kKernel;
        if (k == MappingKind::kJit) loc.kind = model::FrameKind::kJit;
      }
    } else {
      for (const model::Line& line : src.lines) loc.lines.push_back(model::Line{importer.function(line.function), line.line, line.column});
    }
    location_ids[i] = builder.add_location(std::move(loc));
  }

  // Locations rewritten one to one, in order (the usual case: only equal locations merge): the
  // stacks stay valid as they are, so they are copied instead of interned again.
  bool same_ids = true;
  for (size_t i = 0; i < location_ids.size() && same_ids; ++i) same_ids = location_ids[i] == model::LocationId::from_index(i);
  if (same_ids) {
    for (size_t s = 0; s < in.sample_count(); ++s) {
      const model::Sample& sample = in.sample(s);
      builder.add_sample(sample.stack, importer.labels(sample.labels), in.values(s), sample.time_nanos);
    }
    if (spent) {
      builder.take_stacks_from(std::move(*spent));  // last: `in` is read no more
    } else {
      builder.copy_stacks_from(in);
    }
    return builder.finish();
  }
  std::vector<model::StackId> stack_ids(in.stacks().size());
  std::vector<bool> stack_done(in.stacks().size());
  std::vector<model::LocationId> frames;
  for (size_t s = 0; s < in.sample_count(); ++s) {
    const model::Sample& sample = in.sample(s);
    if (!stack_done[sample.stack.value]) {
      frames.clear();
      for (model::LocationId l : in.stack(sample.stack)) frames.push_back(location_ids[l.index()]);
      stack_ids[sample.stack.value] = builder.intern_stack(frames);
      stack_done[sample.stack.value] = true;
    }
    builder.add_sample(stack_ids[sample.stack.value], importer.labels(sample.labels), in.values(s), sample.time_nanos);
  }
  return builder.finish();
}

Symbolizer::Symbolizer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Symbolizer::~Symbolizer() = default;
Symbolizer::Symbolizer(Symbolizer&&) noexcept = default;
Symbolizer& Symbolizer::operator=(Symbolizer&&) noexcept = default;

model::Result<model::Profile> Symbolizer::run(const model::Profile& in, model::Diagnostics& diagnostics) {
  return impl_->run(in, diagnostics);
}

model::Result<model::Profile> Symbolizer::run(model::Profile&& in, model::Diagnostics& diagnostics) {
  return impl_->run(in, diagnostics, &in);
}

const std::vector<MappingReport>& Symbolizer::report() const { return impl_->report_; }

void Symbolizer::preload(Hint hint) { impl_->preload(std::move(hint)); }

model::Result<model::Profile> symbolize(const model::Profile& in, const Options& options,
                                        model::Diagnostics& diagnostics, std::vector<MappingReport>* report) {
  Symbolizer symbolizer(options);
  auto out = symbolizer.run(in, diagnostics);
  if (report) *report = symbolizer.report();
  return out;
}

model::Result<model::Profile> symbolize(model::Profile&& in, const Options& options, model::Diagnostics& diagnostics,
                                        std::vector<MappingReport>* report) {
  Symbolizer symbolizer(options);
  auto out = symbolizer.run(std::move(in), diagnostics);
  if (report) *report = symbolizer.report();
  return out;
}

}  // namespace profkit::symbolize
