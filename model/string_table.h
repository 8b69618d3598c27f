// model/string_table.h — interned strings.
//
// Each distinct string is stored once; interning returns the same StringId for equal strings.
// StringId 0 is always the empty string (as in profile.proto, where string_table[0] == "").
// Views returned by str() stay valid for the table's lifetime (strings live in a deque).
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/ids.h"

namespace profkit::model {

class StringTable {
 public:
  StringTable();
  StringTable(const StringTable& other);
  StringTable& operator=(const StringTable& other);
  StringTable(StringTable&&) noexcept = default;
  StringTable& operator=(StringTable&&) noexcept = default;

  StringId intern(std::string_view s);
  // The id of `s` if already interned, else StringId{} (which is also the id of "").
  StringId find(std::string_view s) const;
  std::string_view str(StringId id) const { return strings_[id.value]; }
  size_t size() const { return strings_.size(); }  // including the empty string

 private:
  void rebuild_index();
  std::deque<std::string> strings_;  // strings_[0] == ""; StringId.value indexes directly
  std::unordered_map<std::string_view, StringId> index_;
};

}  // namespace profkit::model
