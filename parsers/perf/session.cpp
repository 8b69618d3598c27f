#include "parsers/perf/session.h"

#include <fmt/format.h>

#include "parsers/perf/perf_abi.h"

namespace profkit::parsers::perf {

std::string Session::normalize_filename(std::string_view name) {
  for (std::string_view kernel : {"[kernel.kallsyms]", "[guest.kernel.kallsyms]"}) {
    if (name.starts_with(kernel)) return std::string(kernel);
  }
  return std::string(name);
}

void Session::add_build_ids(const std::vector<BuildIdEntry>& entries) {
  for (const BuildIdEntry& e : entries) {
    if (e.filename.empty() || e.build_id.empty()) continue;
    build_ids_[normalize_filename(e.filename)] = e.build_id;
  }
}

uint32_t Session::add_map(MapInfo info) {
  maps_.push_back(std::move(info));
  return static_cast<uint32_t>(maps_.size() - 1);
}

void Session::insert(AddressSpace& space, uint32_t index) {
  const uint64_t start = maps_[index].start, end = maps_[index].end;
  // Trim or split every older map overlapping [start, end).
  auto it = space.lower_bound(start);
  if (it != space.begin()) --it;
  while (it != space.end()) {
    MapInfo old = maps_[it->second];  // copy: add_map may reallocate maps_
    if (old.start >= end) break;
    if (old.end <= start) {
      ++it;
      continue;
    }
    it = space.erase(it);
    if (old.start < start) {
      MapInfo left = old;
      left.end = start;
      space.emplace(left.start, add_map(std::move(left)));
    }
    if (old.end > end) {
      MapInfo right = old;
      right.start = end;
      if (!right.kernel) right.pgoff = old.pgoff + (end - old.start);
      uint32_t r = add_map(std::move(right));
      it = space.emplace(end, r).first;
      ++it;
    }
  }
  space[start] = index;
}

uint32_t Session::find(const AddressSpace& space, const std::vector<MapInfo>& maps, uint64_t addr) {
  auto it = space.upper_bound(addr);
  if (it == space.begin()) return kNoMap;
  --it;
  const MapInfo& m = maps[it->second];
  return (addr >= m.start && addr < m.end) ? it->second : kNoMap;
}

void Session::on_mmap(const MmapRecord& m, uint16_t misc) {
  MapInfo info;
  info.start = m.start;
  info.end = m.start + m.len < m.start ? UINT64_MAX : m.start + m.len;  // saturate
  info.pgoff = m.pgoff;
  info.filename = normalize_filename(m.filename);
  uint16_t mode = misc & abi::kMiscCpumodeMask;
  info.kernel = m.pid == UINT32_MAX || mode == abi::kMiscKernel || mode == abi::kMiscGuestKernel;
  if (!m.build_id.empty()) {
    info.build_id = hex_string(m.build_id);
  } else if (auto it = build_ids_.find(info.filename); it != build_ids_.end()) {
    info.build_id = it->second;
  }
  if (info.kernel) info.pgoff = 0;  // kernel addresses are absolute; pgoff holds the reloc symbol's addr
  if (info.end <= info.start) return;
  uint32_t index = add_map(std::move(info));
  insert(maps_[index].kernel ? kernel_ : processes_[m.pid], index);
}

void Session::on_comm(const CommRecord& c) { comms_[c.tid] = std::string(c.comm); }

void Session::on_fork(const ForkExitRecord& f) {
  if (f.pid != f.ppid) {
    auto parent = processes_.find(f.ppid);
    if (parent != processes_.end()) {
      AddressSpace copy = parent->second;
      processes_[f.pid] = std::move(copy);
    }
  }
  if (!comms_.contains(f.tid)) {
    auto it = comms_.find(f.ptid);
    if (it != comms_.end()) {
      std::string name = it->second;
      comms_[f.tid] = std::move(name);
    }
  }
}

void Session::on_exit(const ForkExitRecord&) {
  // Samples of an exiting thread can still follow in time order; its state is kept.
}

void Session::on_ksymbol(const KsymbolRecord& k) {
  constexpr uint16_t kUnregister = 1;
  if (k.flags & kUnregister || k.len == 0) return;
  MapInfo info;
  info.start = k.addr;
  info.end = k.addr + k.len;
  info.filename = std::string(k.name);
  info.kernel = true;
  if (info.end <= info.start) return;
  uint32_t index = add_map(std::move(info));
  insert(kernel_, index);
}

uint32_t Session::find_user(uint32_t pid, uint64_t addr) const {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return kNoMap;
  return find(it->second, maps_, addr);
}

uint32_t Session::find_kernel(uint64_t addr) const { return find(kernel_, maps_, addr); }

std::string_view Session::comm(uint32_t tid) {
  auto it = comms_.find(tid);
  if (it != comms_.end()) return it->second;
  scratch_ = fmt::format(":{}", tid);
  return scratch_;
}

}  // namespace profkit::parsers::perf
