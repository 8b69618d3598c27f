// parsers/perf/session.h — what perf knows about the traced system at a point in time.
//
// Fed with MMAP/MMAP2, COMM, FORK, EXIT and KSYMBOL records in timestamp order, the session
// keeps per-process address spaces (a new mapping replaces the overlapped parts of older ones;
// a forked process starts with a copy of its parent's mappings), per-thread names (a new thread
// inherits its parent's), and the kernel's maps (the kernel image from the pid -1 mmap record,
// modules, BPF/JIT symbols). Mappings are immutable MapInfo entries addressed by index, so a
// caller can cache per-mapping results (e.g. a model::MappingId) in a parallel vector.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parsers/perf/records.h"

namespace profkit::parsers::perf {

struct MapInfo {
  uint64_t start = 0;  // addr of the first byte
  uint64_t end = 0;    // addr one past the last byte
  uint64_t pgoff = 0;  // file offset mapped at start
  std::string filename;
  std::string build_id;  // hex; empty when unknown
  bool kernel = false;
};

class Session {
 public:
  static constexpr uint32_t kNoMap = UINT32_MAX;

  // Build ids from the header (BUILD_ID feature / HEADER_BUILD_ID); call before the records.
  void add_build_ids(const std::vector<BuildIdEntry>& entries);

  void on_mmap(const MmapRecord& m, uint16_t misc);
  void on_comm(const CommRecord& c);
  void on_fork(const ForkExitRecord& f);
  void on_exit(const ForkExitRecord& f);
  void on_ksymbol(const KsymbolRecord& k);

  // The build id the header recorded for a file (normalized name), "" when none.
  std::string_view build_id_of(const std::string& filename) const {
    auto it = build_ids_.find(normalize_filename(filename));
    return it == build_ids_.end() ? std::string_view() : std::string_view(it->second);
  }
  // The map of `pid` containing `addr`, kNoMap when none.
  uint32_t find_user(uint32_t pid, uint64_t addr) const;
  uint32_t find_kernel(uint64_t addr) const;
  // The thread's name, ":<tid>" when no COMM was seen (as perf prints it).
  std::string_view comm(uint32_t tid);

  const MapInfo& map(uint32_t index) const { return maps_[index]; }
  size_t map_count() const { return maps_.size(); }
  size_t process_count() const { return processes_.size(); }
  size_t thread_count() const { return comms_.size(); }

  // "[kernel.kallsyms]_text" -> "[kernel.kallsyms]": the kernel dso whatever the reloc symbol.
  static std::string normalize_filename(std::string_view name);

 private:
  using AddressSpace = std::map<uint64_t, uint32_t>;  // start -> index into maps_
  uint32_t add_map(MapInfo info);
  void insert(AddressSpace& space, uint32_t index);
  static uint32_t find(const AddressSpace& space, const std::vector<MapInfo>& maps, uint64_t addr);

  std::vector<MapInfo> maps_;
  std::unordered_map<uint32_t, AddressSpace> processes_;  // pid -> maps
  AddressSpace kernel_;
  std::unordered_map<uint32_t, std::string> comms_;  // tid -> name
  std::unordered_map<std::string, std::string> build_ids_;  // normalized filename -> build id
  std::string scratch_;
};

}  // namespace profkit::parsers::perf
