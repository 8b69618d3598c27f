#include "analysis/granularity.h"

#include <fmt/format.h>

#include <filesystem>

namespace profkit::analysis {

std::optional<Granularity> parse_granularity(std::string_view name) {
  if (name == "functions" || name == "function") return Granularity::kFunctions;
  if (name == "filefunctions") return Granularity::kFileFunctions;
  if (name == "files" || name == "file") return Granularity::kFiles;
  if (name == "lines" || name == "line") return Granularity::kLines;
  if (name == "addresses" || name == "address") return Granularity::kAddresses;
  if (name == "binaries" || name == "binary") return Granularity::kBinaries;
  return std::nullopt;
}

size_t NodeKeyHash::operator()(const NodeKey& k) const {
  uint64_t h = k.address * 0x9e3779b97f4a7c15ULL;
  auto mix = [&h](uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(k.name.value);
  mix(k.file.value);
  mix(static_cast<uint64_t>(k.line));
  mix(k.objfile.value);
  mix(static_cast<uint64_t>(k.start_line));
  return h;
}

namespace {

std::string base_name(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

std::string printable_name(const model::Profile& p, const NodeKey& k) {
  std::string out;
  auto add = [&out](std::string_view part) {
    if (!out.empty()) out += ' ';
    out += part;
  };
  if (k.address != 0) add(fmt::format("{:016x}", k.address));
  if (k.name.valid()) add(p.str(k.name));
  if (k.line != 0) {
    add(fmt::format("{}:{}", p.str(k.file), k.line));
  } else if (k.file.valid()) {
    add(p.str(k.file));
  } else if (k.name.valid()) {
    // the function name says it all
  } else if (k.objfile.valid()) {
    add("[" + base_name(p.str(k.objfile)) + "]");
  } else {
    add("<unknown>");
  }
  return out;
}

NodeMap::NodeMap(const model::Profile& profile, Granularity g, bool inlines)
    : profile_(profile), location_nodes_(profile.locations().size()) {
  const bool keep_function = g == Granularity::kFunctions || g == Granularity::kFileFunctions ||
                             g == Granularity::kLines || g == Granularity::kAddresses;
  const bool keep_file = g == Granularity::kFileFunctions || g == Granularity::kFiles || g == Granularity::kLines ||
                         g == Granularity::kAddresses;
  const bool keep_line = g == Granularity::kLines || g == Granularity::kAddresses;
  const bool keep_address = g == Granularity::kAddresses;
  // Cleaned file names are cached per string id (pprof applies filepath.Clean).
  std::unordered_map<uint32_t, model::StringId> clean_cache;
  auto clean = [&](model::StringId file) -> model::StringId {
    if (!file.valid()) return file;
    auto [it, inserted] = clean_cache.try_emplace(file.value);
    if (inserted) {
      std::string c = std::filesystem::path(std::string(profile.str(file))).lexically_normal().string();
      if (c.size() > 1 && c.back() == '/') c.pop_back();
      model::StringId id = profile.strings().find(c);
      // A cleaned spelling that the table lacks keeps the original id; names compare by text
      // only through printable_name, so this only matters for exotic paths.
      it->second = (id.valid() || c.empty()) ? id : file;
    }
    return it->second;
  };

  for (size_t i = 0; i < profile.locations().size(); ++i) {
    const model::Location& loc = profile.locations()[i];
    std::vector<uint32_t>& out = location_nodes_[i];
    model::StringId objfile = loc.mapping.valid() ? profile.mapping(loc.mapping).file : model::StringId{};
    if (g == Granularity::kBinaries) {
      NodeKey k;
      k.objfile = objfile;
      out.push_back(intern(k));
      continue;
    }
    const uint64_t address = keep_address ? loc.address : 0;
    if (loc.lines.empty()) {
      NodeKey k;
      k.address = address;
      k.objfile = objfile;
      out.push_back(intern(k));
      continue;
    }
    size_t first = 0;
    if (!inlines && loc.lines.size() > 1) first = loc.lines.size() - 1;  // keep the outermost frame
    for (size_t l = first; l < loc.lines.size(); ++l) {
      const model::Line& line = loc.lines[l];
      const model::Function& f = profile.function(line.function);
      NodeKey k;
      k.address = address;
      k.name = keep_function ? f.name : model::StringId{};
      k.file = keep_file ? clean(f.filename) : model::StringId{};
      k.line = keep_line ? line.line : 0;
      if (!k.name.valid()) {
        k.objfile = objfile;
        k.start_line = f.start_line;
      }
      out.push_back(intern(k));
    }
  }
}

uint32_t NodeMap::intern(const NodeKey& key) {
  auto [it, inserted] = index_.try_emplace(key, static_cast<uint32_t>(keys_.size()));
  if (inserted) {
    keys_.push_back(key);
    names_.push_back(printable_name(profile_, key));
  }
  return it->second;
}

}  // namespace profkit::analysis
