// model/units.h — values and percentages formatted the way pprof prints them.
//
// Unit families follow pprof's measurement package: bytes scale by 1024 (B, kB, MB, GB, TB, PB),
// time by SI steps (ns, us, ms, s, hrs); any other unit (count, samples, events…) prints as a
// bare number. "Minimum" scaling picks the largest unit in which the value is still >= 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace profkit::model {

// value (stored with `decimals` fixed-point digits) in `unit`, scaled and labelled:
// 1536 bytes -> "1.50kB", 2500000 nanoseconds -> "2.50ms", 7 count -> "7", 0 -> "0".
std::string format_value(int64_t value, std::string_view unit, int32_t decimals = 0);
// `value` converted to the canonical unit `to_unit` of its family ("ms", "MB", …) or
// auto-scaled when to_unit is "minimum"; returns the number and the unit label.
std::pair<double, std::string> scale_value(double value, std::string_view from_unit, std::string_view to_unit);
// pprof's Percentage: "  100%" near 100, "%5.2f%%" from 1 %, "%5.2g%%" below.
std::string format_percentage(int64_t value, int64_t total);
// Fixed-point value as a double.
double to_real(int64_t value, int32_t decimals);
// A plain decimal rendering of a fixed-point value: 12345 with 2 decimals -> "123.45".
std::string format_fixed(int64_t value, int32_t decimals);
// Parses "64kb", "1.5ms", "10" into base units of `unit`'s family (bytes or nanoseconds);
// nullopt when the suffix is not a unit of that family.
std::optional<double> parse_quantity(std::string_view text, std::string_view unit);
// True when both units belong to one family (or are equal), so values can be added.
bool compatible_units(std::string_view a, std::string_view b);

}  // namespace profkit::model
