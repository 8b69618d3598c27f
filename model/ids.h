// model/ids.h — typed 32-bit ids into the tables of a Profile.
//
// An id is an index + 1 into its table, so the default id (0) means "none". Distinct tag types
// keep a FunctionId from being passed where a LocationId is expected.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace profkit::model {

template <class Tag>
struct Id {
  uint32_t value = 0;

  constexpr Id() = default;
  constexpr explicit Id(uint32_t v) : value(v) {}
  static constexpr Id from_index(size_t index) { return Id(static_cast<uint32_t>(index + 1)); }

  constexpr bool valid() const { return value != 0; }
  constexpr explicit operator bool() const { return value != 0; }
  constexpr size_t index() const { return value - 1; }  // only for valid ids
  constexpr auto operator<=>(const Id&) const = default;
};

struct StringTag;
struct MappingTag;
struct FunctionTag;
struct LocationTag;
struct StackTag;
struct LabelSetTag;

using StringId = Id<StringTag>;      // 0 is the empty string, which every StringTable holds
using MappingId = Id<MappingTag>;
using FunctionId = Id<FunctionTag>;
using LocationId = Id<LocationTag>;
using StackId = Id<StackTag>;        // 0 is the empty stack
using LabelSetId = Id<LabelSetTag>;  // 0 is the empty label set

}  // namespace profkit::model

template <class Tag>
struct std::hash<profkit::model::Id<Tag>> {
  size_t operator()(profkit::model::Id<Tag> id) const noexcept { return std::hash<uint32_t>{}(id.value); }
};
