#include "model/string_table.h"

namespace profkit::model {

StringTable::StringTable() {
  strings_.emplace_back();
  index_.emplace(strings_.front(), StringId{});
}

StringTable::StringTable(const StringTable& other) : strings_(other.strings_) { rebuild_index(); }

StringTable& StringTable::operator=(const StringTable& other) {
  if (this != &other) {
    strings_ = other.strings_;
    rebuild_index();
  }
  return *this;
}

void StringTable::rebuild_index() {
  index_.clear();
  index_.reserve(strings_.size());
  for (size_t i = 0; i < strings_.size(); ++i) index_.emplace(strings_[i], StringId(static_cast<uint32_t>(i)));
}

StringId StringTable::intern(std::string_view s) {
  if (auto it = index_.find(s); it != index_.end()) return it->second;
  StringId id(static_cast<uint32_t>(strings_.size()));
  const std::string& stored = strings_.emplace_back(s);
  index_.emplace(stored, id);
  return id;
}

StringId StringTable::find(std::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? StringId{} : it->second;
}

}  // namespace profkit::model
