#include "model/diagnostics.h"

#include <fmt/format.h>

namespace profkit::model {

void Diagnostics::warn(const std::string& key, const std::string& message) {
  auto [it, inserted] = index_.try_emplace(key, entries_.size());
  if (inserted) entries_.push_back(Entry{key, message, 0});
  ++entries_[it->second].count;
}

int64_t Diagnostics::count(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? 0 : entries_[it->second].count;
}

std::vector<Diagnostics::Entry> Diagnostics::entries() const { return entries_; }

std::string Diagnostics::summary() const {
  std::string out;
  for (const auto& e : entries_) {
    out += fmt::format("warning: {}", e.example);
    if (e.count > 1) out += fmt::format(" (and {} more like it)", e.count - 1);
    out += '\n';
  }
  for (const auto& n : notes_) out += fmt::format("note: {}\n", n);
  return out;
}

}  // namespace profkit::model
